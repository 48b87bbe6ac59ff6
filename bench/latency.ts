/**
 * One request at a time over TCP, studied closely: is a p99 ours or the machine's? A p99 of 5,000
 * latencies is the 50th worst, so one scheduling hiccup moves it; a loaded machine moved
 * json-rpc-2.0's own from 270 to 897 us between rounds. So: many rounds, each a fresh server and
 * client process pair per contender, the contenders' order rotating per round (harness.ts
 * `interleave`), only the one-at-a-time phase (warmed up until its median settles), and every
 * latency kept. Reported per contender:
 * - the percentiles of all rounds' latencies pooled (tens of thousands of samples: a p99 that a
 *   few bad rounds cannot move much, and a p99.9);
 * - its p50 and p99 divided by json-rpc-2.0's in the same round, median over rounds (rounds
 *   measure the contenders seconds apart, so the machine's state is shared).
 * - the collector's share: GC pauses per 1,000 requests (client and server, recorded by each
 *   process, servers/gc-log.ts), and how many of each round's slowest 1% overlapped one.
 * A p99 that is ours shows in both ratios, or in the GC share; one that is the machine's moves
 * every contender together, the no-library ceiling included.
 *
 *   node dist/bench/latency.js [--rounds N] [--only id,id]     (also `npm run bench -- --only latency`)
 */
import { fileURLToPath } from 'node:url';
import { fmt, fmtRatio, interleave, makeRow, pairedRatios, percentileSorted, printGrid, progress, type Row } from './harness.js';
import { TCP_CONTENDERS } from './servers/contender.js';
import type { ClientResult, ClientWorkload } from './servers/child.js';
import { overlapsPause, type Pause } from './servers/gc-log.js';
import { measure } from './tcp.js';

const REFERENCE = 'json-rpc-2.0';
const DEFAULT_IDS = ['ceiling', 'ours-newline', 'ours-content-length', REFERENCE];
export const LATENCY_CASE = 'end-to-end TCP, one at a time, all rounds pooled';

const WORKLOAD: ClientWorkload = {
  latencyOnly: true,
  inflight: 1, warmupMs: 0, maxWarmupMs: 0, warmupSliceMs: 0, targetMs: 0, minRequests: 0, maxRequests: 0,
  seqWarmupMs: 750, seqMaxWarmupMs: 2000, seqWarmupSliceMs: 250, seqRequests: 5000, seqMaxMs: 3000,
};

interface Round {
  latencies: number[];
  p50: number;
  p99: number;
  /** GC pauses in the client and the server while the measured requests ran. */
  pauses: number;
  /** The requests at or above this round's p99, and how many of them overlapped a pause. */
  slowest: number;
  slowestInGc: number;
}

/** Counts the GC pauses met by the measured requests, and by the slowest 1% of them. */
function gcShare(sequential: ClientResult['sequential'], p99: number): Pick<Round, 'pauses' | 'slowest' | 'slowestInGc'> {
  const samples = sequential.samples ?? [];
  const client = sequential.clientGc ?? [];
  const server = (sequential.serverGc ?? []).slice().sort((a, b) => a[0] - b[0]);
  if (samples.length === 0) return { pauses: 0, slowest: 0, slowestInGc: 0 };
  const from = samples[0][0];
  const last = samples[samples.length - 1];
  const to = last[0] + last[1] / 1000;
  const within = (p: Pause) => p[1] >= from && p[0] <= to;
  let slowest = 0;
  let slowestInGc = 0;
  for (const [start, us] of samples) {
    if (us < p99) continue;
    slowest++;
    const end = start + us / 1000;
    if (overlapsPause(client, start, end) || overlapsPause(server, start, end)) slowestInGc++;
  }
  return { pauses: client.filter(within).length + server.filter(within).length, slowest, slowestInGc };
}

export async function runLatencyStudy(options: { rounds?: number; contenders?: string[] } = {}): Promise<Row[]> {
  const rounds = options.rounds ?? 8;
  const ids = options.contenders ?? DEFAULT_IDS;
  const contenders = TCP_CONTENDERS.filter((c) => ids.includes(c.id)).map((c) => ({ ...c, name: c.label }));
  progress(`[latency] ${contenders.length} contenders x ${rounds} rounds, one request at a time, every latency kept`);
  const results = await interleave(contenders, rounds, async (c, round) => {
    const r = await measure(c, WORKLOAD);
    const latencies = (r.sequential.samples ?? []).map(([, us]) => us);
    progress(`[latency] round ${round + 1}/${rounds} ${c.label}: p50 ${fmt(r.sequential.p50Us)} us p99 ${fmt(r.sequential.p99Us)} us (${latencies.length} req)`);
    return { latencies, p50: r.sequential.p50Us, p99: r.sequential.p99Us, ...gcShare(r.sequential, r.sequential.p99Us) } satisfies Round;
  });
  const reference = contenders.find((c) => c.id === REFERENCE);
  const referenceRounds = reference ? results.get(reference.name) ?? [] : [];
  const rows: Row[] = [];
  const grid: string[][] = [];
  for (const c of contenders) {
    const rs = results.get(c.name) ?? [];
    if (rs.length === 0) continue;
    const pooled = rs.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const pct = (p: number) => percentileSorted(pooled, p);
    for (const [metric, p] of [['pooled p50 latency', 50], ['pooled p99 latency', 99], ['pooled p99.9 latency', 99.9]] as const) {
      rows.push(makeRow({ suite: 'latency', case: LATENCY_CASE, contender: c.label, metric, unit: 'us', higherIsBetter: false, note: `${pooled.length} samples, ${rs.length} rounds` }, [pct(p)]));
    }
    const p50Ratio = pairedRatios(rs.map((r) => r.p50), referenceRounds.map((r) => r.p50));
    const p99Ratio = pairedRatios(rs.map((r) => r.p99), referenceRounds.map((r) => r.p99));
    const sum = (f: (r: Round) => number) => rs.reduce((total, r) => total + f(r), 0);
    const pausesPer1k = (1000 * sum((r) => r.pauses)) / pooled.length;
    const slowestInGc = sum((r) => r.slowestInGc) / Math.max(1, sum((r) => r.slowest));
    rows.push(makeRow({ suite: 'latency', case: LATENCY_CASE, contender: c.label, metric: 'GC pauses per 1,000 requests, client + server', unit: 'pauses', higherIsBetter: false }, [pausesPer1k]));
    rows.push(makeRow({ suite: 'latency', case: LATENCY_CASE, contender: c.label, metric: 'share of the slowest 1% that met a GC pause', unit: 'x', higherIsBetter: false }, [slowestInGc]));
    grid.push([
      c.label, String(pooled.length), fmt(pct(50)), fmt(pct(99)), fmt(pct(99.9)), fmt(pooled[pooled.length - 1] ?? NaN),
      pausesPer1k.toFixed(1), `${(100 * slowestInGc).toFixed(0)}%`,
      referenceRounds.length > 0 ? `${fmtRatio(p50Ratio.median)} (${fmtRatio(p50Ratio.min)}..${fmtRatio(p50Ratio.max)})` : 'n/a',
      referenceRounds.length > 0 ? `${fmtRatio(p99Ratio.median)} (${fmtRatio(p99Ratio.min)}..${fmtRatio(p99Ratio.max)})` : 'n/a',
    ]);
    if (referenceRounds.length > 0) {
      rows.push(makeRow({ suite: 'latency', case: LATENCY_CASE, contender: c.label, metric: `p99 / ${REFERENCE}'s, per round`, unit: 'x', higherIsBetter: false }, p99Ratio.samples));
    }
  }
  process.stdout.write(`\n[latency] ${LATENCY_CASE} (us; ratios: the same round's ${REFERENCE}, median (min..max) of rounds)\n`);
  printGrid(
    ['contender', 'samples', 'p50', 'p99', 'p99.9', 'max', 'GC pauses / 1k req', 'slowest 1% in a GC', `p50 / ${REFERENCE}`, `p99 / ${REFERENCE}`],
    grid,
    new Set([1, 2, 3, 4, 5, 6, 7]),
  );
  return rows;
}

// Runnable alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  await runLatencyStudy({ rounds: value('--rounds') ? Number(value('--rounds')) : undefined, contenders: value('--only')?.split(',') });
}
