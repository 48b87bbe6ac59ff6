/**
 * One registered method: its handler and how a call's params become the handler's arguments (a
 * declared shape and arity, or a Standard Schema), plus what `rpc.discover` tells about it.
 * `callEntry` is the one place a registered handler is called.
 */
import { JsonRpcInvalidParamsError } from '../parser/errors.js';
import type { JsonRpcParams } from '../parser/messages.js';
import type { AnyFunction } from './method-lookup.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { DeclaredError, DispatchContext, MethodOptions } from './types.js';
import { quote } from './quote.js';
import { invalidParamsError, isThenable, ResultValidationError, validate } from './validation.js';

export interface Entry {
  /** The handler, bound to the object it was registered from (if any). */
  readonly fn: AnyFunction;
  readonly shape: 'any' | 'positional' | 'named' | 'schema';
  readonly arity: number;
  readonly minArity: number;
  readonly optional: boolean;
  /** Checks the params before the handler runs (shape `'schema'`). */
  readonly paramsSchema: StandardSchemaV1 | undefined;
  /** Checks the handler's result when the dispatcher validates results. */
  readonly resultSchema: StandardSchemaV1 | undefined;
  /** For `rpc.discover` only. */
  readonly summary: string | undefined;
  readonly description: string | undefined;
  readonly errors: readonly DeclaredError[];
}

/** True for a Standard Schema v1 object (ArkType's schemas are functions, so both count). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props: unknown = (value as { '~standard'?: unknown })['~standard'];
  return typeof props === 'object' && props !== null && typeof (props as { validate?: unknown }).validate === 'function';
}

export function makeEntry(name: string, fn: AnyFunction, options: MethodOptions): Entry {
  if (typeof fn !== 'function') {
    throw new TypeError(`The handler of ${quote(name)} must be a function, got ${typeof fn}`);
  }
  const resultSchema = options.result;
  if (resultSchema !== undefined && !isStandardSchema(resultSchema)) {
    throw new TypeError(`The result schema of ${quote(name)} is not a Standard Schema (no '~standard'.validate)`);
  }
  const errors = options.errors ?? [];
  if (!Array.isArray(errors) || !errors.every(isDeclaredError)) {
    throw new TypeError(`The errors of ${quote(name)} must be an array of { code: integer, message: string, data? }`);
  }
  const shaped = (shape: Entry['shape'], arity: number, minArity: number, optional: boolean): Entry => ({
    // One object literal for every entry, so every entry has the same hidden class (the call
    // path then reads them monomorphically).
    fn,
    shape,
    arity,
    minArity,
    optional,
    paramsSchema: shape === 'schema' ? (options.params as StandardSchemaV1) : undefined,
    resultSchema,
    summary: options.summary,
    description: options.description,
    errors,
  });
  const params: unknown = options.params;
  if (isStandardSchema(params)) return shaped('schema', 0, 0, false);
  switch (options.params) {
    case undefined:
      return shaped('any', 0, 0, false);
    case 'named':
      return shaped('named', 1, 1, options.optional === true);
    case 'positional': {
      const { arity } = options;
      const minArity = options.minArity ?? arity;
      if (!Number.isInteger(arity) || arity < 0) {
        throw new RangeError(`The arity of ${quote(name)} must be a non-negative integer, got ${String(arity)}`);
      }
      if (!Number.isInteger(minArity) || minArity < 0 || minArity > arity) {
        throw new RangeError(`The minArity of ${quote(name)} must be an integer in 0..${arity}, got ${String(minArity)}`);
      }
      return shaped('positional', arity, minArity, false);
    }
    default:
      throw new TypeError(
        `Unknown params shape ${describeValue(params)} for ${quote(name)}; ` +
          `use 'positional', 'named', a Standard Schema (Zod, Valibot, ArkType, ...) or leave it out`,
      );
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : `(a ${typeof value})`;
}

function isDeclaredError(value: unknown): value is DeclaredError {
  return (
    typeof value === 'object' &&
    value !== null &&
    Number.isInteger((value as { code?: unknown }).code) &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/**
 * Calls `entry`'s handler, running its schemas (`Dispatcher.call()` calls a handler without any
 * directly): returns what it returns (a value, or a promise) and throws what it throws. A
 * synchronous schema keeps a synchronous handler synchronous.
 */
export function callChecked(
  entry: Entry,
  method: string,
  params: JsonRpcParams | undefined,
  context: DispatchContext,
  checkResult: boolean,
): unknown {
  const resultSchema = checkResult ? entry.resultSchema : undefined;
  // Read lazily: a connection makes a call's signal only when somebody asks for it.
  const signal = (): AbortSignal => context.signal;
  const run = (args: unknown[]): unknown => {
    const result: unknown = callWith(entry.fn, args);
    return resultSchema === undefined ? result : checkedResult(resultSchema, method, result, signal);
  };
  const paramsSchema = entry.paramsSchema;
  if (paramsSchema === undefined) return run(argumentsFor(entry, method, params, context));
  return validate(paramsSchema, params, (issues) => invalidParamsError(method, issues), signal, (value) =>
    run([value, context]),
  );
}

/** `result` (or the promise of it) unchanged once it passed `schema`; else a `ResultValidationError`. */
function checkedResult(schema: StandardSchemaV1, method: string, result: unknown, signal: () => AbortSignal): unknown {
  const check = (value: unknown): unknown =>
    validate(schema, value, (issues) => new ResultValidationError(method, issues), signal, () => value);
  return isThenable(result) ? Promise.resolve(result).then(check) : check(result);
}

/**
 * `fn(...args)`, with `this` undefined. Up to three arguments by a direct call, which the JIT
 * compiles to a plain call; `Reflect.apply` of an array goes through a generic builtin that copies it.
 */
export function callWith(fn: AnyFunction, args: readonly unknown[]): unknown {
  switch (args.length) {
    case 0:
      return fn();
    case 1:
      return fn(args[0]);
    case 2:
      return fn(args[0], args[1]);
    case 3:
      return fn(args[0], args[1], args[2]);
    default:
      return Reflect.apply(fn, undefined, args);
  }
}

/** The argument list for one call, or a -32602 explaining what the method takes. */
export function argumentsFor(entry: Entry, method: string, params: JsonRpcParams | undefined, context: unknown): unknown[] {
  const list = Array.isArray(params) ? (params as readonly unknown[]) : undefined;
  switch (entry.shape) {
    case 'any':
    case 'schema': // not reached: a schema's output is the one argument
      if (params === undefined) return [];
      // The params array itself: apply() copies it into the handler's arguments.
      return list !== undefined ? (list as unknown[]) : [params];
    case 'named':
      if (list !== undefined) throw invalidParams(`${quote(method)} takes named params (an object), not an array`);
      if (params === undefined && !entry.optional) {
        throw invalidParams(`${quote(method)} takes named params (an object), and none were sent`);
      }
      return [params, context];
    case 'positional': {
      if (params !== undefined && list === undefined) {
        throw invalidParams(`${quote(method)} takes positional params (an array), not an object`);
      }
      const count = list === undefined ? 0 : list.length;
      if (count < entry.minArity || count > entry.arity) {
        const takes = entry.minArity === entry.arity ? `${entry.arity}` : `${entry.minArity} to ${entry.arity}`;
        throw invalidParams(`${quote(method)} takes ${takes} positional params, got ${count}`);
      }
      // Padded so that the context is always argument number `arity`, whatever the caller sent.
      const args = new Array<unknown>(entry.arity + 1).fill(undefined);
      for (let i = 0; i < count; i++) args[i] = (list as readonly unknown[])[i];
      args[entry.arity] = context;
      return args;
    }
  }
}

function invalidParams(reason: string): JsonRpcInvalidParamsError {
  return new JsonRpcInvalidParamsError(undefined, { reason });
}
