/**
 * What runs on every runtime: the behaviour suite over each transport of pairs.ts. Node's run
 * (test/connection/pair.test.ts) registers these suites through node:test; Deno, Bun and the
 * Chromium page register them through the harness and report each case back.
 */
import { describeConnection, type TransportLimits } from '../connection/behaviour.js';
import { collect, runCases, type CaseResult, type Harness } from './harness.js';
import { describeHttp, type Serve } from './http-suite.js';
import { NO_HALF_CLOSE, overMemory, overMessagePort, overWebSocketRelay, overWebStreams, overWorkerRelay } from './pairs.js';

export type Runtime = 'node' | 'deno' | 'bun' | 'chromium';

/**
 * What a runtime cannot do, as the suite's limits: Deno and Chromium fire no `close` event on a
 * MessagePort (Node and Bun do), so over a port there one side never learns that the other closed.
 */
function portLimits(runtime: Runtime): TransportLimits {
  if (runtime === 'node' || runtime === 'bun') return NO_HALF_CLOSE;
  return { ...NO_HALF_CLOSE, noCloseSeen: `${runtime === 'deno' ? 'Deno' : 'Chromium'}'s MessagePort fires no close event: the other side cannot see a close` };
}

/** Where the suites run, and what only some runtimes have: Web Workers (not Node's), and a WebSocket relay server to reach. */
export interface Extras {
  readonly runtime: Runtime;
  /** Where relay-worker.js is. */
  readonly relayWorkerUrl?: string;
  /** A websocket-relay.ts server, ws://HOST:PORT. */
  readonly webSocketRelayUrl?: string;
  /** How to serve a fetch handler here (serve.ts), for the HTTP cases. */
  readonly serve?: Serve;
}

export function describeEverywhere(harness: Harness, { runtime, relayWorkerUrl, webSocketRelayUrl, serve }: Extras): void {
  describeConnection('in-memory pair', overMemory('bytes'), harness);
  describeConnection('in-memory message channel', overMemory('messages'), harness);
  describeConnection('connectWebStreams (TransformStream pairs)', overWebStreams(), harness);
  for (const format of ['object', 'json'] as const) {
    describeConnection(`connectMessagePort (MessageChannel, messageFormat '${format}')`, overMessagePort(format), harness, portLimits(runtime));
  }
  if (relayWorkerUrl !== undefined) {
    describeConnection('connectMessagePort (MessageChannel through a Worker)', overWorkerRelay(relayWorkerUrl), harness, portLimits(runtime));
  }
  if (webSocketRelayUrl !== undefined) {
    describeConnection('connectWebSocket (WHATWG WebSockets through a Node ws server)', overWebSocketRelay(webSocketRelayUrl), harness, NO_HALF_CLOSE);
  }
  if (serve !== undefined) describeHttp(serve, harness);
}

/** Registers and runs the suites here, one case at a time (each within `caseTimeoutMs`), reporting each result as it comes. */
export function runEverywhere(extras: Extras, onResult?: (result: CaseResult) => void, caseTimeoutMs = 10_000): Promise<CaseResult[]> {
  const { harness, cases } = collect();
  describeEverywhere(harness, extras);
  return runCases(cases, caseTimeoutMs, onResult);
}
