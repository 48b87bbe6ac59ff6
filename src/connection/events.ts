/**
 * A connection's listener lists. Not Node's EventEmitter: an `'error'` nobody listens to must not
 * throw (the connection reports failures through `closed` as well), and a listener that throws or
 * rejects must not break the connection that called it: its failure goes to `onFailure` (the
 * connection's `onHandlerError`, stage `'listener'`), and the next listener still runs.
 */
import { callGuarded } from './guard.js';

/** An event map: each event's listener type. */
export type EventMap<M> = { [E in keyof M]: (...args: never[]) => unknown };

export class ConnectionListeners<M extends EventMap<M>> {
  private readonly lists: { [E in keyof M]?: M[E][] } = {};

  /** @param onFailure told what a listener threw or rejected with, and for which event; must not throw. */
  constructor(private readonly onFailure: (error: unknown, event: keyof M & string) => void) {}

  add<E extends keyof M>(event: E, listener: M[E]): void {
    ((this.lists[event] ??= []) as M[E][]).push(listener);
  }

  remove<E extends keyof M>(event: E, listener: M[E]): void {
    const list = this.lists[event];
    const index = list?.indexOf(listener) ?? -1;
    if (index >= 0) list!.splice(index, 1);
  }

  has(event: keyof M): boolean {
    const list = this.lists[event];
    return list !== undefined && list.length > 0;
  }

  emit<E extends keyof M & string>(event: E, ...args: Parameters<M[E]>): void {
    const list = this.lists[event];
    if (list === undefined || list.length === 0) return;
    const report = (error: unknown): void => this.onFailure(error, event);
    // A copy: a listener may remove itself (or others) while we iterate.
    for (const listener of [...list]) {
      callGuarded(listener as unknown as (...a: Parameters<M[E]>) => unknown, args, report);
    }
  }
}
