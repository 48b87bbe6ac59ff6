/**
 * The connection behaviour suite over the in-memory pair and a MessageChannel (as on every runtime:
 * test/runtimes/suites.ts), and what only the pair can show.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createConnection } from '../../src/connection/connection.js';
import { createConnectionPair, createTransportPair } from '../../src/connection/pair.js';
import { describeEverywhere } from '../runtimes/suites.js';
import { delay, methods } from './behaviour.js';

describeEverywhere({ describe, it }, { runtime: 'node' });

describe('createConnectionPair', () => {
  it('wires two connections with real framing (content-length on both ends)', async () => {
    const [a, b] = createConnectionPair({ framing: 'content-length' }, { framing: 'content-length', dispatcher: methods({ hi: () => 'héllo ✓' }) });
    assert.equal(await a.request('hi'), 'héllo ✓');
    await a.close();
    await b.closed;
  });

  it('a reader that does not read stops the writer: the pipe never holds much more than its mark', async () => {
    const [ta, tb] = createTransportPair(1024);
    let writes = 0;
    let refused = 0;
    const write = ta.write.bind(ta);
    ta.write = (chunk) => {
      writes++;
      const ok = write(chunk);
      if (!ok) refused++;
      return ok;
    };
    tb.start({ data: () => {}, value: () => {}, end: () => {}, drain: () => {}, writeClosed: () => {}, error: () => {} });
    tb.pause();
    const a = createConnection(ta);
    const sent = Array.from({ length: 100 }, (_, i) => a.notify('n', { pad: 'x'.repeat(200), i }));
    await delay(30);
    assert.ok(refused >= 1, 'the writer was told to wait');
    assert.ok(writes <= 2, `it waited for drain instead of writing on (${writes} writes)`);
    tb.resume();
    await Promise.all(sent);
    a.destroy();
    await a.closed;
  });
});
