/**
 * What tracing costs a portable connection: pipelined requests (256 in flight) over the in-memory
 * pair (createConnectionPair, newline framing, a synchronous `add`), where the per-call overhead
 * shows most, in four variants, each in a fresh child process:
 *
 * - without channels: the diagnostics module never loaded (the portable entry alone);
 * - channels, nobody subscribed: loaded (the Node entry), no subscriber: what every Node user runs;
 * - both channels subscribed: empty subscribers on all five events of request and handle;
 * - trace option: an empty `trace` callback on the client (every message parsed a second time).
 *
 * Runnable alone: node dist/bench/tracing.js [--quick] [--rounds N]
 */
import diagnostics from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import { createConnectionPair } from '../src/connection/pair.js';
import type { ConnectionOptions } from '../src/connection/connection.js';
import { Dispatcher } from '../src/dispatch/dispatcher.js';
import { forkChild, fmt, interleave, makeRow, printRows, progress, type Row } from './harness.js';

const SELF = fileURLToPath(import.meta.url);
const INFLIGHT = 256;

const VARIANTS = ['without channels', 'channels, nobody subscribed', 'both channels subscribed', 'trace option'] as const;
type Variant = (typeof VARIANTS)[number];

export const TRACING_REFS = ['without channels'];

export interface TracingBenchOptions {
  quick?: boolean;
  rounds?: number;
}

interface Result {
  reqPerSec: number;
  /** CPU time (user + system) of the process per request: on a busy machine steadier than req/s. */
  cpuUsPerReq: number;
}

/** In the child: the variant's setup, then pipelined requests for `ms` after a warm-up. */
async function measure(variant: Variant, warmMs: number, ms: number): Promise<Result> {
  if (variant !== 'without channels') await import('../src/node-streams/diagnostics.js');
  if (variant === 'both channels subscribed') {
    const empty = (): void => {};
    for (const name of ['jsonrpc-wire:request', 'jsonrpc-wire:handle']) {
      diagnostics.tracingChannel(name).subscribe({ start: empty, end: empty, asyncStart: empty, asyncEnd: empty, error: empty });
    }
  }
  const client: ConnectionOptions = variant === 'trace option' ? { trace: () => {} } : {};
  const dispatcher = new Dispatcher().add('add', (a: number, b: number) => a + b);
  const [a, b] = createConnectionPair(client, { dispatcher });
  const pipelined = async (duration: number): Promise<Result> => {
    let done = 0;
    const cpu = process.cpuUsage();
    const until = performance.now() + duration;
    const lane = async (): Promise<void> => {
      while (performance.now() < until) {
        await a.request('add', [done, 1]);
        done++;
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: INFLIGHT }, lane));
    const used = process.cpuUsage(cpu);
    return { reqPerSec: (done / (performance.now() - t0)) * 1000, cpuUsPerReq: (used.user + used.system) / done };
  };
  await pipelined(warmMs);
  const result = await pipelined(ms);
  await a.close();
  await b.closed;
  return result;
}

export async function runTracingBench(options: TracingBenchOptions = {}): Promise<Row[]> {
  const quick = options.quick ?? false;
  const rounds = options.rounds ?? (quick ? 2 : 5);
  progress(`[tracing] ${VARIANTS.length} variants, ${rounds} rounds, ${INFLIGHT} in flight, add(a, b) over the in-memory pair`);
  const contenders = VARIANTS.map((name) => ({ name }));
  const results = await interleave(contenders, rounds, async ({ name }, round) => {
    const child = forkChild(SELF, ['--child', name, String(quick ? 300 : 800), String(quick ? 500 : 1500)]);
    try {
      const result = await child.next<Result>('result', 60_000);
      progress(`[tracing] round ${round + 1}/${rounds} ${name}: ${fmt(result.reqPerSec)} req/s, ${fmt(result.cpuUsPerReq)} us CPU per request`);
      return result;
    } finally {
      await child.stop();
    }
  });
  const metrics = [
    ['throughput', 'req/s', true, (r: Result) => r.reqPerSec],
    ['CPU per request', 'us', false, (r: Result) => r.cpuUsPerReq],
  ] as const;
  return metrics.flatMap(([metric, unit, higherIsBetter, pick]) =>
    VARIANTS.flatMap((name) => {
      const samples = (results.get(name) ?? []).map(pick);
      const base = { suite: 'tracing', case: `in-memory pair, pipelined (${INFLIGHT} in flight)`, contender: name, metric, unit, higherIsBetter };
      return samples.length > 0 ? [makeRow(base, samples)] : [];
    }),
  );
}

const args = process.argv.slice(2);
if (process.argv[1] === SELF && args[0] === '--child') {
  measure(args[1] as Variant, Number(args[2]), Number(args[3])).then(
    (result) => process.send!({ type: 'result', ...result }),
    (error: unknown) => process.send!({ type: 'error', message: String(error) }),
  );
} else if (process.argv[1] === SELF) {
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : undefined;
  runTracingBench({ quick: args.includes('--quick'), rounds }).then((rows) => printRows(rows, { refs: TRACING_REFS }));
}
