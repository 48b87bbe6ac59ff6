/**
 * What one handler in flight costs in memory: the figure `maxConcurrentHandlers`' default is
 * chosen by (README, "Back pressure and limits").
 *
 *   node --expose-gc dist/bench/handler-memory.js [--handlers N] [--bytes B] [--rounds R]
 *
 * Each round holds N handlers in flight at once, every one awaiting a promise that only the round
 * resolves, for N notifications of ~B bytes (the flood's ~1 KB by default), and measures heapUsed
 * after gc() against before:
 * - **ours**: a portable connection over an in-memory byte stream carrying the newline-framed flood, a
 *   `Dispatcher` with one `log` method, `maxConcurrentHandlers` N (and no byte bound);
 * - **floor**: no library, each line `JSON.parse`d and its params handed to the same handler (what
 *   any receiver must hold: the parsed message and the handler's pending promise).
 * Ours minus floor, per handler, is what the library adds to each handler in flight.
 */
import { fileURLToPath } from 'node:url';
import { createConnection } from '../src/connection/connection.js';
import { createTransportPair } from '../src/connection/pair.js';
import { Dispatcher } from '../src/dispatch/index.js';
import { fmt, median } from './harness.js';

const gc = (globalThis as { gc?: () => void }).gc;

function lines(count: number, bytes: number): string[] {
  const pad = 'x'.repeat(bytes);
  return Array.from({ length: count }, (_, seq) => {
    const head = `{"jsonrpc":"2.0","method":"log","params":{"seq":${seq},"text":"`;
    return `${head}${pad.slice(0, Math.max(0, bytes - head.length - 3))}"}}`;
  });
}

async function settle(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

interface Gate {
  promise: Promise<void>;
  open: () => void;
  running: number;
}

function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open, running: 0 };
}

/** Heap held per handler in flight by a connection (ours). */
async function ours(texts: readonly string[]): Promise<number> {
  const g = gate();
  const dispatcher = new Dispatcher({
    log: async () => {
      g.running++;
      await g.promise;
    },
  });
  // The whole input fits in the pipe: nothing waits for back pressure.
  const input = new TextEncoder().encode(texts.join('\n') + '\n');
  const [sender, receiver] = createTransportPair(2 * input.length);
  const connection = createConnection(receiver, {
    dispatcher,
    maxConcurrentHandlers: texts.length,
    maxConcurrentHandlerBytes: Infinity,
    maxQueuedBytes: 64 * texts.length * (texts[0]!.length + 1),
  });
  sender.start({ data() {}, value() {}, end() {}, drain() {}, writeClosed() {}, error() {} });
  const before = await settle();
  // In 64 KiB chunks, as a socket delivers them.
  for (let at = 0; at < input.length; at += 65536) sender.write(input.subarray(at, at + 65536));
  const during = await settle();
  if (g.running !== texts.length) throw new Error(`ours: ${g.running} of ${texts.length} handlers running`);
  g.open();
  connection.destroy();
  await connection.closed;
  return (during - before) / texts.length;
}

/** Heap held per handler in flight with no library: the parsed message and the handler's promise. */
async function floor(texts: readonly string[]): Promise<number> {
  const g = gate();
  const handler = async (_params: unknown) => {
    g.running++;
    await g.promise;
  };
  const held: Promise<void>[] = [];
  const input = texts.join('\n') + '\n';
  const before = await settle();
  let start = 0;
  for (let nl = input.indexOf('\n'); nl !== -1; start = nl + 1, nl = input.indexOf('\n', start)) {
    held.push(handler((JSON.parse(input.slice(start, nl)) as { params: unknown }).params));
  }
  const during = await settle();
  if (g.running !== texts.length) throw new Error(`floor: ${g.running} of ${texts.length} handlers running`);
  g.open();
  await Promise.all(held);
  return (during - before) / texts.length;
}

async function main(): Promise<void> {
  if (gc === undefined) throw new Error('run with --expose-gc');
  const args = process.argv.slice(2);
  const value = (flag: string, fallback: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
  const handlers = value('--handlers', 1024);
  const bytes = value('--bytes', 1000);
  const rounds = value('--rounds', 7);
  const texts = lines(handlers, bytes);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    a.push(await ours(texts));
    b.push(await floor(texts));
  }
  const diff = a.map((x, i) => x - b[i]!);
  console.log(
    `${handlers} handlers in flight, ~${bytes} B notifications, ${rounds} rounds (medians, bytes of heap per handler):\n` +
      `  ours  ${fmt(median(a))}  (${a.map(fmt).join(' ')})\n` +
      `  floor ${fmt(median(b))}  (${b.map(fmt).join(' ')})\n` +
      `  ours - floor ${fmt(median(diff))}; x ${handlers} = ${fmt((median(diff) * handlers) / 2 ** 20)} MiB`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
