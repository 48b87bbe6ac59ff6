/**
 * A minimal message-channel transport over a `MessagePort` (or a `Worker`, or anything with
 * `postMessage` and `addEventListener('message')`), for running the behaviour suite over real
 * ports on every runtime. Test-only: the library's own binding is `connectMessagePort`.
 *
 * A port carries each JSON text as a string. It has no half-close, and not every runtime tells the
 * other side of a `close()`, so the end of output and a reset travel as two non-string messages.
 * It cannot pause either: while the connection asks it to, it holds what arrives and delivers it on
 * `resume()` (a test transport may; a binding must bound that).
 */
import type { MessageChannelTransport, TransportEvents } from '../../src/portable.js';

export interface PortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /** A MessagePort delivers to addEventListener only once started. */
  start?(): void;
}

const END = { control: 'end' } as const;
const RESET = { control: 'reset' } as const;

function controlOf(data: unknown): unknown {
  return typeof data === 'object' && data !== null ? (data as { control?: unknown }).control : undefined;
}

export class MessagePortTransport implements MessageChannelTransport {
  readonly kind = 'messages';
  private events: TransportEvents | undefined;
  private paused = false;
  private held: unknown[] = [];
  private open = true;

  constructor(private readonly port: PortLike) {}

  start(events: TransportEvents): void {
    this.events = events;
    this.port.addEventListener('message', this.onMessage);
    this.port.start?.();
  }

  send(json: string): boolean {
    this.port.postMessage(json);
    return true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    while (this.held.length > 0 && !this.paused && this.open) this.deliver(this.held.shift());
  }

  /** Ends this side's output only (a half-close): the other side sees the end of its input. */
  endOutput(): void {
    this.port.postMessage(END);
  }

  close(graceful: boolean): Promise<void> {
    if (this.open) {
      this.open = false;
      this.port.postMessage(graceful ? END : RESET);
      this.port.removeEventListener('message', this.onMessage);
      this.held = [];
    }
    return Promise.resolve();
  }

  private readonly onMessage = (event: { data: unknown }): void => {
    if (this.paused) this.held.push(event.data);
    else this.deliver(event.data);
  };

  private deliver(data: unknown): void {
    const events = this.events!;
    if (typeof data === 'string') events.data(data);
    else if (controlOf(data) === 'end') events.end();
    else if (controlOf(data) === 'reset') events.error(new Error('The other end of the port was destroyed'));
    else events.error(new Error(`A message that is neither JSON text nor a control: ${typeof data}`));
  }
}
