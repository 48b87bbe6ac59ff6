/**
 * `createFetchHandler(dispatcher, options)`: JSON-RPC over HTTP for servers that speak fetch's
 * `Request` / `Response`: `Deno.serve`, `Bun.serve`, Cloudflare-style Workers, Hono.
 *
 * ```ts
 * Deno.serve(createFetchHandler(dispatcher, { maxBodyBytes: 64 * 1024 }));
 * ```
 *
 * The statuses and their rules are http-server.ts's; this module only reads the `Request` (its
 * body through a byte-counting reader) and builds the `Response`.
 */
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { DispatchContext, MethodTable } from '../dispatch/types.js';
import { HttpResponder, readLimited, type HttpAnswer, type HttpOptionsArgument } from './http-server.js';

/** Answers one HTTP request; never rejects. */
export type FetchHandler = (request: Request) => Promise<Response>;

export function createFetchHandler<M extends MethodTable<M>, C extends DispatchContext>(
  dispatcher: Dispatcher<M, C>,
  ...[options]: HttpOptionsArgument<C, Request>
): FetchHandler {
  const responder = new HttpResponder<M, C, Request>(dispatcher, options);
  return async (request) => {
    let answer: HttpAnswer;
    try {
      answer = await responder.answer({
        request,
        method: request.method,
        contentType: request.headers.get('content-type'),
        contentLength: request.headers.get('content-length'),
        readBody: (limit) => readLimited(request.body, limit),
        signal: request.signal,
      });
    } catch {
      answer = { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Internal Server Error' };
    }
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  };
}
