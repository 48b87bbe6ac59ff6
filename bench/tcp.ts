/**
 * End-to-end TCP: requests/s with 256 requests in flight (pipelined) and one-at-a-time latency
 * (p50/p99), for every contender in bench/servers/contender.ts. Each measurement is two fresh
 * processes (server and client, see bench/servers/child.ts) over loopback; rounds are interleaved
 * across contenders and each figure is the median over rounds.
 *
 * Runnable alone: node dist/bench/tcp.js [--quick] [--rounds N] [--only id,id]
 */
import { fileURLToPath } from 'node:url';
import { forkChild, interleave, makeRow, printRows, progress, fmt, type Row, errorText } from './harness.js';
import { TCP_CONTENDERS, type ContenderInfo } from './servers/contender.js';
import type { ClientResult, ClientWorkload } from './servers/child.js';
import type { Pause } from './servers/gc-log.js';

export interface TcpBenchOptions {
  quick?: boolean;
  rounds?: number;
  /** Contender ids to run (default: all). */
  contenders?: string[];
}

const CHILD = fileURLToPath(new URL('./servers/child.js', import.meta.url));
export const INFLIGHT = 256;

function workload(quick: boolean): ClientWorkload {
  return quick
    ? { inflight: INFLIGHT, warmupMs: 400, maxWarmupMs: 1500, warmupSliceMs: 125, targetMs: 400, minRequests: 1000, maxRequests: 200_000,
        seqWarmupMs: 300, seqMaxWarmupMs: 1000, seqWarmupSliceMs: 100, seqRequests: 2000, seqMaxMs: 400 }
    : { inflight: INFLIGHT, warmupMs: 1000, maxWarmupMs: 3000, warmupSliceMs: 250, targetMs: 1000, minRequests: 2000, maxRequests: 500_000,
        seqWarmupMs: 500, seqMaxWarmupMs: 2000, seqWarmupSliceMs: 250, seqRequests: 5000, seqMaxMs: 1000 };
}

export async function measure(info: ContenderInfo, w: ClientWorkload): Promise<ClientResult> {
  const server = forkChild(CHILD, ['server', info.id, ...(w.latencyOnly ? ['--gc-log'] : [])]);
  try {
    const { port } = await server.next<{ port: number }>('ready', 15_000);
    const client = forkChild(CHILD, ['client', info.id, String(port), JSON.stringify(w)]);
    try {
      const result = await client.next<ClientResult>('result', 60_000);
      if (w.latencyOnly) {
        // The server's pauses, for the latency study's question: did a slow request meet one?
        server.process.send({ type: 'gc?' });
        result.sequential.serverGc = (await server.next<{ pauses: Pause[] }>('gc', 15_000)).pauses;
      }
      return result;
    } finally {
      await client.stop();
    }
  } finally {
    await server.stop();
  }
}

export async function runTcpBench(options: TcpBenchOptions = {}): Promise<Row[]> {
  const quick = options.quick ?? false;
  const rounds = options.rounds ?? (quick ? 2 : 4);
  const w = workload(quick);
  const contenders = TCP_CONTENDERS.filter((c) => !options.contenders || options.contenders.includes(c.id));
  const named = contenders.map((c) => ({ ...c, name: c.label }));
  const skipped: string[] = [];
  progress(`[tcp] ${contenders.length} contenders x ${rounds} rounds, ${INFLIGHT} in flight, add(a, b), two processes each`);
  const results = await interleave(
    named,
    rounds,
    async (c, round) => {
      const r = await measure(c, w);
      progress(
        `[tcp] round ${round + 1}/${rounds} ${c.label}: pipelined ${fmt(r.pipelined.reqPerSec)} req/s ` +
          `(${r.pipelined.requests} req after ${fmt(r.pipelined.warmupMs)} ms warm-up), sequential p50 ${fmt(r.sequential.p50Us)} us p99 ${fmt(r.sequential.p99Us)} us ` +
          `(${r.sequential.requests} req after ${fmt(r.sequential.warmupMs)} ms warm-up)`,
      );
      return r;
    },
    (c, error) => {
      const text = errorText(error).split('\n')[0];
      if (c.optional) skipped.push(`${c.label}: skipped, not available yet (${text})`);
      else skipped.push(`${c.label}: FAILED (${text})`);
      progress(`[tcp] ${c.label}: ${c.optional ? 'skipped' : 'FAILED'}: ${c.optional ? text : errorText(error)}`);
    },
  );

  const rows: Row[] = [];
  const pipeCase = `end-to-end TCP, pipelined (${INFLIGHT} in flight)`;
  const seqCase = 'end-to-end TCP, sequential (one at a time)';
  for (const c of contenders) {
    const rs = results.get(c.label) ?? [];
    if (rs.length === 0) continue;
    const reqs = rs.map((r) => r.pipelined.requests);
    rows.push(
      makeRow(
        { suite: 'tcp', case: pipeCase, contender: c.label, metric: 'throughput', unit: 'req/s', higherIsBetter: true,
          note: `${Math.min(...reqs)}..${Math.max(...reqs)} req/round` },
        rs.map((r) => r.pipelined.reqPerSec),
      ),
    );
  }
  for (const [metric, pick] of [
    ['p50 latency', (r: ClientResult) => r.sequential.p50Us],
    ['p99 latency', (r: ClientResult) => r.sequential.p99Us],
  ] as const) {
    for (const c of contenders) {
      const rs = results.get(c.label) ?? [];
      if (rs.length === 0) continue;
      const counts = rs.map((r) => r.sequential.requests);
      rows.push(
        makeRow(
          { suite: 'tcp', case: seqCase, contender: c.label, metric, unit: 'us', higherIsBetter: false,
            note: `${Math.min(...counts)}..${Math.max(...counts)} req/round` },
          rs.map(pick),
        ),
      );
    }
  }
  for (const line of skipped) rows.push(skipRow(line));
  return rows;
}

/** A row that only carries a note: a contender that was skipped or failed. */
function skipRow(note: string): Row {
  return { suite: 'tcp', case: 'skipped', contender: note.split(':')[0], metric: 'skipped', unit: '',
    higherIsBetter: true, median: NaN, min: NaN, max: NaN, samples: [], note };
}

export const TCP_REFS = ['ceiling', 'ceiling content-length'];

// Runnable alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  runTcpBench({
    quick: args.includes('--quick'),
    rounds: value('--rounds') ? Number(value('--rounds')) : undefined,
    contenders: value('--only')?.split(','),
  }).then((rows) => printRows(rows.filter((r) => r.samples.length > 0), { refs: TCP_REFS }));
}
