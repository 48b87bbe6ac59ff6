/**
 * Middleware around every incoming call (Koa's onion): `dispatcher.use(async (call, next) => ...)`.
 *
 * Each middleware gets the call (method, params, id, the handler's context and its signal) and
 * `next`, which runs the rest of the chain and then the method (lookup, params check, handler)
 * and resolves once `call.result` holds its result, or rejects with what failed. A middleware may
 * - read or replace `call.params` before `next()`;
 * - read or replace `call.result` after it (or catch what `next()` rejected with and set a result);
 * - short-circuit: set `call.result`, or throw (a `JsonRpcException` is answered as thrown), and
 *   not call `next()` at all.
 * Whatever `call.result` holds when the outermost middleware settles is the answer. Calls to
 * unknown methods pass through the chain too (`next()` rejects with -32601), so does every entry
 * of a batch, one chain per entry. Calling `next()` twice is a fault (-32603, reported to
 * `onHandlerError`), as is anything else a middleware throws that is not a `JsonRpcException`.
 */
import type { JsonRpcId, JsonRpcParams } from '../parser/messages.js';
import { quote } from './quote.js';
import type { DispatchContext } from './types.js';

/** What a middleware sees of one call. */
export interface MiddlewareCall<C extends DispatchContext = DispatchContext> {
  readonly method: string;
  /** The request's id; `undefined` for a notification. */
  readonly id: JsonRpcId | undefined;
  /** The params the method will get; assign before `next()` to replace them. */
  params: JsonRpcParams | undefined;
  /** The result, once `next()` resolved (or what a middleware set); the answer sent. */
  result: unknown;
  /** The handler's context (a connection's carries `connection`, `notify`, ...). */
  readonly context: C;
  /** The call's signal (`context.signal`). */
  readonly signal: AbortSignal;
}

export type Middleware<C extends DispatchContext = DispatchContext> = (
  call: MiddlewareCall<C>,
  next: () => Promise<void>,
) => unknown;

/** Runs the method itself, with the params as the chain left them. */
export type Innermost<C extends DispatchContext> = (method: string, params: JsonRpcParams | undefined, context: C) => unknown;

class Call<C extends DispatchContext> implements MiddlewareCall<C> {
  result: unknown = undefined;
  constructor(
    readonly method: string,
    public params: JsonRpcParams | undefined,
    readonly context: C,
  ) {}

  get id(): JsonRpcId | undefined {
    return this.context.id;
  }

  get signal(): AbortSignal {
    return this.context.signal;
  }
}

/** Runs `chain` around `innermost` for one call; resolves with the final `call.result`. */
export async function runMiddleware<C extends DispatchContext>(
  chain: readonly Middleware<C>[],
  innermost: Innermost<C>,
  method: string,
  params: JsonRpcParams | undefined,
  context: C,
): Promise<unknown> {
  const call = new Call(method, params, context);
  const step = async (index: number): Promise<void> => {
    const middleware = chain[index];
    if (middleware === undefined) {
      call.result = await innermost(call.method, call.params, call.context);
      return;
    }
    let called = false;
    const next = (): Promise<void> => {
      if (called) {
        return Promise.reject(new Error(`Middleware #${index + 1} of ${quote(method)} called next() more than once`));
      }
      called = true;
      const rest = step(index + 1);
      // A middleware that does not await next() must not turn its failure into an unhandled rejection.
      rest.then(undefined, () => undefined);
      return rest;
    };
    await middleware(call, next);
  };
  await step(0);
  return call.result;
}
