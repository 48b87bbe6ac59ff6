/**
 * A minimal newline framing on a net.Socket: calls `onLine` for every complete line, then `onEnd`
 * once per read. Used by the ceiling and by json-rpc-2.0 (which brings no transport).
 */
import type { Socket } from 'node:net';

export function readLines(socket: Socket, onLine: (line: string) => void, afterRead?: () => void): void {
  socket.setEncoding('utf8');
  let buffered = '';
  socket.on('data', (chunk: string) => {
    let text = buffered.length === 0 ? chunk : buffered + chunk;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      if (nl > start) onLine(text.slice(start, nl));
      start = nl + 1;
    }
    buffered = start === text.length ? '' : text.slice(start);
    text = '';
    if (afterRead) afterRead();
  });
}
