/**
 * What `jsonrpc-wire tap` costs: the same client and stdio server (bench/servers/stdio-add.ts),
 * once over a direct child pipe and once with tap in between logging every message to a file.
 * Pipelined req/s (256 in flight) and one-at-a-time p50/p99 latency; rounds interleaved, each
 * round two fresh server processes. The client runs in this process.
 *
 * Runnable alone: node dist/bench/tap.js [--quick] [--rounds N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnConnection } from '../src/node-streams/index.js';
import { fmt, interleave, makeRow, percentileSorted, printRows, progress, type Row } from './harness.js';

const SERVER = fileURLToPath(new URL('./servers/stdio-add.js', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const INFLIGHT = 256;

export interface TapBenchOptions {
  quick?: boolean;
  rounds?: number;
}

interface Contender {
  name: string;
  command: (log: string) => string[];
}

const CONTENDERS: Contender[] = [
  { name: 'direct child pipe', command: () => [SERVER] },
  { name: 'through tap (--log FILE)', command: (log) => [CLI, 'tap', '--log', log, '--framing', 'newline', '--', process.execPath, SERVER] },
];

export const TAP_REFS = ['direct child pipe'];

interface Result {
  reqPerSec: number;
  p50Us: number;
  p99Us: number;
}

async function measure(contender: Contender, quick: boolean, dir: string, round: number): Promise<Result> {
  const log = join(dir, `round-${round}.jsonl`);
  const child = spawnConnection(process.execPath, contender.command(log), { framing: 'newline' });
  const { connection } = child;
  try {
    const pipelined = async (ms: number): Promise<number> => {
      let done = 0;
      const until = performance.now() + ms;
      const lane = async (): Promise<void> => {
        while (performance.now() < until) {
          const sum = await connection.request('add', [done, 1]);
          if (typeof sum !== 'number') throw new Error(`add answered ${JSON.stringify(sum)}`);
          done++;
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: INFLIGHT }, lane));
      return (done / (performance.now() - t0)) * 1000;
    };
    await pipelined(quick ? 300 : 800); // warm-up: JIT, pipes, the log thread
    const reqPerSec = await pipelined(quick ? 500 : 1000);
    const latencies: number[] = [];
    for (let i = 0; i < (quick ? 1500 : 4000); i++) {
      const t0 = process.hrtime.bigint();
      await connection.request('add', [i, 1]);
      if (i >= 300) latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    latencies.sort((a, b) => a - b);
    return { reqPerSec, p50Us: percentileSorted(latencies, 50), p99Us: percentileSorted(latencies, 99) };
  } finally {
    await child.close();
  }
}

export async function runTapBench(options: TapBenchOptions = {}): Promise<Row[]> {
  const quick = options.quick ?? false;
  const rounds = options.rounds ?? (quick ? 2 : 4);
  const dir = mkdtempSync(join(tmpdir(), 'jsonrpc-wire-bench-tap-'));
  progress(`[tap] direct vs through tap, ${rounds} rounds, ${INFLIGHT} in flight, add(a, b) over a child's stdio (newline)`);
  try {
    const results = await interleave(CONTENDERS, rounds, async (c, round) => {
      const r = await measure(c, quick, dir, round);
      progress(`[tap] round ${round + 1}/${rounds} ${c.name}: pipelined ${fmt(r.reqPerSec)} req/s, sequential p50 ${fmt(r.p50Us)} us p99 ${fmt(r.p99Us)} us`);
      return r;
    });
    const rows: Row[] = [];
    const cases = [
      ['throughput', `child stdio, pipelined (${INFLIGHT} in flight)`, 'req/s', true, (r: Result) => r.reqPerSec],
      ['p50 latency', 'child stdio, sequential (one at a time)', 'us', false, (r: Result) => r.p50Us],
      ['p99 latency', 'child stdio, sequential (one at a time)', 'us', false, (r: Result) => r.p99Us],
    ] as const;
    for (const [metric, name, unit, higherIsBetter, pick] of cases) {
      for (const c of CONTENDERS) {
        const rs = results.get(c.name) ?? [];
        if (rs.length > 0) rows.push(makeRow({ suite: 'tap', case: name, contender: c.name, metric, unit, higherIsBetter }, rs.map(pick)));
      }
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runnable alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : undefined;
  runTapBench({ quick: args.includes('--quick'), rounds }).then((rows) => printRows(rows, { refs: TAP_REFS }));
}
