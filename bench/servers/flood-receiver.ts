/**
 * The flood receiver, in its own process so its RSS is its own (forked by bench/flood.ts with
 * --expose-gc):
 *
 *   node flood-receiver.js <contender> <json config>
 *
 * 1. Loads the library, listens on 127.0.0.1, runs gc(), waits, and measures its idle RSS and
 *    heapUsed; sends { type: 'ready', port, idleRss, idleHeap }.
 * 2. Accepts one connection. Every `log` notification's handler awaits ~0.2 ms (delay.ts) and counts.
 *    From the connection on, it samples process.memoryUsage() every `sampleMs`.
 * 3. When `expected` messages have been handled, sends { type: 'done', ... } with the peaks: the
 *    sampled peak RSS, raised to the kernel's high-water mark (VmHWM, see kernelPeakRss) if that is
 *    higher (it catches spikes between samples), and the sampled peak heapUsed.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { listen } from './contender.js';
import { delayMicros } from './delay.js';
import { readLines } from './newline.js';

export interface FloodConfig {
  expected: number;
  /**
   * The bounds on the handlers running at once, ours' (`maxConcurrentHandlers`,
   * `maxConcurrentHandlerBytes`) and the floor's alike (count, and their JSON texts' length; one
   * larger line runs alone), so that both hold the same work in flight.
   */
  handlers: number;
  handlerBytes: number;
  delayUs: number;
  /** When set, each handler awaits a real `setTimeout` of this many ms instead of the ~delayUs wait. */
  timerMs?: number;
  sampleMs: number;
}

export interface FloodReady {
  type: 'ready';
  port: number;
  idleRss: number;
  idleHeap: number;
}

export interface FloodDone {
  type: 'done';
  handled: number;
  idleRss: number;
  idleHeap: number;
  peakRssSampled: number;
  maxRss: number;
  peakRss: number;
  peakHeap: number;
  samples: number;
  /** ms from the connection to the last handler's end, measured in the receiver. */
  receiverMs: number;
  /** Most handlers running (started, not finished) at once. */
  peakRunning: number;
}

type Handler = (params: unknown) => Promise<void>;

/** Starts the receiver for contender `id`: listens, calls onConnection once connected. Returns the port. */
async function startReceiver(id: string, config: FloodConfig, handler: Handler, onConnection: () => void): Promise<number> {
  if (id === 'vscode-jsonrpc') {
    const rpc = await import('vscode-jsonrpc/node');
    const server = net.createServer((socket) => {
      onConnection();
      socket.on('error', () => undefined);
      const connection = rpc.createMessageConnection(
        new rpc.SocketMessageReader(socket),
        new rpc.SocketMessageWriter(socket),
      );
      connection.onNotification('log', handler);
      connection.listen();
    });
    return listen(server, 0);
  }
  if (id === 'floor-newline') {
    // No library: newline split + JSON.parse, handlers bounded as ours are, the socket paused while
    // lines wait. The least memory a JS receiver of this flood can use at that concurrency.
    const { handlers, handlerBytes } = config;
    const server = net.createServer((socket) => {
      onConnection();
      socket.on('error', () => undefined);
      const waiting: string[] = [];
      let head = 0;
      let running = 0;
      let runningBytes = 0;
      const pump = () => {
        while (head < waiting.length) {
          const line = waiting[head]!;
          const bytes = line.length; // its size, as ours counts it
          if (running > 0 && (running >= handlers || runningBytes + bytes > handlerBytes)) break;
          head++;
          running++;
          runningBytes += bytes;
          const message = JSON.parse(line) as { params: unknown };
          void handler(message.params).then(() => {
            running--;
            runningBytes -= bytes;
            pump();
          });
        }
        if (head === waiting.length) {
          waiting.length = 0;
          head = 0;
          socket.resume();
        } else socket.pause();
      };
      readLines(socket, (line) => waiting.push(line), pump);
    });
    return listen(server, 0);
  }
  if (id.startsWith('ours-')) {
    const ours = await import('./ours.js');
    const bounds = { maxConcurrentHandlers: config.handlers, maxConcurrentHandlerBytes: config.handlerBytes };
    return (await ours.listenFloodReceiver(id, handler, onConnection, bounds)).port;
  }
  throw new Error(`no flood receiver for ${id}`);
}

/**
 * This process's RSS high-water mark in bytes, from VmHWM in /proc/self/status (Linux), which
 * starts fresh at exec. Not `resourceUsage().maxRSS`: Linux carries ru_maxrss across exec, so a
 * forked receiver would inherit the parent runner's RSS at fork time as its "peak". Elsewhere,
 * 0 (the 5 ms samples are used alone).
 */
function kernelPeakRss(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const [id, json] = process.argv.slice(2);
  const config = JSON.parse(json) as FloodConfig;
  const send = (message: object) => process.send!(message);

  let handled = 0;
  let peakRssSampled = 0;
  let peakHeap = 0;
  let samples = 0;
  let sampler: NodeJS.Timeout | undefined;
  let connectedAt = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples++;
    if (m.rss > peakRssSampled) peakRssSampled = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };

  const onConnection = () => {
    connectedAt = performance.now();
    sampler = setInterval(sample, config.sampleMs);
  };

  let idleRss = 0;
  let idleHeap = 0;
  let running = 0;
  let peakRunning = 0;
  const handler: Handler = async () => {
    if (++running > peakRunning) peakRunning = running;
    await (config.timerMs === undefined ? delayMicros(config.delayUs) : new Promise<void>((resolve) => setTimeout(resolve, config.timerMs)));
    running--;
    handled++;
    if (handled === config.expected) {
      clearInterval(sampler);
      sample();
      const maxRss = kernelPeakRss();
      const done: FloodDone = {
        type: 'done', handled, idleRss, idleHeap, peakRssSampled, maxRss,
        peakRss: Math.max(peakRssSampled, maxRss), peakHeap, samples,
        receiverMs: performance.now() - connectedAt, peakRunning,
      };
      send(done);
    }
  };

  const port = await startReceiver(id, config, handler, onConnection);
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const idle = process.memoryUsage();
  idleRss = idle.rss;
  idleHeap = idle.heapUsed;
  peakRssSampled = idleRss;
  peakHeap = idleHeap;
  const ready: FloodReady = { type: 'ready', port, idleRss, idleHeap };
  send(ready);
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.stack ?? error.message : String(error);
  process.send!({ type: 'error', message }, () => process.exit(1));
});
