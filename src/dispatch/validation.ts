/**
 * Running a Standard Schema on a call's params (before the handler) or on a result, without
 * trusting the schema: `validate()` may throw, return a promise that never settles, or return
 * something that is no result at all.
 *
 * - Failed validation of params is the caller's fault: -32602 with `data.issues`, each issue
 *   reduced to its `path` and `message` (nothing else a library puts there reaches the wire).
 * - A schema that throws or returns garbage is a server fault, like a handler that throws: it
 *   propagates unchanged and becomes a -32603 reported to `onHandlerError`.
 * - A result that fails its schema is a server fault too: `ResultValidationError`. A client that
 *   validates what comes back (`request(..., { result })`) rejects with the same class.
 */
import { JsonRpcInvalidParamsError } from '../parser/errors.js';
import { quote } from './quote.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { untilAborted } from './until-aborted.js';

/** At most this many issues are reported, so one huge invalid array cannot make a huge answer. */
export const MAX_REPORTED_ISSUES = 100;
/** Longest issue message kept (longer ones end in `…`). */
const MAX_MESSAGE_LENGTH = 500;

/** One validation issue as it is sent: where (`path`, property names and array indexes) and what. */
export interface ValidationIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** A value failed its result schema: a handler's result (server side) or a response's (client side). */
export class ResultValidationError extends Error {
  override readonly name = 'ResultValidationError';
  constructor(
    /** The method whose result it was. */
    readonly method: string,
    /** What the schema found, reduced as for -32602 (at most `MAX_REPORTED_ISSUES`). */
    readonly issues: readonly ValidationIssue[],
  ) {
    super(`The result of ${quote(method)} does not match its schema: ${summary(issues)}`);
  }
}

/**
 * Validates `value` with `schema` and gives its output to `then`: returns what `then` returns when
 * the schema is synchronous (so a synchronous call stays free of promises), else a promise of it.
 * `onIssues` makes the error thrown for failed validation. `signal` is read only for an
 * asynchronous validation: it bounds the wait (-32800 when it aborts), so a validator that never
 * settles does not hold its call past cancellation or close.
 */
export function validate(
  schema: StandardSchemaV1,
  value: unknown,
  onIssues: (issues: ValidationIssue[]) => Error,
  signal: () => AbortSignal,
  then: (output: unknown) => unknown,
): unknown {
  const outcome: unknown = schema['~standard'].validate(value);
  if (!isThenable(outcome)) return then(outcomeValue(outcome, onIssues));
  return untilAborted(Promise.resolve(outcome), signal()).then((settled) => then(outcomeValue(settled, onIssues)));
}

/**
 * The client side of a `result` schema: `answer`'s value once it passed `schema` (the schema's
 * output, so its transforms apply), else a rejection with `ResultValidationError`. An asynchronous
 * schema is bounded by the request's `signal`, if it has one.
 */
export function validatedAnswer(
  method: string,
  schema: StandardSchemaV1,
  answer: Promise<unknown>,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const check = (value: unknown): unknown =>
    validate(
      schema,
      value,
      (issues) => new ResultValidationError(method, issues),
      () => signal ?? new AbortController().signal,
      (output) => output,
    );
  return answer.then(check);
}

/** The -32602 for params that failed `method`'s schema. */
export function invalidParamsError(method: string, issues: ValidationIssue[]): JsonRpcInvalidParamsError {
  return new JsonRpcInvalidParamsError(undefined, {
    reason: `The params of ${quote(method)} do not match its schema: ${summary(issues)}`,
    issues,
  });
}

function outcomeValue(outcome: unknown, onIssues: (issues: ValidationIssue[]) => Error): unknown {
  if (typeof outcome !== 'object' || outcome === null) {
    throw new TypeError(`A schema's validate() returned ${outcome === null ? 'null' : typeof outcome}, not a result`);
  }
  const { issues } = outcome as { issues?: unknown };
  if (issues === undefined || issues === null || issues === false) return (outcome as { value?: unknown }).value;
  if (!Array.isArray(issues)) throw new TypeError("A schema's validate() returned issues that are not an array");
  throw onIssues(reduceIssues(issues));
}

/** Each issue's path and message only: a library's issues may carry the offending input and more. */
export function reduceIssues(issues: readonly unknown[]): ValidationIssue[] {
  const reduced: ValidationIssue[] = [];
  for (const issue of issues.slice(0, MAX_REPORTED_ISSUES)) {
    const { message, path } = (typeof issue === 'object' && issue !== null ? issue : {}) as {
      message?: unknown;
      path?: unknown;
    };
    reduced.push({ path: Array.isArray(path) ? path.map(pathKey) : [], message: shorten(String(message)) });
  }
  if (reduced.length === 0) reduced.push({ path: [], message: 'Invalid value' });
  return reduced;
}

/** A path element as JSON can carry it: a `{ key }` segment's key; numbers stay numbers. */
function pathKey(segment: unknown): string | number {
  const key: unknown = typeof segment === 'object' && segment !== null ? (segment as { key?: unknown }).key : segment;
  if (typeof key === 'number' && Number.isFinite(key)) return key;
  if (typeof key === 'symbol') return key.description ?? 'Symbol()';
  return shorten(String(key));
}

function summary(issues: readonly ValidationIssue[]): string {
  const first = issues[0];
  if (first === undefined) return 'invalid';
  const where = first.path.length === 0 ? '' : `at ${first.path.join('.')}: `;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${where}${first.message}${more}`;
}

function shorten(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
