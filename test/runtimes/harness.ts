/**
 * A test harness small enough to run anywhere (Node, Deno, Bun, a browser page or worker): the
 * behaviour suite registers its cases through `describe`/`it` (the shape of `node:test`'s, which
 * Node's own runs pass in), and `collect()` records them instead, for `runCases` to run one after
 * another and report each as a `CaseResult`, which the Node test run then checks case by case.
 */

type Body = () => void | Promise<void>;

/** `skip`: why the case does not apply here (a transport without half-close); it is reported as skipped, with the reason. */
export interface CaseOptions {
  readonly skip?: string | undefined;
}

export interface Harness {
  describe(name: string, body: () => void): void;
  it(name: string, body: Body): void;
  it(name: string, options: CaseOptions, body: Body): void;
}

export interface TestCase {
  /** The enclosing `describe` names, outermost first, joined by ' > '. */
  readonly suite: string;
  readonly name: string;
  readonly skip: string | undefined;
  readonly run: Body;
}

export interface CaseResult {
  readonly suite: string;
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed: the error's stack (or text). */
  readonly error?: string;
  /** Not run, and why. */
  readonly skipped?: string;
}

/** A harness that records what is registered through it into `cases` (registration is synchronous, as with node:test). */
export function collect(): { harness: Harness; cases: TestCase[] } {
  const cases: TestCase[] = [];
  const path: string[] = [];
  const harness: Harness = {
    describe(name, body) {
      path.push(name);
      try {
        body();
      } finally {
        path.pop();
      }
    },
    it(name: string, ...rest: [Body] | [CaseOptions, Body]) {
      const [options, run] = rest.length === 1 ? [{}, rest[0]] : rest;
      cases.push({ suite: path.join(' > '), name, skip: options.skip, run });
    },
  };
  return { harness, cases };
}

function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return error.stack?.includes(error.message) ? error.stack : `${error.name}: ${error.message}\n${error.stack ?? ''}`;
    return String(error);
  } catch {
    return '[an error that cannot be printed]';
  }
}

/**
 * Runs the cases one at a time. A case that neither resolves nor rejects within `timeoutMs` fails
 * (so one hang cannot hide the results of the others).
 */
export async function runCases(cases: readonly TestCase[], timeoutMs: number, onResult?: (result: CaseResult) => void): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const { suite, name, skip, run } of cases) {
    if (skip !== undefined) {
      const result: CaseResult = { suite, name, ok: true, skipped: skip };
      results.push(result);
      onResult?.(result);
      continue;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    let result: CaseResult;
    try {
      await Promise.race([Promise.resolve().then(run), timedOut]);
      result = { suite, name, ok: true };
    } catch (error) {
      result = { suite, name, ok: false, error: describeError(error) };
    } finally {
      clearTimeout(timer);
    }
    results.push(result);
    onResult?.(result);
  }
  return results;
}

interface ProcessLike {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}
interface RejectionEvent {
  readonly reason: unknown;
  preventDefault(): void;
}
interface EventTargetLike {
  addEventListener(type: 'unhandledrejection', listener: (event: RejectionEvent) => void): void;
  removeEventListener(type: 'unhandledrejection', listener: (event: RejectionEvent) => void): void;
}

/**
 * Starts recording unhandled rejections; the function returned stops and gives what it saw.
 * Node and Bun (and Deno) have `process.on('unhandledRejection')`; a page or worker has the
 * global `unhandledrejection` event.
 */
export function watchUnhandledRejections(): () => unknown[] {
  const seen: unknown[] = [];
  const processLike = (globalThis as { process?: Partial<ProcessLike> }).process;
  if (typeof processLike?.on === 'function' && typeof processLike.off === 'function') {
    const { on, off } = processLike as ProcessLike;
    const listener = (reason: unknown): void => void seen.push(reason);
    on.call(processLike, 'unhandledRejection', listener);
    return () => (off.call(processLike, 'unhandledRejection', listener), seen);
  }
  const target = globalThis as unknown as EventTargetLike;
  const listener = (event: RejectionEvent): void => {
    event.preventDefault();
    seen.push(event.reason);
  };
  target.addEventListener('unhandledrejection', listener);
  return () => (target.removeEventListener('unhandledrejection', listener), seen);
}
