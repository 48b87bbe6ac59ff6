/**
 * Message channels: pipelined requests/s (256 in flight, add(a, b)) over a `MessageChannel`
 * (ours, object and JSON-text messages, vs vscode-jsonrpc's browser reader/writer) and over a
 * loopback WebSocket with `ws` (ours, by default and with `tcpSocket`, vs rpc-websockets), each with
 * a no-library ceiling on the same channel, and over `ws` the same ceiling with its socket corked
 * per turn (bench/servers/channel-contenders.ts). Every measurement is two fresh worker threads, a
 * server and a client, each loading one contender; rounds are interleaved across contenders.
 *
 * Runnable alone: node dist/bench/channels.js [--quick] [--rounds N]
 */
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

import { errorText, fmt, fmtRatio, interleave, makeRow, pairedRatios, printRows, progress, type Row } from './harness.js';
import type { ChannelChildData, ChannelChildMessage, ChannelWorkload } from './servers/channel-child.js';

const CHILD = fileURLToPath(new URL('./servers/channel-child.js', import.meta.url));
const INFLIGHT = 256;

interface ChannelContenderInfo {
  id: string;
  name: string;
  channel: 'port' | 'ws';
}

export const CHANNEL_CASES = {
  port: `MessageChannel between two worker threads, pipelined (${INFLIGHT} in flight)`,
  ws: `loopback WebSocket (ws) between two worker threads, pipelined (${INFLIGHT} in flight)`,
} as const;

const CONTENDERS: readonly ChannelContenderInfo[] = [
  { id: 'ceiling-port', name: 'ceiling (raw postMessage)', channel: 'port' },
  { id: 'ceiling-port-json', name: 'ceiling (raw postMessage, JSON text)', channel: 'port' },
  { id: 'ours-port', name: 'jsonrpc-wire connectMessagePort', channel: 'port' },
  { id: 'ours-port-json', name: "jsonrpc-wire connectMessagePort 'json'", channel: 'port' },
  { id: 'vscode-port', name: 'vscode-jsonrpc browser', channel: 'port' },
  { id: 'ceiling-ws', name: 'ceiling (raw ws echo)', channel: 'ws' },
  { id: 'ceiling-ws-cork', name: 'ceiling (raw ws echo, corked per turn)', channel: 'ws' },
  { id: 'ours-ws', name: 'jsonrpc-wire connectWebSocket', channel: 'ws' },
  { id: 'ours-ws-cork', name: 'jsonrpc-wire connectWebSocket tcpSocket', channel: 'ws' },
  { id: 'rpc-websockets', name: 'rpc-websockets', channel: 'ws' },
];

/** Ratio columns: the ceiling of each channel, and ours. */
export const CHANNEL_REFS = ['ceiling (raw postMessage)', 'jsonrpc-wire connectMessagePort', 'ceiling (raw ws echo)', 'jsonrpc-wire connectWebSocket'];

/** Starts a worker and resolves with its first message (rejects if it fails or exits first). */
function start(data: ChannelChildData, transfer: MessagePort[] = []): { worker: Worker; first: Promise<ChannelChildMessage> } {
  const worker = new Worker(CHILD, { workerData: data, transferList: transfer });
  const first = new Promise<ChannelChildMessage>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the ${data.role} worker exited with code ${code}`)));
  });
  return { worker, first };
}

async function measure(c: ChannelContenderInfo, workload: ChannelWorkload): Promise<{ reqPerSec: number; requests: number }> {
  const workers: Worker[] = [];
  try {
    let server: ReturnType<typeof start>;
    let client: ReturnType<typeof start>;
    if (c.channel === 'port') {
      const { port1, port2 } = new MessageChannel();
      server = start({ role: 'server', id: c.id, port: port1 }, [port1]);
      workers.push(server.worker);
      await server.first;
      client = start({ role: 'client', id: c.id, port: port2, workload }, [port2]);
    } else {
      server = start({ role: 'server', id: c.id });
      workers.push(server.worker);
      const ready = await server.first;
      client = start({ role: 'client', id: c.id, url: (ready as { url?: string }).url, workload });
    }
    workers.push(client.worker);
    const result = await client.first;
    if (result.kind !== 'result') throw new Error(`the client said ${result.kind}`);
    return result;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

export async function runChannelBench(options: { quick?: boolean; rounds?: number } = {}): Promise<Row[]> {
  const quick = options.quick ?? false;
  const rounds = options.rounds ?? (quick ? 2 : 4);
  const workload: ChannelWorkload = quick ? { inflight: INFLIGHT, warmupMs: 300, targetMs: 500 } : { inflight: INFLIGHT, warmupMs: 1000, targetMs: 1500 };
  progress(`[channels] ${CONTENDERS.length} contenders x ${rounds} rounds, ${INFLIGHT} in flight, add(a, b), two worker threads each`);
  const failures: string[] = [];
  const results = await interleave(
    CONTENDERS,
    rounds,
    async (c, round) => {
      const r = await measure(c, workload);
      progress(`[channels] round ${round + 1}/${rounds} ${c.name}: ${fmt(r.reqPerSec)} req/s (${r.requests} req)`);
      return r;
    },
    (c, error) => {
      failures.push(`${c.name}: FAILED (${errorText(error).split('\n')[0]})`);
      progress(`[channels] ${c.name}: FAILED: ${errorText(error)}`);
    },
  );
  const rows: Row[] = [];
  for (const c of CONTENDERS) {
    const rs = results.get(c.name) ?? [];
    if (rs.length === 0) continue;
    const counts = rs.map((r) => r.requests);
    rows.push(
      makeRow(
        { suite: 'channels', case: CHANNEL_CASES[c.channel], contender: c.name, metric: 'throughput', unit: 'req/s', higherIsBetter: true,
          note: `${Math.min(...counts)}..${Math.max(...counts)} req/round` },
        rs.map((r) => r.reqPerSec),
      ),
    );
  }
  for (const note of failures) {
    rows.push({ suite: 'channels', case: 'skipped', contender: note.split(':')[0]!, metric: 'skipped', unit: '', higherIsBetter: true,
      median: NaN, min: NaN, max: NaN, samples: [], note });
  }
  return rows;
}

/** The ratios that issue 12 asks for, each the median of per-round ratios (steadier on a loaded machine). */
const PAIRS: readonly [string, string][] = [
  ['jsonrpc-wire connectMessagePort', 'ceiling (raw postMessage)'],
  ['jsonrpc-wire connectMessagePort', 'vscode-jsonrpc browser'],
  ["jsonrpc-wire connectMessagePort 'json'", 'ceiling (raw postMessage, JSON text)'],
  ["jsonrpc-wire connectMessagePort 'json'", 'vscode-jsonrpc browser'],
  ['jsonrpc-wire connectWebSocket', 'ceiling (raw ws echo)'],
  ['jsonrpc-wire connectWebSocket', 'rpc-websockets'],
  ['jsonrpc-wire connectWebSocket tcpSocket', 'ceiling (raw ws echo, corked per turn)'],
  ['jsonrpc-wire connectWebSocket tcpSocket', 'ceiling (raw ws echo)'],
  ['jsonrpc-wire connectWebSocket tcpSocket', 'rpc-websockets'],
  ['ceiling (raw ws echo, corked per turn)', 'rpc-websockets'],
];

function printPairedRatios(rows: readonly Row[]): void {
  const samples = new Map(rows.map((row) => [row.contender, row.samples]));
  process.stdout.write('\n[channels] per-round ratios (median, min..max over rounds):\n');
  for (const [a, b] of PAIRS) {
    const sa = samples.get(a);
    const sb = samples.get(b);
    if (sa === undefined || sb === undefined || sa.length === 0 || sb.length === 0) continue;
    const r = pairedRatios(sa, sb);
    process.stdout.write(`  ${a} / ${b}: ${fmtRatio(r.median)} (${fmtRatio(r.min)}..${fmtRatio(r.max)})\n`);
  }
}

// Runnable alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : undefined;
  runChannelBench({ quick: args.includes('--quick'), rounds }).then((rows) => {
    const measured = rows.filter((r) => r.samples.length > 0);
    printRows(measured, { refs: CHANNEL_REFS });
    printPairedRatios(measured);
  });
}
