/**
 * JSON-RPC over HTTP on every runtime: `createFetchHandler` served by the runtime's own server
 * (`Deno.serve`, `Bun.serve`; in a page, where nothing can listen, the handler is called with the
 * page's `Request`s), and `createHttpClient` and plain `fetch` calling it. A few cases, each over
 * the real server: test/web/http.test.ts has the rest, on Node.
 */
import {
  createFetchHandler,
  createHttpClient,
  Dispatcher,
  JsonRpcMethodNotFoundError,
  RequestTimeoutError,
  type FetchHandler,
} from '../../src/portable.js';
import { assert } from './assert.js';
import type { Harness } from './harness.js';

/** A handler being served: where, and how to send it a request (the runtime's fetch, or the handler itself). */
export interface Served {
  readonly url: string;
  fetch(request: Request): Promise<Response>;
  close(): Promise<void>;
}

export type Serve = (handler: FetchHandler) => Promise<Served>;

interface Api {
  add: (a: number, b: number) => number;
  note: () => void;
  hang: () => Promise<string>;
}

function dispatcher(): Dispatcher<Api> {
  return new Dispatcher<Api>()
    .add('add', (a: number, b: number) => a + b)
    .add('note', () => undefined)
    // Longer than the client waits; not forever, since a server's shutdown waits for it.
    .add('hang', () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 500)));
}

export function describeHttp(serve: Serve, { describe, it }: Harness): void {
  async function withServer(body: (served: Served) => Promise<void>): Promise<void> {
    const served = await serve(createFetchHandler(dispatcher(), { maxBodyBytes: 1024 }));
    try {
      await body(served);
    } finally {
      await served.close();
    }
  }

  const post = (served: Served, body: string, contentType = 'application/json'): Promise<Response> =>
    served.fetch(new Request(served.url, { method: 'POST', headers: { 'content-type': contentType }, body }));

  describe("HTTP: createFetchHandler served by the runtime's server, createHttpClient and fetch calling it", () => {
    it('createHttpClient: request, notify and batch; an error response rejects with its exception; a timeout', () =>
      withServer(async (served) => {
        const client = createHttpClient<Api>(served.url, { fetch: (url, init) => served.fetch(new Request(url, init)) });
        assert.equal(await client.request('add', [2, 40]), 42);
        assert.equal(await client.notify('note'), undefined);
        const [sum, note, missing] = client.batch([{ method: 'add', params: [1, 1] }, { method: 'note', notification: true }, { method: 'nope' }]);
        assert.equal(await sum, 2);
        assert.equal(await note, undefined);
        await assert.rejects(missing!, JsonRpcMethodNotFoundError);
        await assert.rejects(client.request('hang', undefined, { timeoutMs: 50 }), RequestTimeoutError);
      }));

    it('a timeout wins over a late answer: a fetch that ignores the abort still rejects with RequestTimeoutError', () =>
      withServer(async (served) => {
        const deaf = createHttpClient<Api>(served.url, { fetch: (url, { signal: _ignored, ...init }) => served.fetch(new Request(url, init)) });
        await assert.rejects(deaf.request('hang', undefined, { timeoutMs: 50 }), RequestTimeoutError);
      }));

    it('the statuses: 200 application/json, 204 for a notification, 405 with Allow, 415, 413 counted while reading', () =>
      withServer(async (served) => {
        const ok = await post(served, '{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]}');
        assert.equal(ok.status, 200);
        assert.match(ok.headers.get('content-type') ?? '', /^application\/json/);
        assert.deepEqual(await ok.json(), { jsonrpc: '2.0', id: 1, result: 3 });
        const notified = await post(served, '{"jsonrpc":"2.0","method":"note"}');
        assert.equal(notified.status, 204);
        assert.equal(await notified.text(), '');
        const got = await served.fetch(new Request(served.url));
        assert.equal(got.status, 405);
        assert.equal(got.headers.get('allow'), 'POST');
        await got.body?.cancel();
        const text = await post(served, '{}', 'text/plain');
        assert.equal(text.status, 415);
        await text.body?.cancel();
        // A streamed body (no Content-Length): the limit is found by counting it.
        const chunks = [new TextEncoder().encode(`{"jsonrpc":"2.0","id":2,"method":"add","params":["${'x'.repeat(2000)}"]}`)];
        const stream = new ReadableStream<Uint8Array>({ pull: (controller) => (chunks.length > 0 ? controller.enqueue(chunks.shift()!) : controller.close()) });
        const large = await served.fetch(new Request(served.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit));
        assert.equal(large.status, 413);
        await large.body?.cancel();
      }));
  });
}
