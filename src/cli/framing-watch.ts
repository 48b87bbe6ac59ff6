/**
 * Why a `call` gets no answer, told from the first bytes the server sends: another framing than
 * ours (it spoke first, or answered our request with a parse error in its own framing), HTTP, or,
 * with no --framing given, nothing at all for a short quiet period (a language server spoken to in
 * newline framing waits forever for a header). Each verdict is one line that quotes the bytes and
 * names the flag to pass.
 *
 * A banner line before the real protocol is not a verdict: the auto framer skips it, and the server
 * may well answer correctly after it.
 */
import { AutoFramer } from '../framing/auto.js';
import { quoteBytes } from '../framing/framing-errors.js';
import type { FramingName } from '../framing/types.js';

/** How long a server may stay silent after the first request, without --framing, before it is reported. */
export const QUIET_MS = 2000;
/** The first bytes from the server are kept to quote them (the detector itself holds at most 15). */
const KEEP_BYTES = 512;
const QUOTE_BYTES = 64;

export class FramingWatch {
  private readonly detector = new AutoFramer();
  private readonly kept = new Uint8Array(KEEP_BYTES);
  private keptLength = 0;
  /** The first unreadable line, quoted (a banner, or another protocol). */
  private banner: string | undefined;
  private decided = false;

  /**
   * @param spoken the framing our requests are written in
   * @param where how to name the server in messages
   */
  constructor(
    private readonly spoken: Exclude<FramingName, 'auto'>,
    private readonly where: string,
  ) {}

  /** True once the server sent something readable as JSON-RPC in some framing. */
  get heard(): boolean {
    return this.detector.detected !== undefined;
  }

  /** Feeds bytes from the server; returns a one-line verdict if they show it cannot understand us. */
  add(chunk: Uint8Array): string | undefined {
    if (this.decided) return undefined;
    const room = Math.min(chunk.length, KEEP_BYTES - this.keptLength);
    this.kept.set(chunk.subarray(0, room), this.keptLength);
    this.keptLength += room;
    for (const event of this.detector.push(chunk)) {
      if (event.kind !== 'error') continue;
      const data = event.error.data as { preview?: string; http?: boolean };
      if (data.http === true) {
        this.decided = true;
        return `${this.where} speaks HTTP (it sent "${data.preview ?? ''}"), not JSON-RPC over a byte stream: use an HTTP client`;
      }
      this.banner ??= data.preview;
    }
    const detected = this.detector.detected;
    if (detected === undefined) return undefined;
    this.decided = true;
    if (detected === 'content-length' && this.spoken !== 'content-length') {
      return `${this.where} speaks Content-Length framing (it sent "${this.quoteFrom(/content-length:/i)}"), not ${this.spoken}: pass --framing content-length`;
    }
    if (detected === 'json-stream' && this.spoken === 'content-length') {
      return `${this.where} speaks newline-delimited JSON (it sent "${this.quoteFrom(/[{[]/)}"), not content-length: pass --framing newline`;
    }
    return undefined;
  }

  /** The verdict on a server that sent nothing readable for `quietMs` after our first request. */
  silence(quietMs: number): string {
    const sent = this.banner === undefined ? 'nothing' : `only "${this.banner}"`;
    return (
      `${this.where} sent ${sent} in the ${quietMs / 1000} s after the first request (in ${this.spoken} framing). ` +
      'A language server spoken to in newline framing stays silent: if it is one, pass --framing content-length; ' +
      'if the call is only slow, pass --framing newline'
    );
  }

  /** The kept bytes from where `pattern` first matches (searched in their Latin-1 reading), quoted. */
  private quoteFrom(pattern: RegExp): string {
    let text = '';
    for (let i = 0; i < this.keptLength; i++) text += String.fromCharCode(this.kept[i]);
    const at = Math.max(0, text.search(pattern));
    return quoteBytes(this.kept.subarray(at, this.keptLength), QUOTE_BYTES);
  }
}
