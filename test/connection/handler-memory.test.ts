/**
 * What a connection holds while its handlers hang: the messages of the running handlers, within
 * `maxConcurrentHandlerBytes`, and the rest left unread in a transport that pauses. Measured as
 * heap and external memory (large strings) after a full GC, in a child process started with
 * --expose-gc.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createConnection } from '../../src/connection/connection.js';
import type { ByteStreamTransport, TransportEvents } from '../../src/connection/transport.js';
import { Dispatcher } from '../../src/dispatch/index.js';

const MiB = 1024 * 1024;
const MESSAGE_BYTES = 512 * 1024;

/** A byte stream that delivers its input only while resumed, one chunk per turn, as a socket does. */
class PacedStream implements ByteStreamTransport {
  readonly kind = 'bytes';
  private events!: TransportEvents;
  private paused = false;
  private at = 0;
  constructor(private readonly input: Uint8Array) {}
  start(events: TransportEvents): void {
    this.events = events;
    this.deliverSoon();
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.deliverSoon();
  }
  write(): boolean {
    return true;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** The input is delivered whole when no longer paused at the end of it. */
  get delivered(): boolean {
    return this.at >= this.input.byteLength;
  }
  private deliverSoon(): void {
    queueMicrotask(() => {
      if (this.paused || this.delivered) return;
      const chunk = this.input.subarray(this.at, this.at + 64 * 1024);
      this.at += chunk.byteLength;
      this.events.data(chunk);
      this.deliverSoon();
    });
  }
}

/** In the child: 40 notifications of 512 KiB to handlers that never end; prints the live heap growth. */
async function child(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const line = `{"jsonrpc":"2.0","method":"hold","params":["${'h'.repeat(MESSAGE_BYTES - 48)}"]}\n`;
  const input = new TextEncoder().encode(line.repeat(40));
  // Each handler keeps its params, as one awaiting I/O would; the pending I/O stays reachable.
  const waiting: Promise<string>[] = [];
  const never = new Promise<never>(() => {});
  const dispatcher = new Dispatcher().add('hold', (text: string) => {
    const pending = never.then(() => text);
    waiting.push(pending);
    return pending;
  });
  const held = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external - m.arrayBuffers;
  };
  gc();
  const before = held();
  const stream = new PacedStream(input);
  const connection = createConnection(stream, { dispatcher });
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  gc();
  const growth = held() - before;
  process.stdout.write(JSON.stringify({ running: waiting.length, growth, paused: !stream.delivered }) + '\n');
  connection.destroy();
}

if (process.argv[2] === 'child') {
  await child();
} else {
  describe('memory while handlers hang', () => {
    it('holds the running messages within maxConcurrentHandlerBytes (4 MiB), not maxConcurrentHandlers of them', () => {
      const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'child'], { encoding: 'utf8' });
      const { running, growth, paused } = JSON.parse(out) as { running: number; growth: number; paused: boolean };
      // The running messages' text (4 MiB), one 16 KiB slice, a chunk: well under twice the bound
      // (32 handlers, the former bound, held 16 MiB).
      assert.ok(growth < 8 * MiB, `what is held grew ${(growth / MiB).toFixed(1)} MiB`);
      assert.equal(running, 8, '8 x 512 KiB = 4 MiB');
      assert.equal(paused, true, 'the rest stays unread');
    });
  });
}
