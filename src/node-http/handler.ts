/**
 * `createNodeHttpHandler(dispatcher, options)`: JSON-RPC over HTTP for `node:http` (and
 * frameworks that hand out its `IncomingMessage` / `ServerResponse`, such as Express).
 *
 * ```ts
 * http.createServer(createNodeHttpHandler(dispatcher)).listen(8545);
 * ```
 *
 * The statuses and their rules are src/web/http-server.ts's; this module only reads the body
 * (counting its bytes, and stopping at `maxBodyBytes`) and writes the answer. When the client goes
 * away before the answer, the handlers' `context.signal` aborts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { DispatchContext, MethodTable } from '../dispatch/types.js';
import { HttpResponder, join, type HttpAnswer, type HttpOptionsArgument } from '../web/http-server.js';

/** Answers one request on `res`; never throws. */
export type NodeHttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createNodeHttpHandler<M extends MethodTable<M>, C extends DispatchContext>(
  dispatcher: Dispatcher<M, C>,
  ...[options]: HttpOptionsArgument<C, IncomingMessage>
): NodeHttpHandler {
  const responder = new HttpResponder<M, C, IncomingMessage>(dispatcher, options);
  return (req, res) => {
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort(new Error('The HTTP client went away before the answer'));
    });
    const header = (name: string): string | null => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : null;
    };
    responder
      .answer({
        request: req,
        method: req.method ?? '',
        contentType: header('content-type'),
        contentLength: header('content-length'),
        readBody: (limit) => readBody(req, limit),
        signal: gone.signal,
      })
      .catch((): HttpAnswer => ({ status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Internal Server Error' }))
      .then((answer) => {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? undefined);
      });
  };
}

/** The body, at most `limit` bytes; null once longer (reading stops; the connection closes after the answer). */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let length = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Uint8Array): void => {
      length += chunk.byteLength;
      if (length > limit) {
        done();
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(join(chunks, length));
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const onClose = (): void => {
      done();
      reject(new Error('The request was closed before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
