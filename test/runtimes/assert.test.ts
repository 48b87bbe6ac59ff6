/** The suite's own assertions and harness (so a case that should fail on another runtime does), and what a missing runtime says. */
import nodeAssert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';

import fc from 'fast-check';

import { assert, AssertionError, isDeepEqual } from './assert.js';
import { devBinary } from './elsewhere.js';
import { collect, runCases } from './harness.js';

/** JSON-like values, arrays and objects (the suite's data), with near misses: -0, NaN, undefined members. */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.constantFrom(0, -0, NaN, 1, '', '1', null, undefined, true, false), fc.integer(), fc.string({ maxLength: 3 })),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 2 }), tie('node'), { maxKeys: 3 })),
})).node;

describe('test/runtimes/assert', () => {
  it("deepEqual agrees with Node's isDeepStrictEqual on JSON-like values, equal or not", () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        nodeAssert.equal(isDeepEqual(a, b), isDeepStrictEqual(a, b));
        nodeAssert.equal(isDeepEqual(a, structuredClone(a)), isDeepStrictEqual(a, structuredClone(a)));
      }),
    );
    nodeAssert.equal(isDeepEqual([1], { 0: 1 }), false);
    nodeAssert.equal(isDeepEqual({ a: undefined }, { b: undefined }), false);
    nodeAssert.equal(isDeepEqual(new Error('x'), new Error('x')), isDeepStrictEqual(new Error('x'), new Error('x')));
  });

  it('each assertion throws an AssertionError (with the message) when it should, and only then', async () => {
    nodeAssert.throws(() => assert.ok(0, 'zero'), (e: unknown) => e instanceof AssertionError && /^zero: /.test(e.message));
    nodeAssert.throws(() => assert.equal(1, '1'), AssertionError);
    nodeAssert.throws(() => assert.deepEqual([1, [2]], [1, [3]]), /expected \[1,\[3\]\], got \[1,\[2\]\]/);
    nodeAssert.throws(() => assert.match('abc', /d/), AssertionError);
    nodeAssert.throws(() => assert.match(1, /1/), AssertionError);
    assert.ok(1);
    assert.equal(NaN, NaN);
    assert.deepEqual({ a: [1] }, { a: [1] });
    assert.match('abc', /b/);

    class Wanted extends Error {}
    await assert.rejects(Promise.reject(new Wanted()), Wanted);
    await nodeAssert.rejects(assert.rejects(Promise.resolve(1), Wanted), /it resolved to 1/);
    await nodeAssert.rejects(assert.rejects(Promise.reject(new Error('other')), Wanted), /expected a rejection with Wanted, got Error: other/);
  });

  it('the harness records cases under their describe path, and runs them: pass, fail, throw, hang', async () => {
    const { harness, cases } = collect();
    harness.describe('outer', () => {
      harness.describe('inner', () => harness.it('passes', async () => {}));
      harness.it('fails', async () => assert.equal(1, 2));
      harness.it('throws', () => {
        throw new Error('sync');
      });
      harness.it('hangs', () => new Promise(() => {}));
    });
    nodeAssert.deepEqual(cases.map((c) => [c.suite, c.name]), [['outer > inner', 'passes'], ['outer', 'fails'], ['outer', 'throws'], ['outer', 'hangs']]);
    const results = await runCases(cases, 50);
    nodeAssert.deepEqual(results.map((r) => r.ok), [true, false, false, false]);
    nodeAssert.match(results[1]!.error!, /AssertionError: expected 2, got 1/);
    nodeAssert.match(results[2]!.error!, /Error: sync/);
    nodeAssert.match(results[3]!.error!, /did not finish within 50 ms/);
  });
});

describe('test/runtimes/elsewhere', () => {
  it('a runtime that is not installed fails with how to install it; an installed one is found', () => {
    nodeAssert.throws(() => devBinary('no-such-runtime'), /no-such-runtime is not installed: it is a dev dependency, run `npm ci` \(or `npm install -D no-such-runtime`\)/);
    nodeAssert.match(devBinary('deno'), /node_modules\/\.bin\/deno$/);
  });
});
