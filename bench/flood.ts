/**
 * Flood: the receiver's peak memory while 100,000 ~1 KB notifications arrive as fast as the socket
 * allows and each handler awaits ~0.2 ms. The receiver is its own process
 * (bench/servers/flood-receiver.ts); the sender is this process, raw `net`, pre-framed bytes, 64
 * messages per write, waiting for 'drain' whenever write() returns false — so a receiver that
 * applies back pressure slows the sender instead of making it buffer.
 *
 * Runnable alone: node dist/bench/flood.js [--quick] [--rounds N] [--messages N]
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { errorText, fmt, forkChild, interleave, makeRow, printRows, progress, type Row } from './harness.js';
import type { FloodConfig, FloodDone, FloodReady } from './servers/flood-receiver.js';

export interface FloodBenchOptions {
  quick?: boolean;
  rounds?: number;
  messages?: number;
}

const RECEIVER = fileURLToPath(new URL('./servers/flood-receiver.js', import.meta.url));
const MiB = 2 ** 20;
/** Ours must stay within this much of its idle RSS (the project's target). */
export const RSS_BUDGET_MIB = 16;

interface FloodContender {
  id: string;
  name: string;
  framing: 'newline' | 'content-length';
  optional?: boolean;
}

const CONTENDERS: FloodContender[] = [
  { id: 'ours-content-length', name: 'jsonrpc-wire content-length', framing: 'content-length', optional: true },
  { id: 'ours-newline', name: 'jsonrpc-wire newline', framing: 'newline', optional: true },
  { id: 'vscode-jsonrpc', name: 'vscode-jsonrpc', framing: 'content-length' },
];

const PAD = 'x'.repeat(1000);

/** The i-th notification's JSON text: ~1 KB. */
function body(i: number): string {
  return `{"jsonrpc":"2.0","method":"log","params":{"seq":${i},"text":"${PAD.slice(0, 1000 - 60 - String(i).length)}"}}`;
}

function frame(json: string, framing: FloodContender['framing']): string {
  // ASCII only, so string length = byte length.
  return framing === 'newline' ? json + '\n' : `Content-Length: ${json.length}\r\n\r\n${json}`;
}

/** Writes `count` notifications, honouring back pressure. Resolves when all are handed to the kernel queue. */
async function flood(socket: net.Socket, count: number, framing: FloodContender['framing']): Promise<void> {
  const perWrite = 64;
  for (let i = 0; i < count; ) {
    let chunk = '';
    for (const end = Math.min(count, i + perWrite); i < end; i++) chunk += frame(body(i), framing);
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        socket.once('error', onError);
        socket.once('drain', () => {
          socket.off('error', onError);
          resolve();
        });
      });
    }
  }
}

interface FloodResult extends FloodDone {
  elapsedMs: number;
  sendMs: number;
}

async function measure(c: FloodContender, config: FloodConfig): Promise<FloodResult> {
  const child = forkChild(RECEIVER, [c.id, JSON.stringify(config)], ['--expose-gc']);
  try {
    const ready = await child.next<FloodReady>('ready', 15_000);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port: ready.port, host: '127.0.0.1' }, () => resolve(s));
      s.once('error', reject);
    });
    const t0 = performance.now();
    const doneP = child.next<FloodDone>('done', 180_000);
    doneP.catch(() => undefined);
    await flood(socket, config.expected, c.framing);
    const sendMs = performance.now() - t0;
    const done = await doneP;
    const elapsedMs = performance.now() - t0;
    socket.destroy();
    return { ...done, elapsedMs, sendMs };
  } finally {
    await child.stop();
  }
}

export async function runFloodBench(options: FloodBenchOptions = {}): Promise<Row[]> {
  const quick = options.quick ?? false;
  const rounds = options.rounds ?? (quick ? 1 : 3);
  const config: FloodConfig = { expected: options.messages ?? 100_000, delayUs: 200, sampleMs: 5 };
  const skipped: string[] = [];
  progress(
    `[flood] ${config.expected.toLocaleString('en-US')} x ~1 KB notifications, handler awaits ~${config.delayUs} us, ` +
      `${rounds} round(s), receiver RSS sampled every ${config.sampleMs} ms`,
  );
  const results = await interleave(
    CONTENDERS,
    rounds,
    async (c, round) => {
      const r = await measure(c, config);
      progress(
        `[flood] round ${round + 1}/${rounds} ${c.name}: idle RSS ${fmt(r.idleRss / MiB)} MiB, peak ${fmt(r.peakRss / MiB)} MiB ` +
          `(+${fmt((r.peakRss - r.idleRss) / MiB)}), peak heap ${fmt(r.peakHeap / MiB)} MiB, handled ${r.handled}, ` +
          `${fmt(r.elapsedMs)} ms (sender done at ${fmt(r.sendMs)} ms)`,
      );
      return r;
    },
    (c, error) => {
      const text = errorText(error).split('\n')[0];
      skipped.push(`${c.name}: ${c.optional ? 'skipped, not available yet' : 'FAILED'} (${text})`);
      progress(`[flood] ${c.name}: ${c.optional ? 'skipped' : 'FAILED'}: ${c.optional ? text : errorText(error)}`);
    },
  );

  const caseName = `flood: ${config.expected.toLocaleString('en-US')} x ~1 KB notifications, handler awaits ~0.2 ms`;
  const rows: Row[] = [];
  const metrics: Array<[string, string, (r: FloodResult) => number, (c: FloodContender, rs: FloodResult[]) => string]> = [
    ['peak RSS over idle', 'MiB', (r) => (r.peakRss - r.idleRss) / MiB, (c, rs) => {
      const worst = Math.max(...rs.map((r) => (r.peakRss - r.idleRss) / MiB));
      const budget = c.optional ? `; budget +${RSS_BUDGET_MIB} MiB: ${worst <= RSS_BUDGET_MIB ? 'ok' : 'OVER'}` : '';
      return `idle ${fmt(Math.min(...rs.map((r) => r.idleRss / MiB)))} MiB${budget}`;
    }],
    ['peak RSS', 'MiB', (r) => r.peakRss / MiB, (_c, rs) => `sampled peak ${fmt(Math.max(...rs.map((r) => r.peakRssSampled / MiB)))} MiB`],
    ['peak heapUsed', 'MiB', (r) => r.peakHeap / MiB, (_c, rs) => `idle ${fmt(Math.min(...rs.map((r) => r.idleHeap / MiB)))} MiB`],
    ['time to handle all', 'ms', (r) => r.elapsedMs, (_c, rs) =>
      `handled ${Math.min(...rs.map((r) => r.handled))}/${config.expected}; sender done ${fmt(median(rs.map((r) => r.sendMs)))} ms; ` +
      `peak handlers running ${Math.max(...rs.map((r) => r.peakRunning))}`],
  ];
  for (const [metric, unit, pick, note] of metrics) {
    for (const c of CONTENDERS) {
      const rs = results.get(c.name) ?? [];
      if (rs.length === 0) continue;
      rows.push(makeRow({ suite: 'flood', case: caseName, contender: c.name, metric, unit, higherIsBetter: false, note: note(c, rs) }, rs.map(pick)));
    }
  }
  for (const line of skipped) {
    rows.push({ suite: 'flood', case: 'skipped', contender: line.split(':')[0], metric: 'skipped', unit: '',
      higherIsBetter: false, median: NaN, min: NaN, max: NaN, samples: [], note: line });
  }
  return rows;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const FLOOD_REFS = ['vscode-jsonrpc'];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : undefined);
  runFloodBench({ quick: args.includes('--quick'), rounds: value('--rounds'), messages: value('--messages') }).then((rows) =>
    printRows(rows.filter((r) => r.samples.length > 0), { refs: FLOOD_REFS }),
  );
}
