/**
 * The read pump: takes what the readable emits and feeds it to the parser only while the read gate
 * is open, pausing the readable when it is not (see read-gate.ts for the rules).
 *
 * Input is fed 16 KiB at a time and the gate is asked again before every slice, so one large chunk
 * cannot yield more messages than the gate allowed for; what is not fed yet waits in the inbox,
 * and the readable stays paused until the inbox is empty.
 */
import type { Readable } from 'node:stream';

import type { JsonRpcMessage } from '../parser/messages.js';
import type { JsonRpcPeer } from '../peer.js';

/** The parser is fed at most this much at a time, so it never runs far ahead of the read gate. */
const SLICE_BYTES = 16 * 1024;

export interface ReaderHost {
  isClosed(): boolean;
  /** Whether more input may be parsed now (the read gate, with fresh counts). */
  mayRead(): boolean;
  /** `bytes`: the bytes of its frame on the wire. */
  receive(message: JsonRpcMessage, bytes: number): void;
  /** The readable ended and every byte of it has been parsed. */
  inputDone(): void;
}

export class InboundReader {
  private inbox: Uint8Array[] = [];
  private inboxOffset = 0;
  private pumping = false;
  private paused = false;
  private ended = false;
  /** Reused for every slice: the length of each parsed message's text. */
  private readonly frameLengths: number[] = [];

  constructor(
    private readonly readable: Readable,
    private readonly peer: JsonRpcPeer,
    private readonly host: ReaderHost,
  ) {
    readable.on('data', this.onData);
    readable.on('end', this.onEnd);
  }

  /** True while the readable is paused for back pressure. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** The readable has ended (its bytes may not all be parsed yet). */
  get inputEnded(): boolean {
    return this.ended;
  }

  /** Read input is waiting for the gate. */
  get hasUnparsed(): boolean {
    return this.inbox.length > 0;
  }

  /** Stops reading for good; unparsed input is dropped. */
  stop(): void {
    this.readable.off('data', this.onData);
    this.inbox = [];
  }

  private readonly onData = (chunk: Uint8Array | string): void => {
    if (this.host.isClosed()) return;
    this.inbox.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    this.pump();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.pump();
  };

  /** Feeds the parser slice by slice while the read gate is open; pauses the readable when not. */
  pump(): void {
    if (this.pumping || this.host.isClosed()) return;
    const host = this.host;
    this.pumping = true;
    try {
      while (this.inbox.length > 0 && !host.isClosed()) {
        if (!host.mayRead()) break;
        const chunk = this.inbox[0]!;
        const start = this.inboxOffset;
        let end = chunk.byteLength;
        if (end - start > SLICE_BYTES) end = start + SLICE_BYTES;
        const slice = start === 0 && end === chunk.byteLength ? chunk : chunk.subarray(start, end);
        if (end === chunk.byteLength) {
          this.inbox.shift();
          this.inboxOffset = 0;
        } else {
          this.inboxOffset = end;
        }
        const held = this.peer.bufferedBytes;
        const lengths = this.frameLengths;
        lengths.length = 0;
        const messages = this.peer.parse(slice, lengths);
        // The bytes this slice's messages took on the wire, exactly (with the frame start held
        // before, without the start of the next), shared out by the length of their text.
        const bytes = held + slice.byteLength - this.peer.bufferedBytes;
        let textLength = 0;
        for (let i = 0; i < lengths.length; i++) textLength += lengths[i]!;
        const perUnit = textLength > 0 ? bytes / textLength : 0;
        const even = bytes / Math.max(1, messages.length);
        // A handler may close the connection: what came with its message is then dropped.
        for (let i = 0; i < messages.length && !host.isClosed(); i++) {
          host.receive(messages[i]!, Math.ceil(textLength > 0 ? lengths[i]! * perUnit : even));
        }
      }
    } finally {
      this.pumping = false;
    }
    if (host.isClosed()) return;
    if (this.inbox.length > 0) this.pause();
    else if (this.ended) host.inputDone();
    else if (host.mayRead()) this.resume();
    else this.pause();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.readable.pause();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.readable.resume();
  }
}
