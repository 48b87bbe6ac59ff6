/**
 * Byte-level framers: they cut a byte stream into the JSON text of each message, and frame
 * outgoing JSON text for the wire. See README.md for the error model.
 */
import { AutoFramer } from './auto.js';
import { ContentLengthFramer } from './content-length.js';
import { JsonStreamFramer } from './json-stream.js';
import { NewlineFramer } from './newline.js';
import type { Framer, FramerOptions, FramingName } from './types.js';

export * from './types.js';
export type { FramingErrorData, FramingProblem } from './framing-errors.js';
export type { AutoFramerOptions, DetectedFraming } from './auto.js';
export { AutoFramer, ContentLengthFramer, JsonStreamFramer, NewlineFramer };

/** A new framer for `name`. */
export function createFramer(name: FramingName, options?: FramerOptions): Framer {
  switch (name) {
    case 'newline':
      return new NewlineFramer(options);
    case 'content-length':
      return new ContentLengthFramer(options);
    case 'json-stream':
      return new JsonStreamFramer(options);
    case 'auto':
      return new AutoFramer(options);
    default:
      throw new TypeError(
        `Unknown framing ${JSON.stringify(name as unknown)}: use 'newline', 'content-length', 'json-stream' or 'auto'`,
      );
  }
}
