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
import { JsonRpcMethodNotFoundError } from '../parser/errors.js';
import type { JsonRpcParams } from '../parser/messages.js';
import { declarationOf } from './decorators.js';
import { checkInfo, DISCOVER_METHOD, openRpcDocument, type DiscoveryOptions, type OpenRpcInfo } from './discovery.js';
import { argumentsFor, callChecked, callWith, makeEntry, type Entry } from './entry.js';
import { collectMethods, namedMethods, type AnyClass, type AnyFunction } from './method-lookup.js';
import { runMiddleware, type Middleware } from './middleware.js';
import { quote } from './quote.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type {
  DispatchContext,
  ParamsSchemaFor,
  SchemaHandler,
  SchemaMethodOptions,
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

/** Options of `new Dispatcher(mapping, options)`. */
export interface DispatcherOptions {
  /**
   * Check every result that has a `result` schema before it is sent: one that fails is answered
   * -32603 and reported to `onHandlerError` as a `ResultValidationError`. Default false (the
   * schemas then only describe results, for `rpc.discover`): turn it on in development and tests.
   */
  validateResults?: boolean;
}

/** Handlers for some of `M`'s methods, as `new Dispatcher(mapping)` takes them. */
export type HandlerMapping<M> = { [K in keyof M]?: PlainHandler<M, K> };

/** Names beginning with this are reserved by the specification for rpc-internal methods. */
export const RESERVED_PREFIX = 'rpc.';

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
   * Replaced, never mutated, by `use()`: a call runs the chain it started with. Stored as
   * `Middleware<never>` (every `Middleware<C>` is one) so that `C` stays out of the class's private
   * members, where it would stop `Dispatcher<M, ConnectionContext>` from converting to
   * `Dispatcher<M, DispatchContext>`.
   */
  private middleware: readonly Middleware<never>[] = [];
  private readonly validateResults: boolean;

  /**
   * `mapping` is registered as by `addMethods(mapping)`: a plain object's own enumerable functions,
   * or a class instance's methods of its own class declarations (see `addMethods`). `M` is never
   * inferred from `mapping`: without a type argument the dispatcher is untyped (`UntypedMethods`).
   */
  constructor(mapping?: HandlerMapping<NoInfer<M>>, options: DispatcherOptions = {}) {
    this.validateResults = options.validateResults === true;
    if (mapping !== undefined) this.addMethods(mapping);
  }

  /**
   * Registers `handler` under `name`. Without options the handler gets the params and no context
   * (arrays spread, an object as one argument, nothing checked). With `{ params: 'positional',
   * arity }` or `{ params: 'named' }` the params are checked (-32602 if they do not fit) and the
   * context follows them. With `{ params: schema }` (any Standard Schema) the params are validated
   * first (-32602 with `data.issues`) and the handler gets the schema's output, then the context;
   * its parameter types are inferred from the schema. Throws if `name` is taken (call `remove()`
   * first) or begins with `rpc.` without `allowReserved`.
   */
  add<
    K extends keyof M & string,
    P extends ParamsSchemaFor<M, K>,
    R extends StandardSchemaV1 | undefined = undefined,
  >(name: K, handler: SchemaHandler<M, K, C, P, R>, options: SchemaMethodOptions<P, NonNullable<R>> & { result?: R }): this;
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

  /**
   * Registers the methods of `service` marked with `@method()`, each with the name and options of
   * its decorator (plus `prefix`). Methods are found by `addMethods()`'s rule (its own class
   * declarations, nearest first), so an undecorated override in a subclass hides a decorated
   * base method. Throws, registering nothing, if a name is taken or no method is decorated.
   */
  addService(service: object, options: { prefix?: string } = {}): this {
    const prefix = options.prefix ?? '';
    const entries = new Map<string, Entry>();
    for (const fn of collectMethods(service).values()) {
      const declaration = declarationOf(fn);
      if (declaration === undefined) continue;
      const name = prefix + declaration.name;
      this.checkName(name, declaration.options.allowReserved === true);
      if (entries.has(name)) throw new Error(`addService(): two methods are served as ${quote(name)}`);
      entries.set(name, makeEntry(name, fn.bind(service) as AnyFunction, declaration.options));
    }
    if (entries.size === 0) {
      throw new TypeError('addService() found no methods decorated with @method() on the object given');
    }
    for (const [name, entry] of entries) this.methods.set(name, entry);
    return this;
  }

  /**
   * Serves `rpc.discover`: an OpenRPC 1.3 document describing every method registered (at the time
   * of each call), with `info` (title and version required). Opt-in, since it tells any caller
   * what the server offers. Throws if `rpc.discover` is already registered.
   */
  enableDiscovery(info: OpenRpcInfo, options: DiscoveryOptions = {}): this {
    const checked = checkInfo(info);
    const handler = (): unknown => openRpcDocument(checked, this.methods, options);
    this.checkName(DISCOVER_METHOD, true);
    this.methods.set(DISCOVER_METHOD, makeEntry(DISCOVER_METHOD, handler, {}));
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
    if (this.middleware.length !== 0) return this.callThroughMiddleware(method, params, context);
    const entry = this.methods.get(method);
    if (entry === undefined) return this.unregistered(method, params, context);
    if (entry.paramsSchema !== undefined || (entry.resultSchema !== undefined && this.validateResults)) {
      return callChecked(entry, method, params, context, this.validateResults);
    }
    return callWith(entry.fn, argumentsFor(entry, method, params, context));
  }

  /**
   * Adds a middleware around every incoming call (see `Middleware`): the first added is the
   * outermost. Calls already running keep the chain they started with. With none added, `call()`
   * does exactly what it did without middleware support, at the same cost.
   */
  use(middleware: Middleware<C>): this {
    if (typeof middleware !== 'function') throw new TypeError(`use() takes a function, got ${typeof middleware}`);
    this.middleware = [...this.middleware, middleware];
    return this;
  }

  /**
   * `call()` with middleware. Its own method because the closure it makes would otherwise cost
   * `call()` a context allocation on every call, middleware or not.
   */
  private callThroughMiddleware(method: string, params: JsonRpcParams | undefined, context: C): Promise<unknown> {
    const innermost = (m: string, p: JsonRpcParams | undefined, c: C): unknown => {
      const entry = this.methods.get(m);
      if (entry === undefined) return this.unregistered(m, p, c);
      return callChecked(entry, m, p, c, this.validateResults);
    };
    return runMiddleware(this.middleware as readonly Middleware<C>[], innermost, method, params, context);
  }

  /** The fallback's answer for an unregistered `method`, or -32601. */
  private unregistered(method: string, params: JsonRpcParams | undefined, context: C): unknown {
    if (this.fallbackHandler !== undefined) return this.fallbackHandler(method, params, context);
    throw new JsonRpcMethodNotFoundError(undefined, { reason: `Method ${quote(method)} is not registered` });
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
