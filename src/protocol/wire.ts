/**
 * The engine's codec: frames out, frames in. Over a byte stream it is a framer; over a message
 * channel (`'message'`: a WebSocket, a MessagePort) every message is one JSON text already and
 * nothing is framed; over a value channel (`'value'`: a MessagePort posting objects) every message
 * is its JSON value (values.ts): requests, notifications and single results are built as values,
 * and what the engine writes as JSON text (error answers, batch responses, JSON-RPC 1.0's forms)
 * becomes the value of that text.
 */
import { createFramer } from '../framing/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type FrameEvent, type Framer, type FramerOptions, type FramingName } from '../framing/types.js';
import { utf8ByteLength } from '../framing/utf8.js';
import { JsonRpcParseError } from '../parser/errors.js';
import { encodeNotification, encodeRequest, type JsonRpcId, type JsonRpcParams } from '../parser/messages.js';
import { notificationValue, requestValue, valueBytes } from './values.js';

/** How messages travel: one of the byte-stream framings, or whole messages as JSON text (`'message'`) or as values (`'value'`). */
export type EngineFraming = FramingName | 'message' | 'value';

/** A message ready for the transport: framed JSON text, or under framing `'value'` its JSON value. */
export type Outbound = string | object;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const EMPTY: FrameEvent[] = [];

export class Wire {
  readonly framing: EngineFraming;
  private readonly framer: Framer | undefined;
  readonly maxMessageBytes: number;
  /** The UTF-8 size of a text (the host's native one when it gave one). */
  readonly byteLength: (text: string) => number;
  /** Messages are values (framing `'value'`). */
  readonly values: boolean;

  constructor(framing: EngineFraming, options: FramerOptions) {
    this.framing = framing;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.byteLength = options.utf8Length ?? utf8ByteLength;
    this.values = framing === 'value';
    this.framer = framing === 'message' || framing === 'value' ? undefined : createFramer(framing, options);
  }

  /**
   * One message, ready to write: its JSON text framed, or on a value channel that text's value
   * (JSON.parse of text the engine wrote cannot fail); a value (value channels only) as it is.
   */
  frame(json: string | object): Outbound {
    if (typeof json !== 'string') return json;
    if (this.values) return JSON.parse(json) as object;
    return this.framer === undefined ? json : this.framer.encodeText(json);
  }

  /** A request, ready to write. Throws a TypeError for params with no JSON form. */
  request(id: JsonRpcId, method: string, params?: JsonRpcParams): Outbound {
    return this.values ? requestValue(id, method, params) : this.frame(encodeRequest(id, method, params));
  }

  /** A notification, ready to write. Throws a TypeError for params with no JSON form. */
  notification(method: string, params?: JsonRpcParams): Outbound {
    return this.values ? notificationValue(method, params) : this.frame(encodeNotification(method, params));
  }

  /** The size of a message ready to write: UTF-8 bytes of text, the estimate of a value (values.ts). */
  size(message: Outbound): number {
    return typeof message === 'string' ? this.byteLength(message) : valueBytes(message);
  }

  /** The frames a chunk of the byte stream completes. */
  push(bytes: Uint8Array): FrameEvent[] {
    const framer = this.framer;
    return framer === undefined ? EMPTY : framer.push(bytes);
  }

  /** The stream ended: a frame it completes (a top-level number in json-stream), or an error if it ended mid-frame. */
  end(): FrameEvent[] {
    return this.framer === undefined ? EMPTY : this.framer.end();
  }

  get bufferedBytes(): number {
    return this.framer === undefined ? 0 : this.framer.bufferedBytes;
  }

  /** One whole message of a message channel, as a frame (or the error it earns). */
  message(chunk: string | Uint8Array): FrameEvent {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
    } else {
      try {
        text = utf8.decode(chunk);
      } catch {
        return messageError('invalid-utf8', `Message of ${chunk.byteLength} bytes is not valid UTF-8 and was dropped.`);
      }
    }
    // A string's length is a lower bound of its UTF-8 size: enough to refuse what is clearly too big.
    if (text.length > this.maxMessageBytes) {
      return messageError('oversized', `Message of ${text.length} characters exceeds maxMessageBytes (${this.maxMessageBytes}).`);
    }
    return { kind: 'frame', text };
  }
}

function messageError(problem: 'invalid-utf8' | 'oversized', message: string): FrameEvent {
  return { kind: 'error', error: new JsonRpcParseError(message, { framing: 'message', problem }), fatal: false };
}
