/**
 * The log side of `jsonrpc-wire tap`: bytes seen in each direction in, log lines (JSON text, one per
 * message) out. Pure: no I/O and no clock (the caller says when each chunk was read), so it can run
 * wherever the bytes are copied to, and every line it writes is testable.
 *
 * Each direction has its own framer, exactly the project's, so a log line is what a jsonrpc-wire
 * peer would have read. A request is remembered until the response with its id comes back the other
 * way; that response's line then names the request's method and the latency between the two.
 */
import { AutoFramer, createFramer } from '../framing/index.js';
import type { Framer, FramingName } from '../framing/types.js';
import { utf8ByteLength } from '../framing/utf8.js';
import type { JsonRpcException } from '../parser/errors.js';
import { parseMessage, type JsonRpcId, type JsonRpcSingleMessage } from '../parser/messages.js';
import { latencySince, MAX_SEEN_REQUESTS, SeenRequests } from '../connection/seen-requests.js';
import { invalidProblem, invalidText } from '../connection/trace.js';
import type { Direction, MessageLine } from './log-format.js';
import { redactMessage } from './redact.js';


export interface MessageLogOptions {
  readonly framing: FramingName;
  /** Replace params, result and error data by their shape (see redact.ts). */
  readonly redact?: boolean;
  /** Written into every line: the connection number of `tap --tcp`. */
  readonly conn?: number;
  /** UTF-8 byte length of a string (Node passes Buffer.byteLength; the default is pure). */
  readonly utf8Length?: (text: string) => number;
  readonly maxPendingRequests?: number;
}

export class MessageLog {
  private readonly framers: Record<Direction, Framer>;
  /** Requests waiting for their answer, by the direction they went. */
  private readonly pending: Record<Direction, SeenRequests>;
  private readonly utf8Length: (text: string) => number;
  /** The ISO form of the last time seen: every message of a chunk has the same. */
  private iso = { time: NaN, text: '' };

  constructor(private readonly options: MessageLogOptions) {
    this.framers = { 'to-server': createFramer(options.framing), 'to-client': createFramer(options.framing) };
    this.utf8Length = options.utf8Length ?? utf8ByteLength;
    const max = options.maxPendingRequests ?? MAX_SEEN_REQUESTS;
    this.pending = { 'to-server': new SeenRequests(max), 'to-client': new SeenRequests(max) };
  }

  /** Requests seen and not yet answered. */
  get pendingRequests(): number {
    return this.pending['to-server'].size + this.pending['to-client'].size;
  }

  /** The bytes of one chunk read in `dir` at `time` (epoch ms): a line for every message they complete. */
  push(dir: Direction, chunk: Uint8Array, time: number): string[] {
    return this.lines(dir, this.framers[dir].push(chunk), time);
  }

  /** The direction ended (EOF): a line if it ended inside a message. */
  end(dir: Direction, time: number): string[] {
    return this.lines(dir, this.framers[dir].end(), time);
  }

  /**
   * Bytes of `dir` were not given to the log (it could not keep up): the framer starts afresh, and
   * resynchronizes at the next message it recognizes.
   */
  skip(dir: Direction): void {
    this.framers[dir] = createFramer(this.options.framing);
  }

  private lines(dir: Direction, events: ReturnType<Framer['push']>, time: number): string[] {
    const out: string[] = [];
    for (const event of events) {
      if (event.kind === 'error') out.push(this.unreadable(dir, event.error, time));
      else this.frame(dir, event.text, time, out);
    }
    return out;
  }

  /**
   * The JSON text every line starts with, without its closing brace: time, conn, dir, framing, in
   * the order the README lists them. Lines are written as text, field by field: building an object
   * and stringifying it cost several times more per message.
   */
  private head(dir: Direction, time: number, framing: string = framingOf(this.framers[dir])): string {
    if (this.iso.time !== time) this.iso = { time, text: new Date(time).toISOString() };
    const conn = this.options.conn === undefined ? '' : `,"conn":${this.options.conn}`;
    return `{"time":"${this.iso.text}"${conn},"dir":"${dir}","framing":"${framing}"`;
  }

  private unreadable(dir: Direction, error: JsonRpcException, time: number): string {
    // The framer that found the bytes says which it is ('auto' while still detecting).
    const framing = (error.data as { framing?: unknown } | undefined)?.framing;
    const head = typeof framing === 'string' ? this.head(dir, time, framing) : this.head(dir, time);
    return `${head},"kind":"unreadable","problem":${JSON.stringify(error.message)}}`;
  }

  private frame(dir: Direction, text: string, time: number, out: string[]): void {
    const size = this.utf8Length(text);
    const message = parseMessage(text);
    // The parsed value itself is needed only to redact, to split a batch or to fold a message that
    // spans lines; parseMessage has accepted the text, so parsing it again cannot fail.
    const value = (): unknown => JSON.parse(text);
    const redact = this.options.redact === true;
    if (message.kind !== 'batch') {
      // The frame text is the message exactly as sent: embed it as is unless it spans lines.
      const raw = isInvalid(message) ? undefined : redact ? JSON.stringify(redactMessage(value())) : oneLine(text, value);
      out.push(this.line(dir, time, message, size, raw, text));
      return;
    }
    const entries = value() as unknown[];
    message.messages.forEach((entry, index) => {
      const json = JSON.stringify(entries[index]) ?? '';
      const raw = isInvalid(entry) ? undefined : redact ? JSON.stringify(redactMessage(entries[index])) : json;
      out.push(this.line(dir, time, entry, index === 0 ? size : 0, raw, json, { index, of: entries.length }));
    });
  }

  private line(
    dir: Direction,
    time: number,
    message: JsonRpcSingleMessage,
    size: number,
    raw: string | undefined,
    text: string,
    batch?: MessageLine['batch'],
  ): string {
    let json = `${this.head(dir, time)},"size":${size},"kind":"${isInvalid(message) ? 'invalid' : message.kind}"`;
    if (batch !== undefined) json += `,"batch":{"index":${batch.index},"of":${batch.of}}`;
    switch (message.kind) {
      case 'request':
        json += `,"id":${JSON.stringify(message.id)},"method":${JSON.stringify(message.method)}`;
        this.pending[dir].add(message.id, message.method, time);
        break;
      case 'notification':
        json += `,"method":${JSON.stringify(message.method)}`;
        break;
      case 'response':
        json += `,"id":${JSON.stringify(message.id)}${this.answers(dir, message.id, time)}`;
        if (!message.isSuccess) json += `,"errorCode":${message.error.code}`;
        break;
      case 'invalidResponse':
        // Shaped like a response: it settles the request with its id, so it is paired like one.
        json += `,"id":${JSON.stringify(message.id)}${this.answers(dir, message.id, time)}`;
        json += `,"problem":${JSON.stringify(`Invalid response: ${message.problem}`)}`;
        if (this.options.redact !== true) json += `,"text":${JSON.stringify(invalidText(text))}`;
        break;
      case 'invalid': {
        if (message.id !== null) json += `,"id":${JSON.stringify(message.id)}`;
        json += `,"problem":${JSON.stringify(invalidProblem(message))}`;
        if (this.options.redact !== true) json += `,"text":${JSON.stringify(invalidText(text))}`;
        break;
      }
    }
    return raw === undefined ? `${json}}` : `${json},"message":${raw}}`;
  }

  /** The fields of a response's line that say which request (sent the other way) it answers. */
  private answers(dir: Direction, id: JsonRpcId, time: number): string {
    const request = id === null ? undefined : this.pending[dir === 'to-client' ? 'to-server' : 'to-client'].take(id);
    if (request === undefined) return ',"unmatched":true';
    return `,"method":${JSON.stringify(request.method)},"latencyMs":${latencySince(request, time)}`;
  }
}

/** Not a JSON-RPC message, or shaped like a response but breaking the specification: logged as `invalid`. */
function isInvalid(message: JsonRpcSingleMessage): boolean {
  return message.kind === 'invalid' || message.kind === 'invalidResponse';
}

/** The framing a line was read in: with 'auto', the one detected so far ('auto' before that). */
function framingOf(framer: Framer): FramingName {
  return framer instanceof AutoFramer ? (framer.detected ?? 'auto') : framer.name;
}

/** JSON text with no raw line break, so it fits in one log line. */
function oneLine(text: string, value: () => unknown): string {
  return text.includes('\n') || text.includes('\r') ? JSON.stringify(value()) : text.trim();
}
