/**
 * The method registry and the one way handlers are called (`invoke`), shared by `handle()` (text in,
 * text out) and the connection layer (messages in, results out).
 *
 * ```ts
 * interface Methods {
 *   subtract(minuend: number, subtrahend: number): number;
 *   greet(p: { name: string }): string;
 *   sleep(ms: number): Promise<void>;
 * }
 * const dispatcher = new Dispatcher<Methods>()
 *   .add('subtract', (a, b) => a - b)                                   // no context
 *   .add('greet', ({ name }, ctx) => `hi ${name}, you are request ${String(ctx.id)}`, { params: 'named' })
 *   .add('sleep', (ms, ctx) => wait(ms, ctx.signal), { params: 'positional', arity: 1 });
 * ```
 *
 * Names are looked up in a `Map`, so only registered names exist: `constructor`, `__proto__` or
 * `toString` are "Method not found" unless registered. Params are passed as parsed, never merged
 * into another object, so `{"__proto__": ...}` in params cannot reach `Object.prototype`.
 */
import {
  JsonRpcInvalidParamsError,
  JsonRpcMethodNotFoundError,
  JsonRpcRequestCancelledError,
} from '../parser/errors.js';
import type { JsonRpcParams } from '../parser/messages.js';
import { collectMethods, namedMethods, type AnyClass, type AnyFunction } from './method-lookup.js';
import type {
  DispatchContext,
  MethodOptions,
  MethodTable,
  NamedContextHandler,
  NamedMethodOptions,
  PlainHandler,
  PlainMethodOptions,
  PositionalContextHandler,
  PositionalMethodOptions,
  UntypedHandler,
  UntypedMethods,
} from './types.js';

/** Options of `addMethods()`. */
export interface AddMethodsOptions {
  /** Prepended to every name, e.g. `'math.'` registers `add` as `math.add`. */
  prefix?: string;
  /** Allow names beginning with `rpc.` (see `MethodOptions`). */
  allowReserved?: boolean;
  /**
   * Registers exactly these methods of `source` instead of collecting them: each must be a
   * function-valued data property found on `source` or its prototype chain (a built-in's method
   * too, since it was named), else nothing is registered and this throws.
   */
  methods?: readonly string[];
  /**
   * Base classes (a library's, written with `class`) whose methods, and their bases', are not
   * collected. Built-in classes and constructors that are not `class` declarations end the
   * collection anyway (see `addMethods`).
   */
  stopAt?: AnyClass | readonly AnyClass[];
}

/** Handlers for some of `M`'s methods, as `new Dispatcher(mapping)` takes them. */
export type HandlerMapping<M> = { [K in keyof M]?: PlainHandler<M, K> };

interface Entry {
  /** The handler, bound to the object it was registered from (if any). */
  readonly fn: AnyFunction;
  readonly shape: 'any' | 'positional' | 'named';
  readonly arity: number;
  readonly minArity: number;
  readonly optional: boolean;
}

/** Names beginning with this are reserved by the specification for rpc-internal methods. */
export const RESERVED_PREFIX = 'rpc.';

/** Longest method name quoted back in an error's `data`, so a huge name is not echoed in full. */
const MAX_QUOTED_NAME = 100;

/** Answers every method that is not registered (see `Dispatcher.fallback`). */
export type FallbackHandler<C extends DispatchContext = DispatchContext> = (
  method: string,
  params: JsonRpcParams | undefined,
  context: C,
) => unknown;

export class Dispatcher<M extends MethodTable<M> = UntypedMethods, C extends DispatchContext = DispatchContext> {
  private readonly methods = new Map<string, Entry>();
  private fallbackHandler: FallbackHandler<C> | undefined;

  /**
   * `mapping` is registered as by `addMethods(mapping)`: a plain object's own enumerable functions,
   * or a class instance's methods of its own class declarations (see `addMethods`). `M` is never
   * inferred from `mapping`: without a type argument the dispatcher is untyped (`UntypedMethods`).
   */
  constructor(mapping?: HandlerMapping<NoInfer<M>>) {
    if (mapping !== undefined) this.addMethods(mapping);
  }

  /**
   * Registers `handler` under `name`. Without options the handler gets the params and no context
   * (arrays spread, an object as one argument, nothing checked). With `{ params: 'positional',
   * arity }` or `{ params: 'named' }` the params are checked (-32602 if they do not fit) and the
   * context follows them. Throws if `name` is taken (call `remove()` first) or begins with `rpc.`
   * without `allowReserved`.
   */
  add<K extends keyof M & string>(
    name: K,
    handler: PositionalContextHandler<M, K, C>,
    options: PositionalMethodOptions,
  ): this;
  add<K extends keyof M & string>(name: K, handler: NamedContextHandler<M, K, C>, options: NamedMethodOptions): this;
  add<K extends keyof M & string>(name: K, handler: PlainHandler<M, K>, options?: PlainMethodOptions): this;
  add(name: string, handler: (...args: never[]) => unknown, options: MethodOptions = {}): this {
    const entry = makeEntry(name, handler as AnyFunction, options);
    this.checkName(name, options.allowReserved === true);
    this.methods.set(name, entry);
    return this;
  }

  /**
   * Registers the methods of `source`, and only those somebody wrote to be served:
   * - a plain object (or one with a null prototype): its own enumerable function-valued properties;
   * - a class instance: its own enumerable function-valued properties (arrow-function fields), then
   *   the methods of its class and of each base class, nearest first, up to (not including) the
   *   first base that is a built-in (`Object`, `Map`, `Array`, `Error`, `Promise`, `EventTarget`,
   *   any class the runtime provides as a global), a constructor not declared with `class`
   *   (`EventEmitter`, Node streams, ES5-style functions), or one listed in `stopAt`;
   * - a class itself: its static methods, and those of its base classes by the same rule.
   * Accessors are never called nor registered, nor are symbol-keyed members or a class's
   * `constructor`; a name found once hides the same name further up. `methods: [...]` registers
   * exactly the names listed instead. Each is bound to `source` and registered without options (no
   * context, no arity check); use `add()` for those. All names are checked before any is
   * registered, so a clash registers nothing.
   */
  addMethods(source: object, options: AddMethodsOptions = {}): this {
    const prefix = options.prefix ?? '';
    const found =
      options.methods !== undefined ? namedMethods(source, options.methods) : collectMethods(source, options.stopAt);
    const entries: [string, Entry][] = [];
    for (const [key, fn] of found) {
      const name = prefix + key;
      this.checkName(name, options.allowReserved === true);
      entries.push([name, makeEntry(name, fn.bind(source) as AnyFunction, {})]);
    }
    for (const [name, entry] of entries) this.methods.set(name, entry);
    return this;
  }

  has(name: string): boolean {
    return this.methods.has(name);
  }

  /** The handler registered under `name` (bound to its source object), or undefined. */
  get(name: string): UntypedHandler | undefined {
    return this.methods.get(name)?.fn;
  }

  /** Unregisters `name`; true if it was registered. */
  remove(name: string): boolean {
    return this.methods.delete(name);
  }

  /**
   * Sets (or with `undefined` removes) the handler for every method that is not registered: a
   * proxy, a logger, a client that answers whatever a language server asks. It gets the method
   * name, the raw params and the context, and may throw `JsonRpcMethodNotFoundError` to decline.
   * Without one, unregistered methods are -32601. Lookup still never reaches `Object.prototype`:
   * `"constructor"` goes to the fallback like any other unregistered name.
   */
  fallback(handler: FallbackHandler<C> | undefined): this {
    if (handler !== undefined && typeof handler !== 'function') {
      throw new TypeError(`The fallback handler must be a function, got ${typeof handler}`);
    }
    this.fallbackHandler = handler;
    return this;
  }

  /** The registered names, in registration order. */
  names(): string[] {
    return [...this.methods.keys()];
  }

  /**
   * Calls the handler of `method` with `params` and `context`, for `handle()` and other callers
   * that want one promise. Resolves with the handler's (awaited) result. Rejects with:
   * - `JsonRpcMethodNotFoundError` (-32601) if `method` is not registered;
   * - `JsonRpcInvalidParamsError` (-32602) if the params do not fit the declared shape/arity;
   * - whatever the handler threw, unchanged (map it with `toJsonRpcException` before sending).
   *
   * A synchronous throw is delivered as a rejection too. The result is not checked for JSON-ness.
   * `context.signal` is not read here: a caller whose call was cancelled before it started answers
   * -32800 itself (reading it would make a connection's lazily created signal exist for every call).
   */
  async invoke(method: string, params: JsonRpcParams | undefined, context: C): Promise<unknown> {
    return await this.call(method, params, context);
  }

  /**
   * `invoke()` without the promise: returns whatever the handler returns (a value, or a promise for
   * an async handler) and throws what it throws, including the -32601 and -32602 errors above.
   * The connection layer uses it so that a synchronous handler is answered without a promise, a
   * microtask or a pending-request entry (a third of the serving cost of a small request).
   */
  call(method: string, params: JsonRpcParams | undefined, context: C): unknown {
    const entry = this.methods.get(method);
    if (entry === undefined) {
      if (this.fallbackHandler !== undefined) return this.fallbackHandler(method, params, context);
      throw new JsonRpcMethodNotFoundError(undefined, { reason: `Method ${quote(method)} is not registered` });
    }
    return Reflect.apply(entry.fn, undefined, argumentsFor(entry, method, params, context));
  }

  private checkName(name: string, allowReserved: boolean): void {
    if (typeof name !== 'string') throw new TypeError(`A method name must be a string, got ${typeof name}`);
    if (name.startsWith(RESERVED_PREFIX) && !allowReserved) {
      throw new Error(
        `Method names beginning with "rpc." are reserved by JSON-RPC 2.0 for rpc-internal methods; ` +
          `pass { allowReserved: true } to register ${quote(name)} anyway`,
      );
    }
    if (this.methods.has(name)) {
      throw new Error(`Method ${quote(name)} is already registered; call remove(${quote(name)}) first to replace it`);
    }
  }
}

function makeEntry(name: string, fn: AnyFunction, options: MethodOptions): Entry {
  if (typeof fn !== 'function') {
    throw new TypeError(`The handler of ${quote(name)} must be a function, got ${typeof fn}`);
  }
  switch (options.params) {
    case undefined:
      return { fn, shape: 'any', arity: 0, minArity: 0, optional: false };
    case 'named':
      return { fn, shape: 'named', arity: 1, minArity: 1, optional: options.optional === true };
    case 'positional': {
      const { arity } = options;
      const minArity = options.minArity ?? arity;
      if (!Number.isInteger(arity) || arity < 0) {
        throw new RangeError(`The arity of ${quote(name)} must be a non-negative integer, got ${String(arity)}`);
      }
      if (!Number.isInteger(minArity) || minArity < 0 || minArity > arity) {
        throw new RangeError(`The minArity of ${quote(name)} must be an integer in 0..${arity}, got ${String(minArity)}`);
      }
      return { fn, shape: 'positional', arity, minArity, optional: false };
    }
    default:
      throw new TypeError(
        `Unknown params shape ${JSON.stringify((options as { params: unknown }).params)} for ${quote(name)}; ` +
          `use 'positional', 'named' or leave it out`,
      );
  }
}

/** The argument list for one call, or a -32602 explaining what the method takes. */
function argumentsFor(entry: Entry, method: string, params: JsonRpcParams | undefined, context: unknown): unknown[] {
  const list = Array.isArray(params) ? (params as readonly unknown[]) : undefined;
  switch (entry.shape) {
    case 'any':
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

function quote(name: string): string {
  const shown = name.length > MAX_QUOTED_NAME ? `${name.slice(0, MAX_QUOTED_NAME)}…` : name;
  return `'${shown}'`;
}
