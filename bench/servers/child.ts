/**
 * Entry point of the TCP bench's child processes (forked by bench/tcp.ts with an IPC channel):
 *
 *   node child.js server <contender> [--gc-log]      -> serves add(a, b); sends { type: 'ready', port };
 *                                                       with --gc-log, answers { type: 'gc?' } with its GC pauses
 *   node child.js client <contender> <port> <json>   -> runs the workload; sends { type: 'result', ... }
 *
 * Server and client are separate processes, so every measurement is two processes talking over
 * loopback TCP, each with only one library loaded. The parent process only orchestrates.
 */
import { loadContender, type RpcClient } from './contender.js';
import { percentileSorted } from '../harness.js';
import { startGcLog, type GcLog, type Pause } from './gc-log.js';
import { performance } from 'node:perf_hooks';

export interface ClientWorkload {
  /** Requests in flight in the pipelined phase. */
  inflight: number;
  /**
   * Pipelined warm-up: slices of `warmupSliceMs` until two consecutive slices agree within 10% and
   * the last is within 10% of the best so far (the JIT has settled; vscode-jsonrpc needs over a
   * second), at least `warmupMs`, at most `maxWarmupMs`. The last slice's rate sizes the measured run.
   */
  warmupMs: number;
  maxWarmupMs: number;
  warmupSliceMs: number;
  /** The measured pipelined run aims at this duration: N = warm-up rate x targetMs. */
  targetMs: number;
  minRequests: number;
  maxRequests: number;
  /**
   * Sequential (one at a time) warm-up: slices of `seqWarmupSliceMs` until two consecutive slices'
   * median latencies agree within 10% and the last is within 10% of the lowest so far, at least
   * `seqWarmupMs`, at most `seqMaxWarmupMs` (the one-at-a-time path keeps improving for over a
   * second in some libraries, after the pipelined phase).
   */
  seqWarmupMs: number;
  seqMaxWarmupMs: number;
  seqWarmupSliceMs: number;
  /** Sequential measurement, bounded by count and by time (Nagle can make a request take ~40-90 ms). */
  seqRequests: number;
  seqMaxMs: number;
  /** Only the one-at-a-time phases (bench/latency.ts), with every latency kept in the result. */
  latencyOnly?: boolean;
}

export interface ClientResult {
  type: 'result';
  pipelined: { requests: number; elapsedMs: number; reqPerSec: number; warmupReqPerSec: number; warmupMs: number };
  sequential: {
    requests: number; p50Us: number; p99Us: number; meanUs: number; warmupMs: number;
    /** With `latencyOnly`: each request's [start (epoch ms), latency (us)], in the order sent. */
    samples?: Array<[number, number]>;
    /** With `latencyOnly`: the client's GC pauses during the measured requests; the server's, added by bench/tcp.ts. */
    clientGc?: Pause[];
    serverGc?: Pause[];
  };
}

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

/** Keeps `inflight` requests outstanding until `count` have completed or `deadline` (ms) passes. */
function pipelined(client: RpcClient, inflight: number, count: number, deadline = Infinity): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let stopped = false;
    const issue = () => {
      const a = sent++;
      client.add(a, 1).then((value) => {
        if (value !== a + 1) return fail(new Error(`add(${a}, 1) returned ${value}`));
        done++;
        if (!stopped && sent < count && (deadline === Infinity || now() < deadline)) issue();
        else {
          stopped = true;
          if (done === sent) resolve(done);
        }
      }, fail);
    };
    const fail = (error: unknown) => {
      stopped = true;
      reject(error);
    };
    for (let i = 0; i < Math.min(inflight, count); i++) issue();
  });
}

/** One request at a time; each one's start (epoch ms) goes to `starts` when given. */
async function sequential(client: RpcClient, count: number, maxMs: number, starts?: number[]): Promise<number[]> {
  const latencies: number[] = [];
  const deadline = now() + maxMs;
  for (let i = 0; i < count && (i < 5 || now() < deadline); i++) {
    starts?.push(performance.timeOrigin + performance.now());
    const t0 = process.hrtime.bigint();
    const value = await client.add(i, 2);
    const t1 = process.hrtime.bigint();
    if (value !== i + 2) throw new Error(`add(${i}, 2) returned ${value}`);
    latencies.push(Number(t1 - t0) / 1e3); // us
  }
  return latencies;
}

async function runClient(id: string, port: number, w: ClientWorkload): Promise<ClientResult> {
  const contender = await loadContender(id);
  const client = await contender.connect(port);
  const pipelinedResult = w.latencyOnly ? { requests: 0, elapsedMs: 0, reqPerSec: 0, warmupReqPerSec: 0, warmupMs: 0 } : await pipelinedPhase(client, w);
  const sequentialResult = await sequentialPhase(client, w);
  await client.close();
  return { type: 'result', pipelined: pipelinedResult, sequential: sequentialResult };
}

/** Pipelined: warm up until the rate settles, size the run from the warm-up rate, measure. */
async function pipelinedPhase(client: RpcClient, w: ClientWorkload): Promise<ClientResult['pipelined']> {
  const warmStart = now();
  let warmupRate = 0;
  let previous = 0;
  let best = 0;
  for (;;) {
    const s0 = now();
    const done = await pipelined(client, w.inflight, Number.MAX_SAFE_INTEGER, s0 + w.warmupSliceMs);
    previous = warmupRate;
    warmupRate = (done * 1000) / (now() - s0);
    if (process.env.BENCH_DEBUG) process.stderr.write(`warm-up slice ${warmupRate.toFixed(0)} req/s\n`);
    const elapsed = now() - warmStart;
    best = Math.max(best, warmupRate);
    const settled =
      previous > 0 && Math.abs(warmupRate - previous) <= 0.1 * Math.max(warmupRate, previous) && warmupRate >= 0.9 * best;
    if (elapsed >= w.maxWarmupMs || (elapsed >= w.warmupMs && settled)) break;
  }
  let t0: number;
  const n = Math.max(w.minRequests, Math.min(w.maxRequests, Math.round((warmupRate * w.targetMs) / 1000)));
  const warmupEnd = now();
  t0 = now();
  await pipelined(client, w.inflight, n);
  const elapsedMs = now() - t0;
  return { requests: n, elapsedMs, reqPerSec: (n * 1000) / elapsedMs, warmupReqPerSec: warmupRate, warmupMs: warmupEnd - warmStart };
}

/** Sequential: warm up until the median latency settles, then one request at a time. */
/** Pauses of this process's collector (the latency study's clients and every server). */
let gcLog: GcLog | undefined;

async function sequentialPhase(client: RpcClient, w: ClientWorkload): Promise<ClientResult['sequential']> {
  const seqStart = now();
  let lowest = Infinity;
  let last = 0;
  for (;;) {
    const slice = await sequential(client, Number.MAX_SAFE_INTEGER, w.seqWarmupSliceMs);
    const m = percentileSorted(slice.sort((a, b) => a - b), 50);
    const prev = last;
    last = m;
    lowest = Math.min(lowest, m);
    const elapsed = now() - seqStart;
    const settled = prev > 0 && Math.abs(m - prev) <= 0.1 * Math.max(m, prev) && m <= 1.1 * lowest;
    if (process.env.BENCH_DEBUG) process.stderr.write(`seq warm-up slice p50 ${m.toFixed(1)} us\n`);
    if (elapsed >= w.seqMaxWarmupMs || (elapsed >= w.seqWarmupMs && settled)) break;
  }
  const seqWarmupMs = now() - seqStart;
  const starts: number[] = [];
  gcLog?.clear();
  const inOrder = await sequential(client, w.seqRequests, w.seqMaxMs, w.latencyOnly ? starts : undefined);
  const latencies = inOrder.slice().sort((a, b) => a - b);
  return {
    requests: latencies.length,
    p50Us: percentileSorted(latencies, 50),
    p99Us: percentileSorted(latencies, 99),
    meanUs: latencies.reduce((s, x) => s + x, 0) / latencies.length,
    warmupMs: seqWarmupMs,
    ...(w.latencyOnly
      ? { samples: inOrder.map((us, i): [number, number] => [starts[i], us]), clientGc: gcLog?.pauses() ?? [] }
      : {}),
  };
}

async function main(): Promise<void> {
  const [role, id, port, workload] = process.argv.slice(2);
  if (!process.send) throw new Error('child.js must be forked with an IPC channel');
  if (role === 'server') {
    if (process.argv.includes('--gc-log')) gcLog = startGcLog();
    const contender = await loadContender(id);
    const server = await contender.serve(0);
    process.on('message', (message: { type?: string }) => {
      if (message.type === 'gc?') process.send?.({ type: 'gc', pauses: gcLog?.pauses() ?? [] });
    });
    process.send({ type: 'ready', port: server.port });
    process.on('disconnect', () => process.exit(0));
  } else if (role === 'client') {
    const w = JSON.parse(workload) as ClientWorkload;
    if (w.latencyOnly) gcLog = startGcLog();
    const result = await runClient(id, Number(port), w);
    process.send(result, () => process.exit(0));
  } else {
    throw new Error(`unknown role ${role}`);
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.stack ?? error.message : String(error);
  if (process.send) process.send({ type: 'error', message }, () => process.exit(1));
  else {
    process.stderr.write(message + '\n');
    process.exit(1);
  }
});
