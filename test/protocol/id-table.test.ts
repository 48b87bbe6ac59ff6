/**
 * `IdTable` (src/protocol/id-table.ts), the engine's table of the requests it waits on: against a
 * Map as the model, over random runs of sends (rising ids) and answers (held ids, and ids never
 * sent: any number a response may carry), including long waiters that outlive many slots' reuse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { IdTable } from '../../src/protocol/id-table.js';

type Step =
  | { kind: 'send'; gap: number }
  | { kind: 'answer'; pick: number }
  | { kind: 'stray'; id: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('send' as const), gap: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 5000 })) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('answer' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('stray' as const),
      id: fc.oneof(fc.integer({ min: -3, max: 300 }), fc.double(), fc.constantFrom(0, -0, 2 ** 32 + 1, 2 ** 53, Infinity, NaN)),
    }),
  },
);

describe('IdTable', () => {
  it('holds, finds and gives up exactly what a Map would, in id order', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 600 }), fc.boolean(), (steps, newestFirst) => {
        const table = new IdTable<{ id: number }>();
        const model = new Map<number, { id: number }>();
        let next = 0;
        for (const s of steps) {
          if (s.kind === 'send') {
            next += s.gap;
            const value = { id: next };
            table.set(next, value);
            model.set(next, value);
          } else {
            // An answer to a held id (the newest, which leaves the older ones waiting, or any), or a stray id.
            const held = [...model.keys()];
            const id = s.kind === 'stray' ? s.id : held.length === 0 ? next + 1 : newestFirst && s.pick % 3 !== 0 ? held[held.length - 1]! : held[s.pick % held.length]!;
            assert.equal(table.get(id), model.get(id), `get(${id})`);
            assert.equal(table.delete(id), model.delete(id), `delete(${id})`);
            assert.equal(table.get(id), undefined);
          }
          assert.equal(table.size, model.size);
        }
        assert.deepEqual(table.entries(), [...model.entries()]);
        for (const [id, value] of model) assert.equal(table.get(id), value);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps finding a request that waits while a million later ones come and go', () => {
    const table = new IdTable<string>();
    table.set(1, 'long');
    for (let id = 2; id < 1_000_000; id++) {
      table.set(id, 'short');
      assert.ok(table.delete(id));
    }
    assert.equal(table.get(1), 'long');
    assert.equal(table.size, 1);
    assert.deepEqual(table.entries(), [[1, 'long']]);
  });

  it('gives memory back after a burst', () => {
    const table = new IdTable<number>();
    for (let id = 1; id <= 100_000; id++) table.set(id, id);
    for (let id = 1; id < 100_000; id++) table.delete(id);
    // What is left is one entry; the slots shrank back to the minimum.
    assert.equal(table.size, 1);
    assert.ok((table as unknown as { keys: number[] }).keys.length <= 64);
    assert.equal(table.get(100_000), 100_000);
  });
});
