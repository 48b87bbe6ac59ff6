/**
 * A minimal Content-Length framing on a net.Socket, for the content-length ceiling: calls `onBody`
 * for every complete body, then `afterRead` once per read. It reads only what its peer writes,
 * `Content-Length: N\r\n\r\n` exactly (anything else throws), and takes the fastest plain route:
 * - the bytes of a read are decoded once as latin1 (one character per byte), so byte offsets are
 *   string offsets, and the header is matched in place: the 16 bytes of `Content-Length: ` are
 *   skipped unread, the digits are summed, the blank line is checked;
 * - when the read is ASCII (`isAscii`), a body is a slice of that string; otherwise each body is
 *   decoded as UTF-8 on its own.
 */
import { isAscii } from 'node:buffer';
import type { Socket } from 'node:net';

const PREFIX = 'Content-Length: ';
const CR = 0x0d;
const LF = 0x0a;

export function readContentLength(socket: Socket, onBody: (text: string) => void, afterRead?: () => void): void {
  let held: Buffer | null = null;
  socket.on('data', (chunk: Buffer) => {
    const bytes = held === null ? chunk : Buffer.concat([held, chunk]);
    const n = bytes.length;
    const text = bytes.toString('latin1');
    const ascii = isAscii(bytes);
    let pos = 0;
    for (;;) {
      let i = pos + PREFIX.length;
      let length = 0;
      for (let c = text.charCodeAt(i); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++i)) length = length * 10 + c - 0x30;
      const start = i + 4;
      const end = start + length;
      if (end > n) break;
      if (text.charCodeAt(i) !== CR || text.charCodeAt(i + 1) !== LF || text.charCodeAt(i + 2) !== CR || text.charCodeAt(i + 3) !== LF) {
        throw new Error(`not a Content-Length header at byte ${pos}`);
      }
      onBody(ascii ? text.slice(start, end) : bytes.toString('utf8', start, end));
      pos = end;
    }
    held = pos === n ? null : bytes.subarray(pos);
    if (afterRead) afterRead();
  });
}

/** One message framed: `Content-Length: <bytes>\r\n\r\n<json>`. */
export function frameContentLength(json: string): string {
  return `${PREFIX}${Buffer.byteLength(json)}\r\n\r\n${json}`;
}
