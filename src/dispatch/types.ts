/**
 * Types shared by the dispatcher, `handle()` and the connection layer.
 *
 * A *method table* describes the methods a server offers as the caller sees them, one function
 * signature per method, written without any context argument:
 *
 * ```ts
 * interface Methods {
 *   add(a: number, b: number): number;            // called with "params": [1, 2]
 *   greet(p: { name: string }): Promise<string>;   // called with "params": {"name": "Ada"}
 *   ping(): void;                                  // called with no params
 * }
 * const dispatcher = new Dispatcher<Methods>();
 * ```
 *
 * `MethodParams<Methods, 'add'>` is what a caller sends (`readonly [number, number]`), and
 * `MethodResult<Methods, 'greet'>` what it gets back (`string`): a typed `request()` reuses them.
 */
import type { JsonRpcId } from '../parser/messages.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** Any function, as a member of a method table. `never[]` parameters accept every signature. */
export type MethodSignature = (...args: never[]) => unknown;

/**
 * The constraint on a method table `T`: every member is a function. Written as a mapped type over
 * `T` itself (use it as `M extends MethodTable<M>`) so that interfaces qualify too, not only type
 * aliases (interfaces have no implicit index signature).
 */
export type MethodTable<T> = { [K in keyof T]: MethodSignature };

/**
 * A function type checked bivariantly in its parameters (a method's parameters are, a function
 * property's are not). Lets an untyped dispatcher accept `(a: number, b: number) => a + b` while
 * unannotated parameters default to `unknown`.
 */
type Bivariant<Args extends readonly unknown[], R> = { bivarianceHack(...args: Args): R }['bivarianceHack'];

/** A handler of an untyped dispatcher: any parameters (unannotated ones are `unknown`). */
export type UntypedHandler = Bivariant<unknown[], unknown>;

/**
 * The method table of `new Dispatcher()` without a type argument: any name, any handler. Handler
 * parameters are `unknown` unless annotated; nothing checks the wire values against annotations, so
 * validate them (or declare `arity`) in the handler.
 */
export interface UntypedMethods {
  [name: string]: UntypedHandler;
}

/** True when `M` is an untyped table (it has a string index signature). */
export type IsUntyped<M> = string extends keyof M ? true : false;

type Awaitable<T> = T | PromiseLike<T>;

/**
 * The context a handler receives when its registration declares a params shape (see
 * `MethodOptions`). The connection layer extends it:
 *
 * ```ts
 * interface ConnectionContext extends DispatchContext {
 *   notify(method: string, params?: JsonRpcParams): void;
 * }
 * const dispatcher = new Dispatcher<Methods, ConnectionContext>();
 * ```
 */
export interface DispatchContext {
  /** The request's id (`null` is a real id); `undefined` for a notification, which gets no response. */
  readonly id: JsonRpcId | undefined;
  /** The method name as the caller sent it (with any prefix it was registered under). */
  readonly method: string;
  /**
   * Aborted when the caller of `handle()`/`invoke()` gives up on this call (its `signal` aborted:
   * shutdown, `$/cancelRequest`, ...). Long handlers should pass it on to fetch(), streams, etc.
   */
  readonly signal: AbortSignal;
}

// ---- what a caller sends and gets back -----------------------------------------------------------

type IsNamedArg<A> = [A] extends [readonly unknown[]]
  ? false
  : [A] extends [MethodSignature]
    ? false
    : [A] extends [object]
      ? true
      : false;

/** The params value for a parameter list `P` (see `MethodParams`). */
export type ParamsFor<P extends readonly unknown[]> = number extends P['length']
  ? Readonly<P> // a rest parameter: positional
  : P extends readonly []
    ? readonly []
    : P extends readonly [infer A]
      ? IsNamedArg<A> extends true
        ? A
        : Readonly<P>
      : P extends readonly [(infer A)?]
        ? IsNamedArg<NonNullable<A>> extends true
          ? A | undefined
          : Readonly<P>
        : Readonly<P>;

/**
 * The `params` a caller sends to method `K` of table `T`: the object for a method whose only
 * parameter is a (non-array) object, else the tuple of its positional parameters. A method with
 * no parameters gives `readonly []` (a typed `request()` may then leave params out).
 *
 * This matches how handlers registered without options or with `{ params: 'named' }` read params.
 * A one-object method registered with `{ params: 'positional', arity: 1 }` would need `[object]`
 * instead, which this type does not express: register such methods as `'named'`.
 */
export type MethodParams<T, K extends keyof T> = T[K] extends (...args: infer P) => unknown ? ParamsFor<P> : never;

/** What a successful call to method `K` of table `T` resolves to (promises unwrapped). */
export type MethodResult<T, K extends keyof T> = T[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

// ---- handlers as registered -----------------------------------------------------------------------

type ArgsOf<F> = F extends (...args: infer P) => unknown ? P : never;
type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaitable<Awaited<R>> : never;

/** A handler registered without options: gets exactly the method's parameters, no context. */
export type PlainHandler<M, K extends keyof M> =
  IsUntyped<M> extends true ? UntypedHandler : (...args: ArgsOf<M[K]>) => ResultOf<M[K]>;

/**
 * A handler registered with `{ params: 'positional', arity }`: the method's parameters, padded with
 * `undefined` to `arity`, then the context. In an untyped dispatcher annotate the context
 * parameter yourself (`ctx: DispatchContext`).
 */
export type PositionalContextHandler<M, K extends keyof M, C> =
  IsUntyped<M> extends true ? UntypedHandler : (...args: [...ArgsOf<M[K]>, C]) => ResultOf<M[K]>;

/** A handler registered with `{ params: 'named' }`: the params object, then the context. */
export type NamedContextHandler<M, K extends keyof M, C> =
  IsUntyped<M> extends true
    ? Bivariant<[params: { readonly [name: string]: unknown }, context: C], unknown>
    : (params: ArgsOf<M[K]>[0], context: C) => ResultOf<M[K]>;

// ---- registration options -------------------------------------------------------------------------

/** An error a method may answer with, as `rpc.discover` lists it. */
export interface DeclaredError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

interface CommonMethodOptions {
  /**
   * Allow a name beginning with `rpc.`. The specification reserves those for rpc-internal
   * extensions, so registering one is refused unless you mean it.
   */
  allowReserved?: boolean;
  /**
   * A Standard Schema for the result: checked when the dispatcher was made with
   * `{ validateResults: true }` (a result that fails it is a -32603 reported to `onHandlerError`,
   * not a wrong answer), and described by `rpc.discover`. The handler's result is sent as it
   * returned it, never the schema's transformed output.
   */
  result?: StandardSchemaV1;
  /** For `rpc.discover`: a one-line summary and a longer description of the method. */
  summary?: string;
  description?: string;
  /** For `rpc.discover`: the application errors the method may answer with. */
  errors?: readonly DeclaredError[];
}

/**
 * No declared shape: array params are spread as positional arguments, object params are passed as
 * one argument, absent params give no arguments. No arity check (missing arguments are
 * `undefined`, extra ones are dropped, as in any JavaScript call) and no context.
 */
export interface PlainMethodOptions extends CommonMethodOptions {
  params?: undefined;
}

/**
 * Positional params (an array, or none) with a checked count. The handler is called with the
 * params padded with `undefined` to `arity`, then the context, so the context is always argument
 * number `arity` whatever the caller sent. Fewer than `minArity` or more than `arity` params, or
 * object params, are answered with -32602.
 *
 * ```ts
 * dispatcher.add('sleep', async (ms, ctx) => { ... ctx.signal ... }, { params: 'positional', arity: 1 });
 * ```
 */
export interface PositionalMethodOptions extends CommonMethodOptions {
  params: 'positional';
  /** How many positional params the method takes at most; the context comes right after them. */
  arity: number;
  /** How many are required (the rest are optional and arrive as `undefined`). Default `arity`. */
  minArity?: number;
}

/**
 * Named params: the params object, then the context. Array params are answered with -32602, and
 * so are absent params unless `optional` is true (the handler then gets `undefined`).
 *
 * ```ts
 * dispatcher.add('greet', ({ name }, ctx) => `hello ${name} (${String(ctx.id)})`, { params: 'named' });
 * ```
 */
export interface NamedMethodOptions extends CommonMethodOptions {
  params: 'named';
  optional?: boolean;
}

/**
 * Params checked by a Standard Schema (Zod 4, Valibot, ArkType, ...) before the handler runs; the
 * handler gets the schema's output, then the context. A tuple schema takes positional params (the
 * handler destructures them: `([a, b], ctx) => a + b`), an object schema named ones. Params that
 * fail it are answered -32602 with `data.issues` (each issue's `path` and `message`).
 *
 * ```ts
 * dispatcher.add('sum', ([a, b]) => a + b, { params: z.tuple([z.number(), z.number()]) });
 * ```
 */
export interface SchemaMethodOptions<P extends StandardSchemaV1 = StandardSchemaV1, R extends StandardSchemaV1 = StandardSchemaV1>
  extends CommonMethodOptions {
  params: P;
  result?: R;
}

export type MethodOptions = PlainMethodOptions | PositionalMethodOptions | NamedMethodOptions | SchemaMethodOptions;

/** The schema `add()` accepts for method `K`: any in an untyped table, else one whose output fits `K`'s params. */
export type ParamsSchemaFor<M, K extends keyof M> =
  IsUntyped<M> extends true ? StandardSchemaV1 : StandardSchemaV1<unknown, MethodParams<M, K>>;

/**
 * A handler registered with a params schema: the schema's output, then the context. Its result is
 * the method table's, or in an untyped dispatcher what the result schema accepts (if one is given).
 */
export type SchemaHandler<M, K extends keyof M, C, P extends StandardSchemaV1, R> = (
  params: StandardSchemaV1.InferOutput<P>,
  context: C,
) => IsUntyped<M> extends true
  ? [R] extends [StandardSchemaV1]
    ? Awaitable<StandardSchemaV1.InferInput<R>>
    : unknown
  : ResultOf<M[K]>;
