/** handle() with version '1.0' and 'both', and interop with jayson's JSON-RPC 1.0 client and server. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import jayson from 'jayson';
import fc from 'fast-check';
import { Dispatcher, encodeRequestV1, handle, NewlineFramer, validateSingleV1 } from '../../src/core.js';

const dispatcher = new Dispatcher()
  .add('add', (a: number, b: number) => a + b)
  .add('fail', () => { throw new Error('secret'); });

test("version '1.0': requests answered in 1.0's form, notifications not at all, faults as 1.0 errors", async () => {
  const v1 = { version: '1.0' } as const;
  assert.equal(await handle('{"method":"add","params":[1,2],"id":1}', dispatcher, v1), '{"result":3,"error":null,"id":1}');
  assert.equal(await handle('{"method":"add","params":[1,2],"id":null}', dispatcher, v1), null);
  assert.equal(
    await handle('{"method":"nope","params":[],"id":"q"}', dispatcher, v1),
    '{"result":null,"error":{"code":-32601,"message":"Method not found","data":{"reason":"Method \'nope\' is not registered"}},"id":"q"}',
  );
  assert.equal(await handle('{"method":"fail","params":[],"id":2}', dispatcher, v1), '{"result":null,"error":{"code":-32603,"message":"Internal error"},"id":2}');
  assert.match((await handle('{"method":"add","params":{"a":1},"id":3}', dispatcher, v1))!, /^\{"result":null,"error":\{"code":-32600,.*"id":3\}$/);
  assert.match((await handle('{not json', dispatcher, v1))!, /^\{"result":null,"error":\{"code":-32700,.*"id":null\}$/);
  assert.match((await handle('[{"method":"add","params":[1,2],"id":1}]', dispatcher, v1))!, /no batches/);
  assert.match((await handle('{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}', dispatcher, v1))!, /"jsonrpc\\" must be absent/);
  // A response is never answered.
  assert.equal(await handle('{"result":1,"error":null,"id":1}', dispatcher, v1), null);
});

test("version 'both': each message in its own version; '2.0' (the default) unchanged", async () => {
  const both = { version: 'both' } as const;
  assert.equal(await handle('{"method":"add","params":[1,2],"id":1}', dispatcher, both), '{"result":3,"error":null,"id":1}');
  assert.equal(await handle('{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}', dispatcher, both), '{"jsonrpc":"2.0","id":1,"result":3}');
  assert.equal(await handle('[{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}]', dispatcher, both), '[{"jsonrpc":"2.0","id":1,"result":3}]');
  assert.match((await handle('{oops', dispatcher, both))!, /^\{"jsonrpc":"2.0","id":null,"error":\{"code":-32700/);
  assert.match((await handle('{"method":"add","params":[1,2],"id":1}', dispatcher))!, /-32600/);
  await assert.rejects(handle('{}', dispatcher, { version: '3.0' as never }), RangeError);
});

test("property: under '2.0' the version option changes nothing; under 'both' a 2.0 message is answered as by default", async () => {
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), async (value) => {
      const text = JSON.stringify(value);
      const plain = await handle(text, dispatcher);
      assert.equal(await handle(text, dispatcher, { version: '2.0' }), plain);
      const isV2 = typeof value === 'object' && value !== null && (Array.isArray(value) || (value as { jsonrpc?: unknown }).jsonrpc === '2.0');
      if (isV2) assert.equal(await handle(text, dispatcher, { version: 'both' }), plain);
      const v1 = await handle(text, dispatcher, { version: '1.0' });
      if (v1 !== null) {
        const answer = JSON.parse(v1) as Record<string, unknown>;
        assert.deepEqual(Object.keys(answer).sort(), ['error', 'id', 'result']);
      }
    }),
  );
});

// ---- interop with jayson (version: 1) --------------------------------------------------------------

type Callback = (error: unknown, result?: unknown) => void;

let ourTcp: net.Server;
let ourHttp: http.Server;
const port = (server: net.Server | http.Server): number => (server.address() as AddressInfo).port;

before(async () => {
  // Our 1.0 server: newline framing (jayson's TCP transport) or an HTTP body, answered by handle().
  ourTcp = net.createServer((socket) => {
    const framer = new NewlineFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const event of framer.push(chunk)) {
        if (event.kind !== 'frame') continue;
        void handle(event.text, dispatcher, { version: '1.0' }).then((answer) => {
          if (answer !== null) socket.write(`${answer}\n`);
        });
      }
    });
  });
  ourHttp = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (s: string) => (body += s));
    req.on('end', () => {
      void handle(body, dispatcher, { version: '1.0' }).then((answer) => {
        res.writeHead(answer === null ? 204 : 200, { 'content-type': 'application/json' }).end(answer ?? undefined);
      });
    });
  });
  await new Promise<void>((done) => ourTcp.listen(0, '127.0.0.1', done));
  await new Promise<void>((done) => ourHttp.listen(0, '127.0.0.1', done));
});

after(async () => {
  await new Promise((done) => ourTcp.close(done));
  await new Promise((done) => ourHttp.close(done));
});

function jaysonRequest(client: jayson.Client, method: string, params: unknown[]): Promise<{ error: unknown; result: unknown }> {
  return new Promise((resolve, reject) => {
    client.request(method, params, (err: unknown, error: unknown, result: unknown) => (err ? reject(err as Error) : resolve({ error, result })));
  });
}

for (const transport of ['tcp', 'http'] as const) {
  test(`jayson's 1.0 client over ${transport} is served by handle({ version: '1.0' })`, async () => {
    const options = { host: '127.0.0.1', port: port(transport === 'tcp' ? ourTcp : ourHttp), version: 1 };
    const client = transport === 'tcp' ? jayson.Client.tcp(options) : jayson.Client.http(options);
    assert.deepEqual(await jaysonRequest(client, 'add', [2, 3]), { error: null, result: 5 });
    const failed = await jaysonRequest(client, 'nope', []);
    assert.equal((failed.error as { code: number }).code, -32601);
    assert.equal(failed.result, null);
  });

  test(`jayson's 1.0 server over ${transport} answers what encodeRequestV1 writes, read by validateSingleV1`, async () => {
    const server = new jayson.Server({ add: (args: [number, number], callback: Callback) => callback(null, args[0] + args[1]) }, { version: 1 });
    const listener = transport === 'tcp' ? server.tcp() : server.http();
    await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));
    try {
      const text = encodeRequestV1(1, 'add', [2, 3]);
      const answer = transport === 'tcp' ? await tcpExchange(port(listener), text) : await httpExchange(port(listener), text);
      assert.deepEqual(validateSingleV1(JSON.parse(answer)), { kind: 'response', id: 1, isSuccess: true, result: 5 });
      const missing = transport === 'tcp' ? await tcpExchange(port(listener), encodeRequestV1(2, 'nope', [])) : await httpExchange(port(listener), encodeRequestV1(2, 'nope', []));
      const read = validateSingleV1(JSON.parse(missing));
      assert.ok(read.kind === 'response' && !read.isSuccess && read.error.code === -32601, missing);
    } finally {
      await new Promise((done) => listener.close(done));
    }
  });
}

async function tcpExchange(serverPort: number, text: string): Promise<string> {
  const socket = net.createConnection({ host: '127.0.0.1', port: serverPort });
  socket.write(`${text}\n`);
  let received = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) {
    received += chunk as string;
    if (received.includes('\n')) break;
  }
  socket.destroy();
  return received.trim();
}

async function httpExchange(serverPort: number, text: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${serverPort}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  return response.text();
}
