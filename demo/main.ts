/**
 * `npm start`: jsonrpc-wire over real transports, in a few readable lines.
 *
 * 1. A TCP server and client on loopback (newline framing): requests, a notification, a batch, an
 *    application error that comes back as its own class, a server-to-client call made from inside
 *    a handler, and a request cancelled by its AbortSignal.
 * 2. A child process speaking Content-Length over stdio (how editors run language servers), with
 *    `$/progress` reports and a clean shutdown.
 */
import { fileURLToPath } from 'node:url';
import {
  connectTcp,
  Dispatcher,
  JsonRpcException,
  listenTcp,
  RequestAbortedError,
  spawnConnection,
  type ConnectionContext,
  type UntypedMethods,
} from '../src/index.js';
import { InsufficientFundsError } from './bank-errors.js';

const say = (line: string): void => console.log(line);

async function tcpDemo(): Promise<void> {
  let balance = 100;
  const notes: string[] = [];
  let cancelledOnServer: Promise<void> = Promise.resolve();

  const server = new Dispatcher<UntypedMethods, ConnectionContext>();
  server.add('add', (a: number, b: number) => a + b);
  server.add('note', (text: string) => void notes.push(text));
  server.add('withdraw', ({ amount }: { amount: number }) => {
    if (amount > balance) throw new InsufficientFundsError(undefined, { balance, requested: amount });
    balance -= amount;
    return { balance };
  });
  // A server may call its client: ask who is calling before answering.
  server.add('greet', async (ctx: ConnectionContext) => `hello, ${String(await ctx.connection.request('client/name'))}`, {
    params: 'positional',
    arity: 0,
  });
  server.add('slowReport', (ctx: ConnectionContext) => {
    cancelledOnServer = new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    return new Promise(() => {}); // never finishes on its own: only cancellation ends it
  }, { params: 'positional', arity: 0 });

  const listening = await listenTcp({ host: '127.0.0.1', port: 0 }, undefined, { dispatcher: server, cancellation: true });
  const address = listening.address as { host: string; port: number };
  say(`TCP  server listening on ${address.host}:${address.port} (newline-delimited JSON)`);

  const client = await connectTcp(address, {
    cancellation: true,
    dispatcher: new Dispatcher({ 'client/name': () => 'demo-client' }),
  });

  say(`     add(2, 3)                       -> ${String(await client.request('add', [2, 3]))}`);
  await client.notify('note', ['written without waiting for an answer']);

  const batch = client.batch([
    { method: 'add', params: [1, 1] },
    { method: 'add', params: [10, 20] },
    { method: 'note', params: ['inside a batch'], notification: true },
  ]);
  const [two, thirty] = await Promise.all(batch);
  say(`     batch [add(1,1), add(10,20), note] -> ${String(two)}, ${String(thirty)} (one frame out, one back)`);

  say(`     greet() calls back the client   -> ${String(await client.request('greet'))}`);

  await client.request('withdraw', { amount: 30 });
  try {
    await client.request('withdraw', { amount: 500 });
  } catch (err) {
    const data = (err as JsonRpcException).data as { balance: number };
    const same = err instanceof InsufficientFundsError;
    say(`     withdraw(500) rejects with      -> ${(err as Error).name} (code ${(err as JsonRpcException).code}, balance ${data.balance}); instanceof InsufficientFundsError: ${same}`);
  }

  const abort = new AbortController();
  const slow = client.request('slowReport', undefined, { signal: abort.signal });
  setTimeout(() => abort.abort(), 20);
  try {
    await slow;
  } catch (err) {
    await cancelledOnServer;
    say(`     slowReport() cancelled after 20 ms -> ${(err as Error).name}; the server's handler saw its signal abort`);
  }
  if (!(await slow.catch((err: unknown) => err instanceof RequestAbortedError))) throw new Error('expected an abort');

  await client.close();
  await listening.close();
  say(`     notes received by the server: ${JSON.stringify(notes)}`);
}

async function childProcessDemo(): Promise<void> {
  const workerPath = fileURLToPath(new URL('./word-worker.js', import.meta.url));
  const child = spawnConnection(process.execPath, [workerPath], { framing: 'content-length', stderr: 'capture' });
  const { connection } = child;
  const init = (await connection.request('initialize', { processId: process.pid, capabilities: {} })) as {
    serverInfo: { name: string; pid: number };
  };
  say(`CHILD spawned ${init.serverInfo.name} (pid ${init.serverInfo.pid}), Content-Length framing over its stdio`);

  const percentages: number[] = [];
  const progress = connection.onProgress('count-1', (value) => percentages.push((value as { percentage: number }).percentage));
  const text = 'the quick brown fox\njumps over\nthe lazy dog\n\nsixth line here';
  const count = await connection.request('wordCount', { text, workDoneToken: 'count-1' });
  progress.dispose();
  say(`     wordCount(...)                  -> ${JSON.stringify(count)}; progress reports: ${percentages.join('% ')}%`);

  await connection.request('shutdown');
  await connection.notify('exit');
  const exit = await child.exited;
  say(`     shutdown + exit                 -> the worker exited with code ${String(exit.code)}`);
}

await tcpDemo();
await childProcessDemo();
say('Done: every call above went over a real socket or pipe.');
