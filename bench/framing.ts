/**
 * Framing + parse throughput: our three framers against JSON.parse on pre-split strings (the
 * limit: no framer can beat it) and against the libraries that do the same job
 * (framing-contenders.ts).
 *
 *   node --expose-gc dist/bench/framing.js [--quick] [--baseline <another build's dist/>]
 *
 * Rounds are interleaved across contenders and warmed up, timed in CPU time (see cpuMs); figures
 * are medians with the min..max spread.
 */
import { pathToFileURL } from 'node:url';
import { createFramer, type FramingName } from '../src/framing/index.js';
import { parseMessage } from '../src/parser/messages.js';
import { fmtRatio, interleave, makeRow, pairedRatios, printGrid, printRows, progress, type Row } from './harness.js';
import {
  BARE_READER,
  BASELINE,
  baselineContenders,
  CONTENDERS,
  LIMIT,
  loadBuild,
  OURS,
  retain,
  type Contender,
  type Workload,
} from './framing-contenders.js';
import {
  concatBytes,
  fixedChunks,
  lspMessages,
  megabyteMessages,
  randomChunks,
  unicodeMessages,
} from './framing-workloads.js';

/** One figure: a contender in a case. Also a harness Row (suite 'framing'), so bench/run.ts prints it. */
export interface FramingBenchRow extends Row {
  /** Messages per second (for the byte-at-a-time cases: 1000 / ms). */
  msgsPerSec: number;
  /** msgsPerSec divided by that of JSON.parse on pre-split strings in the same case. */
  ratio: number;
}

/** The cases' names (also the tables' titles). */
export const CASES = {
  small: '~200 B LSP messages, 64 KiB chunks',
  random: '~200 B LSP messages, random 1..512 B chunks',
  unicode: '~2 KB unicode messages, 64 KiB chunks',
  megabyte: '~1 MB messages, 64 KiB chunks',
  byte: (megabytes: number) => `one ${megabytes} MB message, 1-byte chunks`,
};

function makeWorkload(name: string, messages: string[], cut: (bytes: Uint8Array) => Uint8Array[]): Workload {
  const chunks = {} as Record<FramingName, Uint8Array[]>;
  for (const framing of ['newline', 'content-length', 'json-stream'] as const) {
    const framer = createFramer(framing);
    chunks[framing] = cut(concatBytes(messages.map((m) => framer.encode(m))));
  }
  return { name, messages, chunks };
}

/** The throughput cases' workloads, by how many messages they hold (also for instructions.ts). */
export const WORKLOADS = {
  small: (count: number) => makeWorkload(CASES.small, lspMessages(count), (b) => fixedChunks(b, 65536)),
  random: (count: number) => makeWorkload(CASES.random, lspMessages(count), (b) => randomChunks(b, 1, 512)),
  unicode: (count: number) => makeWorkload(CASES.unicode, unicodeMessages(count), (b) => fixedChunks(b, 65536)),
  megabyte: (count: number) => makeWorkload(CASES.megabyte, megabyteMessages(count), (b) => fixedChunks(b, 65536)),
};

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * This process's CPU time in ms (all its threads, so GC helpers count). Rounds are timed with it
 * rather than the wall clock: every contender runs in this process and nothing else does, and on a
 * 2-core machine shared with other jobs, wall time mostly measures how long we waited for a core
 * (in one wall-clock run, per-round ratios of ours to the limit spread over 0.47x..1.70x).
 */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function throughputCase(w: Workload, rounds: number, extra: readonly Contender[]): Promise<FramingBenchRow[]> {
  progress(`[framing] ${w.name}: ${w.messages.length} messages, ${w.chunks.newline.length} chunks`);
  const contenders = [...CONTENDERS, ...extra];
  for (const c of contenders) {
    const n = await c.run(w); // warm-up, and a check that every contender sees every message
    if (n !== w.messages.length) throw new Error(`${c.name} saw ${n} of ${w.messages.length} messages`);
  }
  const results = await interleave(contenders, rounds, async (c) => {
    gc?.();
    const t = cpuMs();
    await c.run(w);
    return w.messages.length / ((cpuMs() - t) / 1000);
  });
  return toRows(w.name, 'msgs/s', 'msgs/s', true, results, (v) => v);
}

function toRows(
  caseName: string,
  metric: string,
  unit: string,
  higherIsBetter: boolean,
  results: Map<string, number[]>,
  toMsgsPerSec: (value: number) => number,
): FramingBenchRow[] {
  const rows = [...results].map(([contender, samples]) =>
    makeRow({ suite: 'framing', case: caseName, contender, metric, unit, higherIsBetter }, samples),
  );
  const limit = rows.find((r) => r.contender === LIMIT);
  return rows.map((r) => {
    const msgsPerSec = toMsgsPerSec(r.median);
    const ratio = limit ? msgsPerSec / toMsgsPerSec(limit.median) : NaN;
    return { ...r, msgsPerSec, ratio, note: `${ratio.toFixed(3)}x limit` };
  });
}

/** One message of `megabytes` MB pushed one byte per call; wall time in ms. */
async function byteAtATimeCase(megabytes: number, rounds: number): Promise<FramingBenchRow[]> {
  const json = JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { text: 'x\\"y'.repeat(Math.round((megabytes * 1e6) / 5)) } });
  const name = CASES.byte(megabytes);
  progress(`[framing] ${name}`);
  const contenders: Array<{ name: string; run(): void }> = [
    { name: LIMIT, run: () => void JSON.parse(json) },
    ...(['newline', 'content-length', 'json-stream'] as const).map((framing) => {
      const bytes = createFramer(framing).encode(json);
      return {
        name: OURS(framing),
        run() {
          const framer = retain(`${OURS(framing)} 1-byte`, createFramer(framing));
          let n = 0;
          for (let i = 0; i < bytes.length; i++) {
            for (const e of framer.push(bytes.subarray(i, i + 1))) if (e.kind === 'frame' && parseMessage(e.text).kind !== 'invalid') n++;
          }
          if (n !== 1) throw new Error(`${framing}: ${n} messages`);
        },
      };
    }),
  ];
  const results = await interleave(contenders, rounds, async (c) => {
    gc?.();
    // Wall time here: what is checked is growth with size, and the GC helper threads' CPU time
    // grows with the heap, not with the framer's work.
    const t = performance.now();
    c.run();
    return performance.now() - t;
  });
  return toRows(name, 'time', 'ms', false, results, (ms) => 1000 / ms);
}

export async function runFramingBench(options: { quick?: boolean; baseline?: string } = {}): Promise<FramingBenchRow[]> {
  const quick = options.quick === true;
  const extra = options.baseline === undefined ? [] : baselineContenders(await loadBuild(options.baseline));
  const rounds = quick ? 3 : 9;
  const rows: FramingBenchRow[] = [];
  rows.push(...(await throughputCase(WORKLOADS.small(quick ? 4000 : 10000), rounds, extra)));
  rows.push(...(await throughputCase(WORKLOADS.random(quick ? 4000 : 10000), rounds, extra)));
  rows.push(...(await throughputCase(WORKLOADS.unicode(quick ? 500 : 1500), rounds, extra)));
  rows.push(...(await throughputCase(WORKLOADS.megabyte(quick ? 2 : 4), quick ? 3 : 5, extra)));
  rows.push(...(await byteAtATimeCase(2.5, quick ? 1 : 3)));
  rows.push(...(await byteAtATimeCase(10, quick ? 1 : 3)));
  return rows;
}

/** One target, judged on this run's rows. */
export interface FramingCheck {
  target: string;
  measured: string;
  pass: boolean | undefined;
}

/**
 * The framing targets, each judged on the median of per-round ratios: rounds are interleaved, so
 * the two figures of a ratio were taken seconds apart and share the machine's load, which makes
 * that median steadier than a ratio of medians on a noisy machine.
 */
export function framingTargets(rows: readonly FramingBenchRow[]): FramingCheck[] {
  const checks: FramingCheck[] = [];
  const find = (caseName: string, contender: string) => rows.find((r) => r.case === caseName && r.contender === contender);
  const paired = (caseName: string, a: string, b: string) => {
    const ra = find(caseName, a);
    const rb = find(caseName, b);
    return ra && rb ? pairedRatios(ra.samples, rb.samples) : undefined;
  };
  /** With no `min`, an informational figure. */
  const check = (target: string, ratio: { median: number; min: number; max: number } | undefined, min?: number) =>
    checks.push({
      target,
      measured: ratio ? `${fmtRatio(ratio.median)} (rounds ${fmtRatio(ratio.min)}..${fmtRatio(ratio.max)})` : 'not measured',
      pass: ratio && min !== undefined ? ratio.median >= min : undefined,
    });
  // Issue 15's targets, as ratios to the limit: newline / content-length / json-stream.
  const bounds: Record<string, readonly [number, number, number]> = {
    [CASES.small]: [0.9, 0.88, 0.75],
    [CASES.random]: [0.78, 0.78, 0.68],
    [CASES.unicode]: [0.8, 0.8, 0.6],
    [CASES.megabyte]: [0.9, 0.9, 0.75],
  };
  for (const caseName of [CASES.small, CASES.random, CASES.unicode, CASES.megabyte]) {
    (['newline', 'content-length', 'json-stream'] as const).forEach((framing, i) => {
      const bound = bounds[caseName][i];
      check(`${caseName}: ${framing} >= ${bound}x limit`, paired(caseName, OURS(framing), LIMIT), bound);
    });
    // What the framers cost beyond decoding, cutting and parsing.
    check(`${caseName}: bare reader vs the limit`, paired(caseName, BARE_READER, LIMIT));
    for (const framing of ['newline', 'content-length'] as const) {
      check(`${caseName}: ${framing} vs the bare reader`, paired(caseName, OURS(framing), BARE_READER));
    }
    if (caseName === CASES.random) continue;
    check(`${caseName}: content-length >= 5x vscode-jsonrpc`, paired(caseName, OURS('content-length'), 'vscode-jsonrpc reader'), 5);
    check(`${caseName}: json-stream >= 8x stream-json concatenated`, paired(caseName, OURS('json-stream'), 'stream-json concatenated'), 8);
  }
  // Cost per message in random small chunks <= 1.2x that in 64 KiB chunks, compared through each
  // case's own limit (the same messages), which cancels the drift between the two cases.
  for (const framing of ['newline', 'content-length', 'json-stream'] as const) {
    const big = paired(CASES.small, OURS(framing), LIMIT);
    const small = paired(CASES.random, OURS(framing), LIMIT);
    const slowdown = big && small ? big.median / small.median : undefined;
    checks.push({
      target: `random 1..512 B chunks: ${framing} costs <= 1.2x the 64 KiB case`,
      measured: slowdown === undefined ? 'not measured' : `${slowdown.toFixed(2)}x`,
      pass: slowdown === undefined ? undefined : slowdown <= 1.2,
    });
  }
  // Linear: 4x the bytes in about 4x the time (10% slack for noise).
  for (const framing of ['newline', 'content-length', 'json-stream'] as const) {
    const a = find(CASES.byte(2.5), OURS(framing));
    const b = find(CASES.byte(10), OURS(framing));
    const growth = a && b ? b.median / a.median : undefined;
    checks.push({
      target: `1-byte chunks: ${framing} 10 MB takes <= 4.4x the 2.5 MB time`,
      measured: growth === undefined ? 'not measured' : `${growth.toFixed(2)}x`,
      pass: growth === undefined ? undefined : growth <= 4.4,
    });
  }
  return checks;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const at = process.argv.indexOf('--baseline');
  const baseline = at === -1 ? undefined : process.argv[at + 1];
  const rows = await runFramingBench({ quick: process.argv.includes('--quick'), baseline });
  printRows(rows, { refs: [LIMIT] });
  if (baseline !== undefined) {
    process.stdout.write(`\nThis build vs the baseline (${baseline}): medians of per-round ratios of msgs/s\n`);
    const body: string[][] = [];
    for (const caseName of [CASES.small, CASES.random, CASES.unicode, CASES.megabyte]) {
      const cells = (['newline', 'content-length', 'json-stream'] as const).map((framing) => {
        const ours = rows.find((r) => r.case === caseName && r.contender === OURS(framing));
        const base = rows.find((r) => r.case === caseName && r.contender === BASELINE(framing));
        if (!ours || !base) return '-';
        const p = pairedRatios(ours.samples, base.samples);
        return `${fmtRatio(p.median)} (${fmtRatio(p.min)}..${fmtRatio(p.max)})`;
      });
      body.push([caseName, ...cells]);
    }
    printGrid(['case', 'newline', 'content-length', 'json-stream'], body);
  }
  process.stdout.write('\nTargets (this run, medians of per-round ratios)\n');
  const checks = framingTargets(rows);
  printGrid(['target', 'measured', 'result'], checks.map((c) => [c.target, c.measured, c.pass === undefined ? (/not measured/.test(c.measured) ? 'n/a' : 'info') : c.pass ? 'PASS' : 'FAIL']));
  progress(`[framing] done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
