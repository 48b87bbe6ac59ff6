/**
 * The few assertions the behaviour suite makes, with `node:assert/strict`'s names and meaning, in
 * plain JavaScript: the suite runs in Node, Deno, Bun and a browser page, and a page has no
 * `node:assert`. `deepEqual` is for the suite's data (JSON-like values, arrays, plain objects,
 * errors compared by identity), and agrees with Node's `isDeepStrictEqual` there (a test checks).
 */

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/** A value in a failure message, without letting a value that cannot be printed hide the failure. */
function show(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value);
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (typeof value === 'object' && value !== null) return JSON.stringify(value) ?? String(value);
    return String(value);
  } catch {
    return '[a value that cannot be printed]';
  }
}

function fail(message: string | undefined, detail: string): never {
  throw new AssertionError(message === undefined ? detail : `${message}: ${detail}`);
}

/** Same value (SameValue: NaN is NaN, 0 is not -0), or arrays and objects of the same prototype with equal own members. */
function isDeepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && isDeepEqual(recordA[key], recordB[key]));
}

/** `node:assert/strict`'s methods of these names, for the values the suite compares. */
export interface Assert {
  ok(value: unknown, message?: string): asserts value;
  equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
  deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
  match(actual: unknown, pattern: RegExp, message?: string): void;
  /** Resolves when `promise` rejects with an instance of `expected`; throws otherwise. */
  rejects(promise: Promise<unknown>, expected: abstract new (...args: never[]) => unknown, message?: string): Promise<void>;
}

export const assert: Assert = {
  ok(value: unknown, message?: string): asserts value {
    if (!value) fail(message, `expected a truthy value, got ${show(value)}`);
  },

  equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
    if (!Object.is(actual, expected)) fail(message, `expected ${show(expected)}, got ${show(actual)}`);
  },

  deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
    if (!isDeepEqual(actual, expected)) fail(message, `expected ${show(expected)}, got ${show(actual)}`);
  },

  match(actual: unknown, pattern: RegExp, message?: string): void {
    if (typeof actual !== 'string' || !pattern.test(actual)) fail(message, `expected a string matching ${String(pattern)}, got ${show(actual)}`);
  },

  async rejects(promise: Promise<unknown>, expected: abstract new (...args: never[]) => unknown, message?: string): Promise<void> {
    let settled: { value: unknown } | { error: unknown };
    try {
      settled = { value: await promise };
    } catch (error) {
      settled = { error };
    }
    if ('value' in settled) fail(message, `expected a rejection with ${expected.name}, but it resolved to ${show(settled.value)}`);
    if (!(settled.error instanceof expected)) fail(message, `expected a rejection with ${expected.name}, got ${show(settled.error)}`);
  },
};

export { isDeepEqual };
