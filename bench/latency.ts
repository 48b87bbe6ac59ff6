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
 * A p99 that is ours shows in both; one that is the machine's moves every contender together,
 * the no-library ceiling included.
 *
 *   node dist/bench/latency.js [--rounds N] [--only id,id]     (also `npm run bench -- --only latency`)
 */
import { fileURLToPath } from 'node:url';
import { fmt, fmtRatio, interleave, makeRow, pairedRatios, percentileSorted, printGrid, progress, type Row } from './harness.js';
import { TCP_CONTENDERS } from './servers/contender.js';
import type { ClientWorkload } from './servers/child.js';
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
}

export async function runLatencyStudy(options: { rounds?: number; contenders?: string[] } = {}): Promise<Row[]> {
  const rounds = options.rounds ?? 8;
  const ids = options.contenders ?? DEFAULT_IDS;
  const contenders = TCP_CONTENDERS.filter((c) => ids.includes(c.id)).map((c) => ({ ...c, name: c.label }));
  progress(`[latency] ${contenders.length} contenders x ${rounds} rounds, one request at a time, every latency kept`);
  const results = await interleave(contenders, rounds, async (c, round) => {
    const r = await measure(c, WORKLOAD);
    const latencies = r.sequential.latenciesUs ?? [];
    progress(`[latency] round ${round + 1}/${rounds} ${c.label}: p50 ${fmt(r.sequential.p50Us)} us p99 ${fmt(r.sequential.p99Us)} us (${latencies.length} req)`);
    return { latencies, p50: r.sequential.p50Us, p99: r.sequential.p99Us } satisfies Round;
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
    grid.push([
      c.label, String(pooled.length), fmt(pct(50)), fmt(pct(99)), fmt(pct(99.9)), fmt(pooled[pooled.length - 1] ?? NaN),
      referenceRounds.length > 0 ? `${fmtRatio(p50Ratio.median)} (${fmtRatio(p50Ratio.min)}..${fmtRatio(p50Ratio.max)})` : 'n/a',
      referenceRounds.length > 0 ? `${fmtRatio(p99Ratio.median)} (${fmtRatio(p99Ratio.min)}..${fmtRatio(p99Ratio.max)})` : 'n/a',
    ]);
    if (referenceRounds.length > 0) {
      rows.push(makeRow({ suite: 'latency', case: LATENCY_CASE, contender: c.label, metric: `p99 / ${REFERENCE}'s, per round`, unit: 'x', higherIsBetter: false }, p99Ratio.samples));
    }
  }
  process.stdout.write(`\n[latency] ${LATENCY_CASE} (us; ratios: the same round's ${REFERENCE}, median (min..max) of rounds)\n`);
  printGrid(['contender', 'samples', 'p50', 'p99', 'p99.9', 'max', `p50 / ${REFERENCE}`, `p99 / ${REFERENCE}`], grid, new Set([1, 2, 3, 4, 5]));
  return rows;
}

// Runnable alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  await runLatencyStudy({ rounds: value('--rounds') ? Number(value('--rounds')) : undefined, contenders: value('--only')?.split(',') });
}
