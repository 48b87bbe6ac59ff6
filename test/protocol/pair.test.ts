/**
 * Two engines wired to each other with no I/O: the shape of a connection pair, and the deadlock
 * case (a handler that calls back the side that called it) under tight bounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolEngine } from '../../src/protocol/engine.js';
import type { IncomingRequest } from '../../src/protocol/events.js';

type Side = ProtocolEngine<IncomingRequest | string>;

test('a handler that calls back its caller finishes under saturation: responses always flow', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), (calls, maxConcurrentHandlers, maxQueuedMessages) => {
      const client: Side = new ProtocolEngine({ framing: 'content-length' });
      const server: Side = new ProtocolEngine({ framing: 'content-length', maxConcurrentHandlers, maxQueuedMessages });
      let toServer = '';
      let toClient = '';
      for (let i = 0; i < calls; i++) toServer += client.request('outer', [i], `outer ${i}`).text;
      const settled = new Map<string, string>();
      for (let rounds = 0; rounds < 1000 && (toServer !== '' || toClient !== ''); rounds++) {
        server.receive(toServer);
        toServer = '';
        for (let e = server.next(); e !== undefined; e = server.next()) {
          if (e.kind === 'request') toClient += server.request('inner', e.params, e).text; // held until the callback answers
          else if (e.kind === 'response') toClient += server.respond(e.request.token as IncomingRequest, 'outer done') ?? '';
          else if (e.kind === 'reply') toClient += e.text;
        }
        client.receive(toClient);
        toClient = '';
        for (let e = client.next(); e !== undefined; e = client.next()) {
          if (e.kind === 'request') toServer += client.respond(e, 'inner done') ?? '';
          else if (e.kind === 'response') {
            settled.set(e.request.token as string, e.response.isSuccess ? String(e.response.result) : `error ${e.response.error.code}`);
          }
        }
      }
      assert.equal(settled.size, calls, 'every outer call settled');
      for (const outcome of settled.values()) assert.ok(outcome === 'outer done' || outcome === 'error -32001', outcome);
      assert.ok([...settled.values()].filter((o) => o === 'outer done').length >= maxConcurrentHandlers || calls < maxConcurrentHandlers);
      assert.ok(server.idle && client.idle);
    }),
  );
});
