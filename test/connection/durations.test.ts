/** Duration options: their range, and timers past setTimeout's 2^31 - 1 ms. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { durationProblem, MAX_TIMER_DELAY_MS, startTimer } from '../../src/connection/durations.js';
import { spawnConnection } from '../../src/node-streams/index.js';
import { delay, processWarnings } from '../node-streams/helpers.js';

describe('startTimer', () => {
  it('chains timers for a duration longer than one timer, and fires once at the end', async () => {
    let fired = 0;
    const start = performance.now();
    let firedAt = 0;
    startTimer(40, () => {
      fired++;
      firedAt = performance.now() - start;
    }, 7);
    await delay(15);
    assert.equal(fired, 0, 'not after two of six steps');
    while (fired === 0) await delay(5);
    assert.ok(firedAt >= 38, `fired after ${firedAt} ms, before the whole duration`);
    await delay(30);
    assert.equal(fired, 1);
  });

  it('clear() stops it in the middle of a chain; Infinity never fires', async () => {
    let fired = 0;
    const timer = startTimer(30, () => fired++, 5);
    await delay(12);
    timer.clear();
    timer.clear();
    startTimer(Infinity, () => fired++).clear();
    await delay(40);
    assert.equal(fired, 0);
  });

  it('2^31 ms and more neither fires early nor warns', async () => {
    let fired = 0;
    const timers: Array<{ clear(): void }> = [];
    const warnings = await processWarnings(async () => {
      for (const ms of [MAX_TIMER_DELAY_MS + 1, 2 ** 32, Number.MAX_VALUE]) timers.push(startTimer(ms, () => fired++));
      await delay(40);
    });
    for (const timer of timers) timer.clear();
    assert.equal(fired, 0);
    assert.deepEqual(warnings.map((w) => w.name), []);
  });
});

describe('durationProblem', () => {
  it('property: accepts exactly the numbers >= 0 and Infinity', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.anything()), (value) => {
        const valid = typeof value === 'number' && !Number.isNaN(value) && value >= 0;
        const problem = durationProblem('timeoutMs', value);
        assert.equal(problem === null, valid, fc.stringify(value));
        if (problem !== null) assert.ok(problem instanceof RangeError && problem.message.startsWith('timeoutMs must be'));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('spawnConnection killTimeoutMs', () => {
  it('negative, NaN or not a number throws a RangeError before anything is spawned', () => {
    for (const killTimeoutMs of [-1, NaN, '10', null]) {
      assert.throws(
        () => spawnConnection('/nonexistent/never-spawned', [], { killTimeoutMs: killTimeoutMs as number, stderr: 'ignore' }),
        (err: unknown) => err instanceof RangeError && /killTimeoutMs must be a number of milliseconds >= 0/.test(err.message),
      );
    }
  });

  it('Infinity and 2^31 are accepted: the child is still closed normally', async () => {
    for (const killTimeoutMs of [Infinity, 2 ** 31]) {
      const child = spawnConnection(process.execPath, ['-e', 'process.stdin.resume()'], { killTimeoutMs, stderr: 'ignore' });
      const exit = await child.close();
      assert.equal(exit.code, 0);
    }
  });
});
