/**
 * `callWith` (src/dispatch/entry.ts): how the dispatcher calls a handler. Short argument lists
 * take direct calls, longer ones `Reflect.apply`; a handler must see the same either way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { callWith } from '../../src/dispatch/entry.js';

describe('callWith', () => {
  it('passes exactly the arguments given (count, values, holes as undefined) with `this` undefined', () => {
    fc.assert(
      fc.property(fc.array(fc.anything(), { maxLength: 8 }), fc.boolean(), (args, sparse) => {
        const list = sparse && args.length > 1 ? Object.assign(new Array(args.length), { 0: args[0] }) : args;
        const seen = { self: null as unknown, args: [] as unknown[] };
        const result = callWith(function (this: unknown, ...received: unknown[]) {
          seen.self = this;
          seen.args = received;
          return received.length;
        }, list);
        assert.equal(result, list.length);
        assert.equal(seen.self, undefined);
        assert.deepEqual(seen.args, Array.from(list));
      }),
    );
  });

  it('returns what the function returns and lets what it throws through', () => {
    const error = new Error('boom');
    for (let n = 0; n <= 5; n++) {
      const args = Array.from({ length: n }, (_, i) => i);
      assert.equal(callWith((...a: unknown[]) => a.join(','), args), args.join(','));
      assert.throws(() => callWith(() => { throw error; }, args), (e) => e === error);
    }
  });
});
