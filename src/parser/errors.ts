/**
 * JSON-RPC error classes.
 *
 * Every error that can cross the wire is a `JsonRpcException`: an `Error` with the three members of a
 * JSON-RPC error object (`code`, `message`, `data`). The specification's codes each have a class, and
 * applications add their own:
 *
 * ```ts
 * class InsufficientFundsError extends JsonRpcException {
 *   static readonly code = 1001;
 *   static readonly defaultMessage = 'Insufficient funds';
 * }
 * JsonRpcException.register(InsufficientFundsError);
 *
 * throw new InsufficientFundsError(undefined, { balance: 3 }); // code 1001, message 'Insufficient funds'
 * JsonRpcException.fromError({ code: 1001, message: 'x' });    // an InsufficientFundsError again
 * ```
 *
 * `toJSON()` gives the wire form: never the stack, never the `cause`.
 */

/** The `error` member of a JSON-RPC error response, as it appears on the wire. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** A class with a fixed code, as `JsonRpcException.register()` takes it. */
export interface JsonRpcExceptionClass {
  readonly code: number;
  readonly defaultMessage: string;
  readonly name: string;
  new (message?: string, data?: unknown): JsonRpcException;
}

/** Codes -32768..-32000 are reserved by the specification for pre-defined errors. */
export const RESERVED_CODE_MIN = -32768;
export const RESERVED_CODE_MAX = -32000;

export function isReservedCode(code: number): boolean {
  return code >= RESERVED_CODE_MIN && code <= RESERVED_CODE_MAX;
}

/** A registered class, with the code and name read from it once, when it was registered. */
interface Registration {
  readonly cls: JsonRpcExceptionClass;
  readonly code: number;
  readonly name: string;
}

/** Classes that `fromError()` returns, keyed by code. Filled below and by `register()`. */
const registry = new Map<number, Registration>();

/**
 * Every object the JsonRpcException constructor built. `has()` on a Proxy runs none of its traps
 * (a private class field would do the same, but would show in the declaration of every exported
 * class expression that extends JsonRpcException, which TypeScript then refuses).
 */
const genuine = new WeakSet<object>();

export class JsonRpcException extends Error {
  /** Set on subclasses that always carry one code. */
  static readonly code: number | undefined = undefined;
  static readonly defaultMessage: string = 'Error';

  /**
   * `instanceof` is true only for instances this constructor built: the library asks it of
   * whatever a handler threw, and on a Proxy the default check runs the `getPrototypeOf` trap,
   * which may throw. A Proxy (even of a real exception) or an `Object.create(X.prototype)` is not
   * an exception; for a genuine instance the usual prototype check follows.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || !genuine.has(value)) return false;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  readonly code: number;
  readonly data: unknown;

  /**
   * `new JsonRpcException(code, message, data?)` for any code, or `new MyError(message?, data?)` on a
   * subclass that declares `static code` and `static defaultMessage`.
   */
  constructor(code: number, message: string, data?: unknown);
  constructor(message?: string, data?: unknown);
  constructor(codeOrMessage?: number | string, messageOrData?: unknown, data?: unknown) {
    const cls = new.target as unknown as { code?: number; defaultMessage: string; name: string };
    let code: number;
    let message: string;
    let payload: unknown;
    if (typeof codeOrMessage === 'number') {
      code = codeOrMessage;
      message = typeof messageOrData === 'string' ? messageOrData : cls.defaultMessage;
      payload = data;
    } else {
      if (typeof cls.code !== 'number') {
        throw new TypeError(
          `${cls.name} has no static code: construct it as new ${cls.name}(code, message, data), ` +
            'or declare `static readonly code = <integer>` on the class',
        );
      }
      code = cls.code;
      message = codeOrMessage ?? cls.defaultMessage;
      payload = messageOrData;
    }
    if (!Number.isInteger(code)) {
      throw new TypeError(`A JSON-RPC error code must be an integer, got ${String(code)}`);
    }
    super(message);
    genuine.add(this);
    this.name = cls.name;
    this.code = code;
    this.data = payload;
  }

  /** The wire form: `{ code, message, data? }`. */
  toJSON(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  /**
   * Makes `fromError()` return instances of `cls` for `cls.code`. `cls` must extend
   * `JsonRpcException` and declare an integer `static code`; its code and name are read once, here.
   * Registering a second class for a code that already has one throws: silently replacing `-32601`
   * would change how every peer in the process reads errors.
   */
  static register(cls: JsonRpcExceptionClass): void {
    const registration = readRegistration(cls);
    const existing = registry.get(registration.code);
    if (existing?.cls === cls) return;
    if (existing !== undefined) {
      throw new Error(
        `Error code ${registration.code} is already registered to ${existing.name}; ` +
          `pick another code for ${registration.name} or unregister ${existing.name} first`,
      );
    }
    registry.set(registration.code, registration);
  }

  /** Removes a class registered with `register()` (tests and plug-in unloading need this). */
  static unregister(cls: JsonRpcExceptionClass): boolean {
    for (const [code, registration] of registry) {
      if (registration.cls === cls) return registry.delete(code);
    }
    return false;
  }

  /** The class `fromError()` would use for `code`, if one is registered. */
  static classFor(code: number): JsonRpcExceptionClass | undefined {
    return registry.get(code)?.cls;
  }

  /**
   * Turns a wire error object back into the most specific class: a registered class for its code,
   * else `JsonRpcReservedError` for -32768..-32000, else `JsonRpcApplicationError`. The instance
   * always carries the wire's `code`, `message` and `data`, whatever the class's constructor does
   * with its arguments. Never throws for an error object with an integer code: when a registered
   * class's constructor throws, or returns something that is not an instance of it, or leaves an
   * instance whose members cannot be set, the result is the generic class for the code, with the
   * failure as its `cause`.
   */
  static fromError(error: JsonRpcErrorObject): JsonRpcException {
    const { code, message, data } = error;
    const registration = registry.get(code);
    let failure: unknown;
    if (registration !== undefined) {
      try {
        const made: unknown = new registration.cls(message, data);
        if (!(made instanceof registration.cls)) {
          throw new TypeError(`${registration.name}'s constructor returned something that is not a ${registration.name}`);
        }
        if (carryWireMembers(made, code, message, data)) return made;
        throw new TypeError(`${registration.name}'s constructor left an instance whose code, message or data cannot be set`);
      } catch (err) {
        failure = err;
      }
    }
    const generic = isReservedCode(code)
      ? new JsonRpcReservedError(code, message, data)
      : new JsonRpcApplicationError(code, message, data);
    if (registration !== undefined) {
      Object.defineProperty(generic, 'cause', { value: failure, writable: true, configurable: true, enumerable: false });
    }
    return generic;
  }
}

/** Reads `cls`'s code and name once, refusing (with a clear error) a class that cannot be registered. */
function readRegistration(cls: JsonRpcExceptionClass): Registration {
  let code: unknown;
  let name: string;
  let extendsBase: boolean;
  try {
    code = cls.code;
    name = String(cls.name);
    extendsBase = typeof cls === 'function' && JsonRpcException.prototype.isPrototypeOf(cls.prototype);
  } catch (err) {
    throw new TypeError('JsonRpcException.register() could not read the code and name of the class given', { cause: err });
  }
  if (!extendsBase) throw new TypeError(`${name} must extend JsonRpcException to be registered`);
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    throw new TypeError(`${name} must declare an integer \`static readonly code\` to be registered`);
  }
  return { cls, code, name };
}

/**
 * Gives `instance` the wire's members, whatever its constructor did with its arguments (a class
 * written as `constructor(data) { super(...) }` gets the message as `data`). Defining the
 * properties runs no setter; it fails (false) on an instance that froze them.
 */
function carryWireMembers(instance: JsonRpcException, code: number, message: string, data: unknown): boolean {
  return (
    Reflect.defineProperty(instance, 'code', { value: code, writable: true, enumerable: true, configurable: true }) &&
    Reflect.defineProperty(instance, 'message', { value: message, writable: true, enumerable: false, configurable: true }) &&
    Reflect.defineProperty(instance, 'data', { value: data, writable: true, enumerable: true, configurable: true })
  );
}

/**
 * The base of every class with one fixed code: built as `new X(message?, data?)`, its code and
 * default message taken from the class's statics. Extend it (or `JsonRpcException`) for your own.
 */
export abstract class JsonRpcFixedCodeException extends JsonRpcException {
  constructor(message?: string, data?: unknown) {
    super(message, data);
  }
}

/** -32700: the text received is not valid JSON (or, from a framer, not valid UTF-8). */
export class JsonRpcParseError extends JsonRpcFixedCodeException {
  static override readonly code = -32700;
  static override readonly defaultMessage = 'Parse error';
}

/** -32600: valid JSON, but not a valid request object. */
export class JsonRpcInvalidRequestError extends JsonRpcFixedCodeException {
  static override readonly code = -32600;
  static override readonly defaultMessage = 'Invalid Request';
}

/** -32601: no method of that name is registered. */
export class JsonRpcMethodNotFoundError extends JsonRpcFixedCodeException {
  static override readonly code = -32601;
  static override readonly defaultMessage = 'Method not found';
}

/** -32602: the method exists but the params do not fit it. */
export class JsonRpcInvalidParamsError extends JsonRpcFixedCodeException {
  static override readonly code = -32602;
  static override readonly defaultMessage = 'Invalid params';
}

/** -32603: the server failed while handling a valid request. */
export class JsonRpcInternalError extends JsonRpcFixedCodeException {
  static override readonly code = -32603;
  static override readonly defaultMessage = 'Internal error';
}

/**
 * -32800 (Language Server Protocol): the request was cancelled, by `$/cancelRequest` on the serving
 * side or by an AbortSignal.
 */
export class JsonRpcRequestCancelledError extends JsonRpcFixedCodeException {
  static override readonly code = -32800;
  static override readonly defaultMessage = 'Request cancelled';
}

/**
 * -32001 (in the -32099..-32000 "server error" range): the server is at its bound of queued requests
 * and refused this one instead of queueing it without limit. Safe to retry later.
 */
export class JsonRpcServerOverloadedError extends JsonRpcFixedCodeException {
  static override readonly code = -32001;
  static override readonly defaultMessage = 'Server overloaded';
}

/** Any other code in the reserved range -32768..-32000. */
export class JsonRpcReservedError extends JsonRpcException {
  constructor(code: number, message?: string, data?: unknown) {
    if (!isReservedCode(code)) {
      throw new RangeError(`JsonRpcReservedError takes a code in -32768..-32000, got ${code}`);
    }
    super(code, message ?? 'Server error', data);
  }
}

/** Any code outside the reserved range: an error defined by the application. */
export class JsonRpcApplicationError extends JsonRpcException {
  constructor(code: number, message: string, data?: unknown) {
    if (isReservedCode(code)) {
      throw new RangeError(
        `Code ${code} is reserved by JSON-RPC 2.0 (-32768..-32000); application errors use other codes`,
      );
    }
    super(code, message, data);
  }
}

for (const cls of [
  JsonRpcParseError,
  JsonRpcInvalidRequestError,
  JsonRpcMethodNotFoundError,
  JsonRpcInvalidParamsError,
  JsonRpcInternalError,
  JsonRpcRequestCancelledError,
  JsonRpcServerOverloadedError,
]) {
  JsonRpcException.register(cls);
}
