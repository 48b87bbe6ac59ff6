/**
 * Small shared harness for the benchmarks in bench/: statistics, interleaved rounds, progress lines,
 * tables with ratio columns, and JSON output for CI history.
 *
 * Conventions:
 * - Progress goes to stderr (`progress()`), tables go to stdout (`printTable()`), so
 *   `npm run bench > results.txt` keeps only the tables.
 * - Every figure is the median of several rounds, shown with its min..max spread.
 * - Rounds are interleaved across contenders (round 1: A B C, round 2: A B C, ...) so slow drift of
 *   a noisy machine spreads over all contenders instead of hitting one of them.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** One measured figure: a contender in a case, summarised over rounds. */
export interface Row {
  /** Which part of the bench produced it: 'framing' | 'tcp' | 'flood' | ... */
  suite: string;
  /** The case inside the suite, e.g. 'pipelined (256 in flight)'. Rows of one case form one table. */
  case: string;
  /** Who was measured, e.g. 'vscode-jsonrpc' or 'ceiling (raw net)'. */
  contender: string;
  /** What was measured, e.g. 'req/s', 'p50', 'peak RSS delta'. */
  metric: string;
  /** Unit of median/min/max, e.g. 'req/s', 'us', 'MiB', 'ms', 'MB/s'. */
  unit: string;
  /** Whether a larger value is better (throughput) or worse (latency, memory, time). */
  higherIsBetter: boolean;
  median: number;
  min: number;
  max: number;
  /** Every round's value, in round order. */
  samples: number[];
  /** Free-form extras (sample counts, messages handled, notes). Printed as the last column. */
  note?: string;
}

/** Summary of a list of numbers. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-th percentile (0..100) of already sorted values, nearest-rank. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(values: readonly number[]): Summary {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
    samples: [...values],
  };
}

/** Builds a Row from per-round samples. */
export function makeRow(
  base: Omit<Row, 'median' | 'min' | 'max' | 'samples'>,
  samples: readonly number[],
): Row {
  const s = summarize(samples);
  return { ...base, median: s.median, min: s.min, max: s.max, samples: s.samples };
}

/**
 * Runs `rounds` rounds; in each round, every contender's `run` once, in order (rotated by one each
 * round so no contender is always first after a pause). Returns each contender's results in round
 * order. A contender whose run throws is reported once through `onError` and skipped afterwards.
 */
export async function interleave<C extends { name: string }, R>(
  contenders: readonly C[],
  rounds: number,
  run: (contender: C, round: number) => Promise<R>,
  onError: (contender: C, error: unknown) => void = (c, e) =>
    progress(`  ! ${c.name} failed: ${errorText(e)}`),
): Promise<Map<string, R[]>> {
  const results = new Map<string, R[]>(contenders.map((c) => [c.name, []]));
  const failed = new Set<string>();
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const contender = contenders[(k + round) % contenders.length];
      if (failed.has(contender.name)) continue;
      try {
        results.get(contender.name)!.push(await run(contender, round));
      } catch (error) {
        failed.add(contender.name);
        onError(contender, error);
      }
    }
  }
  return results;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/** A progress line on stderr. */
export function progress(line: string): void {
  process.stderr.write(line + '\n');
}

/** Formats a number with a sensible number of significant digits and thousands separators. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '-';
  if (ratio >= 10) return `${ratio.toFixed(0)}x`;
  if (ratio >= 0.1) return `${ratio.toFixed(2)}x`;
  return `${ratio.toPrecision(2)}x`;
}

/**
 * Ratios of two contenders' samples taken in the same round (a[i] / b[i]): rounds are interleaved,
 * so the two figures of a round were measured minutes apart at most and share the machine's mood.
 * Their median is steadier than the ratio of the two medians on a noisy machine.
 */
export function pairedRatios(a: readonly number[], b: readonly number[]): Summary {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(a[i] / b[i]);
  return summarize(ratios);
}

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Prints rows of plain strings as an aligned text table. Columns listed in `rightAligned` are right-aligned. */
export function printGrid(header: string[], body: string[][], rightAligned: Set<number> = new Set()): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => pad(c ?? '', widths[i], rightAligned.has(i))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  process.stdout.write(out.join('\n') + '\n');
}

export interface TableOptions {
  /** Contenders whose value every row is divided by, one ratio column each ("vs ceiling"). */
  refs?: string[];
  /** Also print the full ratio matrix (row value / column value) under the table. */
  matrix?: boolean;
}

/**
 * Prints one table for rows of the same suite, case and metric: the median, the min..max spread,
 * a ratio column per reference contender, the number of rounds, and the note.
 * Ratios are plain value ratios (row / reference): for req/s above 1 is better, for latency and
 * memory below 1 is better; the header says which.
 */
export function printTable(title: string, rows: readonly Row[], options: TableOptions = {}): void {
  if (rows.length === 0) return;
  const unit = rows[0].unit;
  const better = rows[0].higherIsBetter ? 'higher is better' : 'lower is better';
  process.stdout.write(`\n${title} — ${rows[0].metric}, ${unit} (${better})\n`);
  const refs = (options.refs ?? []).filter((r) => rows.some((row) => row.contender === r));
  const header = ['contender', `median ${unit}`, 'min..max', ...refs.map((r) => `vs ${shortName(r)}`), 'rounds', 'note'];
  const body = rows.map((row) => [
    row.contender,
    fmt(row.median),
    `${fmt(row.min)}..${fmt(row.max)}`,
    ...refs.map((r) => fmtRatio(row.median / rows.find((x) => x.contender === r)!.median)),
    String(row.samples.length),
    row.note ?? '',
  ]);
  const right = new Set([1, 2, ...refs.map((_, i) => 3 + i), 3 + refs.length]);
  printGrid(header, body, right);
  if (options.matrix && rows.length > 1) printRatioMatrix(rows);
}

/** A long contender name cut at its first ':' or ' (' for a column header ("ceiling: JSON.parse on ..." -> "ceiling"). */
function shortName(name: string): string {
  if (name.length <= 24) return name;
  const cut = name.search(/:| \(/);
  return cut > 0 ? name.slice(0, cut) : name;
}

/** Prints "row / column" for every pair of contenders in a table. */
export function printRatioMatrix(rows: readonly Row[]): void {
  const names = rows.map((r) => r.contender);
  const short = names.map((n, i) => `[${i + 1}]`);
  process.stdout.write(`ratio matrix (row / column):\n`);
  const header = ['', ...short];
  const body = rows.map((row, i) => [
    `[${i + 1}] ${names[i]}`,
    ...rows.map((col) => (col === row ? '1' : fmtRatio(row.median / col.median))),
  ]);
  printGrid(header, body, new Set(short.map((_, i) => i + 1)));
}

/** Groups rows by suite, case and metric (in first-seen order) and prints one table per group. */
export function printRows(rows: readonly Row[], options: TableOptions = {}): void {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = `${row.suite} / ${row.case} / ${row.metric}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(row);
  }
  for (const [, group] of groups) {
    printTable(`[${group[0].suite}] ${group[0].case}`, group, options);
  }
}

/** Writes the rows and some facts about the machine as JSON, for CI history. */
export function writeJson(file: string, rows: readonly Row[], extra: Record<string, unknown> = {}): void {
  const cpuList = cpus();
  const doc = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    totalMemMiB: Math.round(totalmem() / 2 ** 20),
    ...extra,
    rows,
  };
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
}

/** Is this value shaped like a harness Row? (bench/framing.ts may return its own row type.) */
export function isRow(value: unknown): value is Row {
  const v = value as Row;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.contender === 'string' &&
    typeof v.median === 'number' &&
    typeof v.min === 'number' &&
    typeof v.max === 'number'
  );
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

import { fork, spawn, type ChildProcess } from 'node:child_process';

/** A forked child with an IPC channel, and a way to wait for its next message of a given type. */
export interface Child {
  process: ChildProcess;
  /** Resolves with the next message whose `type` is `type`; rejects on an `error` message, exit or timeout. */
  next<T = Record<string, unknown>>(type: string, timeoutMs: number): Promise<T>;
  /** Kills the child (if still running) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Forks `file` with `args`, keeping its stderr visible (prefixed lines would interleave badly). */
export function forkChild(file: string, args: string[], execArgv: string[] = []): Child {
  const child = fork(file, args, { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const inbox: Record<string, unknown>[] = [];
  const waiters: Array<() => void> = [];
  let exited: string | undefined;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `child ${file.split('/').pop()} ${args[0] ?? ''} exited (${signal ?? code})`;
      waiters.splice(0).forEach((w) => w());
      resolve();
    }),
  );
  child.on('message', (message) => {
    inbox.push(message as Record<string, unknown>);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    process: child,
    next<T>(type: string, timeoutMs: number): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for '${type}' from ${args.slice(0, 2).join(' ')}`));
        }, timeoutMs);
        const done = () => clearTimeout(timer);
        const check = () => {
          const i = inbox.findIndex((m) => m.type === type || m.type === 'error');
          if (i !== -1) {
            const [message] = inbox.splice(i, 1);
            done();
            if (message.type === 'error') reject(new Error(String(message.message)));
            else resolve(message as T);
          } else if (exited) {
            done();
            reject(new Error(exited));
          } else waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exitedPromise;
    },
  };
}

/**
 * Runs `node nodeArgs...` under valgrind's callgrind and resolves with the instructions it
 * executed (its "Collected" total); `label` names the run in the error when valgrind fails.
 */
export function callgrindInstructions(nodeArgs: string[], label: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...nodeArgs];
    const child = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /Collected\s*:\s*(\d+)/.exec(stderr);
      if (code !== 0 || match === null) reject(new Error(`${label}: valgrind exited ${code}\n${stderr.slice(-2000)}`));
      else resolve(Number(match[1]));
    });
  });
}

/** Node flags that make a callgrind count repeat: one thread, no clock-driven GC work, fixed seeds. */
export const CALLGRIND_NODE_FLAGS: readonly string[] = [
  '--single-threaded',
  '--no-incremental-marking',
  '--predictable-gc-schedule',
  '--hash-seed=1',
  '--random-seed=1',
  '--expose-gc',
];
