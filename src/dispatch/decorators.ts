/**
 * `@method()`: a standard (TC39) method decorator that marks a class's methods to be served, read
 * by `dispatcher.addService(instance)`, as Python json-rpc's `@dispatcher.add_method` does.
 *
 * ```ts
 * class Bank {
 *   @method() balance(account: string) { ... }
 *   @method('bank.move', { params: z.object({ from: z.string(), to: z.string(), amount: z.number() }) })
 *   move({ from, to, amount }: { from: string; to: string; amount: number }) { ... }
 * }
 * new Dispatcher().addService(new Bank());
 * ```
 *
 * The options are `add()`'s. The marks live in a WeakMap keyed by the method's function, not in
 * `Symbol.metadata` (which Node 20 does not have). Misuse is an error when the class is defined:
 * on a field, getter, setter, accessor, class, static or private method, twice on one method, or
 * with options `add()` would refuse.
 */
import { makeEntry } from './entry.js';
import type { AnyFunction } from './method-lookup.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { MethodOptions, SchemaMethodOptions } from './types.js';

interface Declaration {
  /** The name it is served under (before `addService`'s prefix). */
  readonly name: string;
  readonly options: MethodOptions;
}

const declarations = new WeakMap<AnyFunction, Declaration>();

/** What `@method(...)` returns: a decorator for a method taking `Args`. */
export type MethodDecorator<Args extends readonly unknown[]> = <This, T extends (this: This, ...args: Args) => unknown>(
  target: T,
  context: ClassMethodDecoratorContext<This, T>,
) => void;

/**
 * With a params schema the method must take the schema's output first (then the context);
 * a method that takes something else does not compile.
 */
export function method<P extends StandardSchemaV1>(
  options: SchemaMethodOptions<P>,
): MethodDecorator<[params: StandardSchemaV1.InferOutput<P>, context: never]>;
export function method<P extends StandardSchemaV1>(
  name: string,
  options: SchemaMethodOptions<P>,
): MethodDecorator<[params: StandardSchemaV1.InferOutput<P>, context: never]>;
export function method(options?: MethodOptions): MethodDecorator<never[]>;
export function method(name: string, options?: MethodOptions): MethodDecorator<never[]>;
export function method(nameOrOptions?: string | MethodOptions, maybeOptions?: MethodOptions): MethodDecorator<never[]> {
  const explicitName = typeof nameOrOptions === 'string' ? nameOrOptions : undefined;
  const given: MethodOptions | undefined = typeof nameOrOptions === 'string' ? maybeOptions : nameOrOptions;
  const options: MethodOptions = given === undefined ? {} : given;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`@method() options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  return (target, decoratorContext) => {
    // Read as any decorator's context: the types allow methods only, but plain JavaScript (or a
    // cast) can put the decorator anywhere, and that must be a clear error, not a wrong service.
    const context = decoratorContext as unknown as MemberContext;
    const where = `@method() on ${describeMember(context)}`;
    const { kind } = context;
    if (kind !== 'method') throw new TypeError(`${where}: only methods can be served, not a ${kind}`);
    if (context.static === true) throw new TypeError(`${where}: static methods are not served; decorate instance methods`);
    if (context.private === true) throw new TypeError(`${where}: private methods cannot be served`);
    const name = explicitName ?? (typeof context.name === 'string' ? context.name : undefined);
    if (name === undefined) throw new TypeError(`${where}: a symbol-named method needs a name, @method('name')`);
    const fn = target as unknown as AnyFunction;
    if (declarations.has(fn)) throw new TypeError(`${where}: the method is decorated with @method() twice`);
    makeEntry(name, fn, options); // refuses bad options now, while the class is defined
    declarations.set(fn, { name, options });
  };
}

/** The `@method()` mark of `fn`, if it has one. */
export function declarationOf(fn: AnyFunction): Declaration | undefined {
  return declarations.get(fn);
}

interface MemberContext {
  readonly kind: string;
  readonly name: string | symbol | undefined;
  readonly static?: boolean;
  readonly private?: boolean;
}

function describeMember(context: MemberContext): string {
  const name = context.name;
  return name === undefined ? 'a class' : typeof name === 'symbol' ? String(name) : `'${name}'`;
}
