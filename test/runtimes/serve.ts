/**
 * The runtime's own HTTP server for http-suite.ts: `Deno.serve` or `Bun.serve` on a free loopback
 * port; in a page, which cannot listen, the handler itself stands in for the network.
 */
import type { FetchHandler } from '../../src/portable.js';
import type { Serve, Served } from './http-suite.js';

interface DenoServe {
  serve(options: { hostname: string; port: number; onListen(): void }, handler: FetchHandler): { addr: { port: number }; shutdown(): Promise<void> };
}
interface BunServe {
  serve(options: { hostname: string; port: number; fetch: FetchHandler }): { port: number; stop(closeActive: boolean): Promise<void> | void };
}
const runtime = globalThis as { Deno?: DenoServe; Bun?: BunServe };

const overNetwork = (url: string, close: () => Promise<void>): Served => ({ url, fetch: (request) => fetch(request), close });

export const serveHere: Serve = async (handler) => {
  if (runtime.Deno !== undefined) {
    const server = runtime.Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => {} }, handler);
    return overNetwork(`http://127.0.0.1:${server.addr.port}/rpc`, () => server.shutdown());
  }
  if (runtime.Bun !== undefined) {
    const server = runtime.Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: handler });
    return overNetwork(`http://127.0.0.1:${server.port}/rpc`, async () => void (await server.stop(true)));
  }
  return { url: 'http://rpc.invalid/', fetch: handler, close: async () => {} };
};
