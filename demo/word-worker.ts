/**
 * The demo's child process: a language-server-style worker on stdin/stdout with Content-Length
 * framing. It counts words, reporting `$/progress` as it goes, and stops on shutdown + exit.
 * Nothing but JSON-RPC may go to stdout, so its log lines go to stderr.
 */
import { connectStdio, Dispatcher, JsonRpcInvalidParamsError, type ConnectionContext, type UntypedMethods } from '../src/index.js';

type CountParams = {
  text: string;
  workDoneToken?: string;
};

const dispatcher = new Dispatcher<UntypedMethods, ConnectionContext>();
dispatcher.add('initialize', () => ({ capabilities: { wordCount: true }, serverInfo: { name: 'word-worker', pid: process.pid } }));
dispatcher.add(
  'wordCount',
  async ({ text, workDoneToken }: CountParams, ctx: ConnectionContext) => {
    if (typeof text !== 'string') throw new JsonRpcInvalidParamsError('"text" must be a string');
    const lines = text.split('\n');
    let words = 0;
    for (const [i, line] of lines.entries()) {
      words += line.split(/\s+/).filter(Boolean).length;
      if (workDoneToken !== undefined) {
        await ctx.connection.sendProgress(workDoneToken, { kind: 'report', percentage: Math.round(((i + 1) / lines.length) * 100) });
      }
    }
    return { words, lines: lines.length };
  },
  { params: 'named' },
);
dispatcher.add('shutdown', () => null);

const connection = connectStdio({ framing: 'content-length', dispatcher });
// `exit` is a notification: close once it arrives (the parent sees the process end).
dispatcher.add('exit', () => void connection.close());
void connection.closed.then(() => console.error('[worker] closed'));
