/**
 * The engine's codec: frames out, frames in. Over a byte stream it is a framer; over a message
 * channel (`'message'`: a WebSocket, a MessagePort) every message is one JSON text already and
 * nothing is framed.
 */
import { createFramer } from '../framing/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type FrameEvent, type Framer, type FramerOptions, type FramingName } from '../framing/types.js';
import { utf8ByteLength } from '../framing/utf8.js';
import { JsonRpcParseError } from '../parser/errors.js';

/** How messages travel: one of the byte-stream framings, or whole messages. */
export type EngineFraming = FramingName | 'message';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const EMPTY: FrameEvent[] = [];

export class Wire {
  readonly framing: EngineFraming;
  private readonly framer: Framer | undefined;
  readonly maxMessageBytes: number;
  /** The UTF-8 size of a text (the host's native one when it gave one). */
  readonly byteLength: (text: string) => number;

  constructor(framing: EngineFraming, options: FramerOptions) {
    this.framing = framing;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.byteLength = options.utf8Length ?? utf8ByteLength;
    this.framer = framing === 'message' ? undefined : createFramer(framing, options);
  }

  /** One message's JSON text, ready to write. */
  frame(json: string): string {
    return this.framer === undefined ? json : this.framer.encodeText(json);
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
