/**
 * Which members of an object `addMethods()` (and `new Dispatcher(object)`) serve: only what
 * somebody wrote to be called remotely. A plain object gives its own enumerable functions; a class
 * instance the methods of its own class declarations, never those of a built-in or library base
 * class (`removeAllListeners` of an EventEmitter, `clear` of a Map). Getters are never called.
 */

export type AnyFunction = (...args: unknown[]) => unknown;

/** Any constructor, as `stopAt` takes it. */
export type AnyClass = abstract new (...args: never[]) => unknown;

function checkSource(source: object): void {
  if ((typeof source !== 'object' && typeof source !== 'function') || source === null) {
    throw new TypeError(`addMethods() takes an object, got ${source === null ? 'null' : typeof source}`);
  }
}

function stopList(stopAt: AnyClass | readonly AnyClass[] | undefined): ReadonlySet<unknown> {
  if (stopAt === undefined) return new Set();
  const list: readonly unknown[] = Array.isArray(stopAt) ? stopAt : [stopAt];
  for (const cls of list) {
    if (typeof cls !== 'function') throw new TypeError(`addMethods(): stopAt takes classes, got ${typeof cls}`);
  }
  return new Set(list);
}

/**
 * The methods of `source` by the rule `addMethods` documents: the own enumerable functions of
 * `source` (all its own functions if it is itself a user class), then the own functions of each
 * prototype that belongs to a user class, nearest first.
 */
export function collectMethods(source: object, stopAtOption?: AnyClass | readonly AnyClass[]): Map<string, AnyFunction> {
  checkSource(source);
  const stopAt = stopList(stopAtOption);
  const found = new Map<string, AnyFunction>();
  const seen = new Set<string>();
  const take = (layer: object, keys: readonly string[], isPrototype: boolean): void => {
    for (const key of keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      // A class's own `constructor` is not a method; a mapping's explicit `constructor` member is.
      if (isPrototype && key === 'constructor') continue;
      const value: unknown = Object.getOwnPropertyDescriptor(layer, key)?.value; // never a getter's
      if (typeof value === 'function') found.set(key, value as AnyFunction);
    }
  };
  take(source, userClassOf(source, stopAt) === source ? Object.getOwnPropertyNames(source) : Object.keys(source), false);
  for (
    let layer = Object.getPrototypeOf(source) as object | null;
    layer !== null && userClassOf(layer, stopAt) !== undefined;
    layer = Object.getPrototypeOf(layer) as object | null
  ) {
    take(layer, Object.getOwnPropertyNames(layer), typeof layer !== 'function');
  }
  return found;
}

/**
 * The user class that `layer` is (a class, for its statics) or is the prototype of, or undefined
 * when it is not one: a built-in, a global class of the runtime, a constructor that is not a
 * `class` declaration, a class in `stopAt`, or an object that is no class's prototype.
 */
function userClassOf(layer: object, stopAt: ReadonlySet<unknown>): AnyFunction | undefined {
  const candidate: unknown =
    typeof layer === 'function' ? layer : Object.getOwnPropertyDescriptor(layer, 'constructor')?.value;
  if (typeof candidate !== 'function' || stopAt.has(candidate)) return undefined;
  if (typeof layer !== 'function' && Object.getOwnPropertyDescriptor(candidate, 'prototype')?.value !== layer) {
    return undefined;
  }
  // Built-ins print as `function Map() { [native code] }`; EventEmitter and other ES5-style
  // constructors as `function ...`. Only a `class` declaration prints as `class ...`.
  if (!/^class\b/.test(Function.prototype.toString.call(candidate))) return undefined;
  // A runtime may write its own classes in JavaScript (EventTarget, AbortController in Node):
  // they are reachable as globals under their own name.
  const name: unknown = Object.getOwnPropertyDescriptor(candidate, 'name')?.value;
  if (typeof name === 'string' && name !== '' && (globalThis as Record<string, unknown>)[name] === candidate) return undefined;
  return candidate as AnyFunction;
}

/** The methods named in `names`, found as data properties anywhere on `source`'s prototype chain. */
export function namedMethods(source: object, names: readonly string[]): Map<string, AnyFunction> {
  checkSource(source);
  if (!Array.isArray(names)) throw new TypeError('addMethods(): methods must be an array of names');
  const found = new Map<string, AnyFunction>();
  for (const name of names) {
    if (typeof name !== 'string') throw new TypeError(`addMethods(): a method name must be a string, got ${typeof name}`);
    let descriptor: PropertyDescriptor | undefined;
    for (let layer: object | null = source; layer !== null && descriptor === undefined; layer = Object.getPrototypeOf(layer) as object | null) {
      descriptor = Object.getOwnPropertyDescriptor(layer, name);
    }
    if (typeof descriptor?.value !== 'function') {
      const what = descriptor === undefined ? 'is not a member of' : descriptor.get !== undefined ? 'is an accessor of' : 'is not a function on';
      throw new TypeError(`addMethods(): '${name}' ${what} the object given; methods lists its methods to serve`);
    }
    found.set(name, descriptor.value as AnyFunction);
  }
  return found;
}
