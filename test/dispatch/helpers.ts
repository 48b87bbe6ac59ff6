import assert from 'node:assert/strict';

/** A parsed response with `error.data` removed: the specification's examples show none (data is optional). */
export function withoutErrorData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutErrorData);
  if (typeof value === 'object' && value !== null && 'error' in value) {
    const { error, ...rest } = value as { error: Record<string, unknown> };
    const { data: _data, ...bare } = error;
    return { ...rest, error: bare };
  }
  return value;
}

/** Parses `text`, which must be JSON. */
export function parse(text: string | null): unknown {
  assert.notEqual(text, null, 'expected a response, got null');
  return JSON.parse(text as string) as unknown;
}

/**
 * Asserts that a batch response holds exactly `expected` (any order, as the specification allows):
 * same length, and each expected response matched by a distinct actual one.
 */
export function assertSameResponses(actual: unknown, expected: readonly unknown[]): void {
  assert.ok(Array.isArray(actual), `expected an array, got ${JSON.stringify(actual)}`);
  assert.equal(actual.length, expected.length, `expected ${expected.length} responses, got ${JSON.stringify(actual)}`);
  const canon = (v: unknown): string => JSON.stringify(sortKeys(v));
  assert.deepEqual(actual.map(canon).sort(), expected.map(canon).sort());
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** A promise with its resolve function, for handlers the test releases by hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets pending promise callbacks (and one macrotask turn) run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
