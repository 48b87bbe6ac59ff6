/**
 * Flood: the receiver's peak memory while 100,000 ~1 KB notifications arrive as fast as the socket
 * allows and each handler awaits ~0.2 ms (bench/servers/delay.ts).
 *
 * The receiver is its own process (bench/servers/flood-receiver.ts) so its RSS is its own; the
 * sender is this process: raw `net`, pre-framed bytes, 64 messages per write, waiting for 'drain'
 * whenever write() returns false, so a receiver that applies back pressure slows the sender
 * instead of making it buffer. Every receiver sees byte-for-byte the same flood for its framing.
 *
 * Three receiver configurations:
 * - Node defaults.
 * - `--max-semi-space-size=1`: V8's young generation capped. Under defaults V8 grows the young
 *   generation (up to 2 x 16 MiB semi-spaces) under any high allocation rate, which adds ~+35 MiB
 *   of RSS even to a receiver with no library at all (the floor row); capping it shows what the
 *   receiver itself holds on to. Full runs only.
 * - Node defaults with each handler awaiting a real `setTimeout(1 ms)` (issue 15's timer flood):
 *   how many handlers may wait at once sets its pace (at most 32 once took >= 3.1 s). Full runs only.
 *
 * The floor (no library) runs its handlers under our default bounds, in count and in bytes, so that
 * it holds the same work in flight as ours.
 *
 * Runnable alone: node --expose-gc dist/bench/flood.js [--quick] [--rounds N] [--messages N]
 *   [--variants default,semi1,timer] [--handlers N] [--handler-bytes B]
 * (--handlers / --handler-bytes: the bounds on handlers running at once, ours' and the floor's.)
 * Extra node flags for the receivers: BENCH_FLOOD_NODE_OPTIONS="--flag ...".
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_CONCURRENT_HANDLER_BYTES, DEFAULT_MAX_CONCURRENT_HANDLERS } from '../src/protocol/options.js';
import { errorText, fmt, forkChild, interleave, makeRow, median, printRows, progress, type Row } from './harness.js';
import type { FloodConfig, FloodDone, FloodReady } from './servers/flood-receiver.js';

export interface FloodBenchOptions {
  quick?: boolean;
  rounds?: number;
  messages?: number;
  /** Only these variants (their keys: 'default', 'semi1', 'timer'). */
  variants?: readonly string[];
  /** `maxConcurrentHandlers` / `maxConcurrentHandlerBytes` for ours and the floor (default: the library's defaults). */
  handlers?: number;
  handlerBytes?: number;
}

const RECEIVER = fileURLToPath(new URL('./servers/flood-receiver.js', import.meta.url));
const MiB = 2 ** 20;
/** Ours must stay within this much of the no-library floor's RSS growth (issue 15's target). */
export const FLOOR_MARGIN_MIB = 2;

type Framing = 'newline' | 'content-length';

interface Receiver {
  id: string;
  name: string;
  framing: Framing;
  ours?: boolean;
}

/** The floor runs its handlers under the same bounds as ours (see FloodConfig), and its name says so. */
function floorName(handlers: number, handlerBytes: number): string {
  return `floor (no library, ours' bounds: ${handlers} handlers / ${fmt(handlerBytes / MiB)} MiB)`;
}
export const FLOOR_NAME = floorName(DEFAULT_MAX_CONCURRENT_HANDLERS, DEFAULT_MAX_CONCURRENT_HANDLER_BYTES);

const RECEIVERS: Receiver[] = [
  { id: 'ours-content-length', name: 'jsonrpc-wire content-length', framing: 'content-length', ours: true },
  { id: 'ours-newline', name: 'jsonrpc-wire newline', framing: 'newline', ours: true },
  { id: 'vscode-jsonrpc', name: 'vscode-jsonrpc', framing: 'content-length' },
  { id: 'floor-newline', name: FLOOR_NAME, framing: 'newline' },
];

/** The receivers, with the floor named after the bounds of this run. */
function receivers(config: FloodConfig): Receiver[] {
  const floor = floorName(config.handlers, config.handlerBytes);
  return RECEIVERS.map((r) => (r.id === 'floor-newline' ? { ...r, name: floor } : r));
}

export interface FloodVariant {
  key: string;
  label: string;
  nodeArgs: string[];
  /** The handler awaits a real `setTimeout` of this many ms (issue 15's timer flood) instead of ~0.2 ms. */
  timerMs?: number;
}

export const VARIANTS: FloodVariant[] = [
  { key: 'default', label: 'Node defaults', nodeArgs: [] },
  { key: 'semi1', label: '--max-semi-space-size=1', nodeArgs: ['--max-semi-space-size=1'] },
  { key: 'timer', label: 'Node defaults', nodeArgs: [], timerMs: 1 },
];

const PAD = 'x'.repeat(1000);

/** The i-th notification's JSON text: ~1 KB (ASCII, so its length is its size in bytes). */
function body(i: number): string {
  return `{"jsonrpc":"2.0","method":"log","params":{"seq":${i},"text":"${PAD.slice(0, 1000 - 60 - String(i).length)}"}}`;
}

function frame(json: string, framing: Framing): string {
  return framing === 'newline' ? json + '\n' : `Content-Length: ${json.length}\r\n\r\n${json}`;
}

/** Writes `count` notifications, honouring back pressure. */
async function flood(socket: net.Socket, count: number, framing: Framing): Promise<void> {
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
  /** From the first write to the receiver's 'done', measured here. */
  elapsedMs: number;
  /** From the first write to the last byte handed to the socket. */
  sendMs: number;
}

async function measure(r: Receiver, variant: FloodVariant, config: FloodConfig): Promise<FloodResult> {
  const extra = process.env.BENCH_FLOOD_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
  const child = forkChild(RECEIVER, [r.id, JSON.stringify(config)], ['--expose-gc', ...variant.nodeArgs, ...extra]);
  try {
    const ready = await child.next<FloodReady>('ready', 15_000);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port: ready.port, host: '127.0.0.1' }, () => resolve(s));
      s.once('error', reject);
    });
    const t0 = performance.now();
    const doneP = child.next<FloodDone>('done', 180_000);
    doneP.catch(() => undefined);
    await flood(socket, config.expected, r.framing);
    const sendMs = performance.now() - t0;
    const done = await doneP;
    const elapsedMs = performance.now() - t0;
    socket.destroy();
    return { ...done, elapsedMs, sendMs };
  } finally {
    await child.stop();
  }
}

export function floodCaseName(variant: FloodVariant, messages = 100_000): string {
  const wait = variant.timerMs === undefined ? 'awaits ~0.2 ms' : `awaits setTimeout(${variant.timerMs} ms)`;
  return `flood: ${messages.toLocaleString('en-US')} x ~1 KB notifications, handler ${wait}; receiver with ${variant.label}`;
}

export async function runFloodBench(options: FloodBenchOptions = {}): Promise<Row[]> {
  const quick = options.quick ?? false;
  const rounds = options.rounds ?? (quick ? 1 : 3);
  const variants = options.variants !== undefined ? VARIANTS.filter((v) => options.variants!.includes(v.key)) : quick ? VARIANTS.slice(0, 1) : VARIANTS;
  const config: FloodConfig = {
    expected: options.messages ?? 100_000,
    handlers: options.handlers ?? DEFAULT_MAX_CONCURRENT_HANDLERS,
    handlerBytes: options.handlerBytes ?? DEFAULT_MAX_CONCURRENT_HANDLER_BYTES,
    delayUs: 200,
    sampleMs: 5,
  };
  progress(
    `[flood] ${config.expected.toLocaleString('en-US')} x ~1 KB notifications, handler awaits ~${config.delayUs} us, ` +
      `${rounds} round(s), receiver RSS sampled every ${config.sampleMs} ms; receivers: ${variants.map((v) => v.label).join(', ')}`,
  );
  const units = variants.flatMap((variant) =>
    receivers(config).map((receiver) => ({ receiver, variant, name: `${receiver.name} [${variant.label}${variant.timerMs === undefined ? '' : `, setTimeout ${variant.timerMs} ms`}]` })),
  );
  const skipped: string[] = [];
  const results = await interleave(
    units,
    rounds,
    async ({ receiver, variant, name }, round) => {
      const r = await measure(receiver, variant, { ...config, timerMs: variant.timerMs });
      progress(
        `[flood] round ${round + 1}/${rounds} ${name}: idle RSS ${fmt(r.idleRss / MiB)} MiB, peak ${fmt(r.peakRss / MiB)} MiB ` +
          `(+${fmt((r.peakRss - r.idleRss) / MiB)}), peak heap ${fmt(r.peakHeap / MiB)} MiB, handled ${r.handled}, ` +
          `${fmt(r.elapsedMs)} ms (sender done at ${fmt(r.sendMs)} ms)`,
      );
      return r;
    },
    ({ name }, error) => {
      skipped.push(`${name}: FAILED (${errorText(error).split('\n')[0]})`);
      progress(`[flood] ${name}: FAILED: ${errorText(error)}`);
    },
  );

  type Metric = [string, string, (r: FloodResult) => number, (u: (typeof units)[number], rs: FloodResult[]) => string];
  const metrics: Metric[] = [
    ['peak RSS over idle', 'MiB', (r) => (r.peakRss - r.idleRss) / MiB, (_u, rs) =>
      `idle ${fmt(median(rs.map((r) => r.idleRss / MiB)))} MiB, peak ${fmt(median(rs.map((r) => r.peakRss / MiB)))} MiB`],
    ['peak heapUsed', 'MiB', (r) => r.peakHeap / MiB, (_u, rs) => `idle ${fmt(median(rs.map((r) => r.idleHeap / MiB)))} MiB`],
    ['time to handle all', 'ms', (r) => r.elapsedMs, (_u, rs) =>
      `handled ${Math.min(...rs.map((r) => r.handled))}/${config.expected}; sender done ${fmt(median(rs.map((r) => r.sendMs)))} ms; ` +
      `peak handlers running ${Math.max(...rs.map((r) => r.peakRunning))}`],
  ];
  const rows: Row[] = [];
  for (const variant of variants) {
    for (const [metric, unit, pick, note] of metrics) {
      for (const unitOf of units.filter((u) => u.variant === variant)) {
        const rs = results.get(unitOf.name) ?? [];
        if (rs.length === 0) continue;
        rows.push(makeRow(
          { suite: 'flood', case: floodCaseName(variant, config.expected), contender: unitOf.receiver.name, metric, unit,
            higherIsBetter: false, note: note(unitOf, rs) },
          rs.map(pick),
        ));
      }
    }
  }
  for (const line of skipped) {
    rows.push({ suite: 'flood', case: 'skipped', contender: line.split(':')[0], metric: 'skipped', unit: '',
      higherIsBetter: false, median: NaN, min: NaN, max: NaN, samples: [], note: line });
  }
  return rows;
}

export const FLOOD_REFS = ['vscode-jsonrpc', FLOOR_NAME];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : undefined);
  const variants = args.includes('--variants') ? args[args.indexOf('--variants') + 1]!.split(',') : undefined;
  const handlers = value('--handlers');
  const handlerBytes = value('--handler-bytes');
  const options = { quick: args.includes('--quick'), rounds: value('--rounds'), messages: value('--messages'), variants, handlers, handlerBytes };
  runFloodBench(options).then((rows) =>
    printRows(rows.filter((r) => r.samples.length > 0), { refs: ['vscode-jsonrpc', floorName(handlers ?? DEFAULT_MAX_CONCURRENT_HANDLERS, handlerBytes ?? DEFAULT_MAX_CONCURRENT_HANDLER_BYTES)] }),
  );
}
