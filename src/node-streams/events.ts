/**
 * The connection's listener lists. Not Node's EventEmitter: an `'error'` nobody listens to must not
 * throw (the connection reports stream errors through `closed` as well), and a listener that throws
 * or rejects must not break the connection that called it: its failure goes to `onFailure`
 * (the connection's `onHandlerError`, stage `'listener'`), and the next listener still runs.
 */
import type { ConnectionEvents } from './connection-types.js';
import { callGuarded } from './guard.js';

export class ConnectionListeners {
  private readonly lists: { [E in keyof ConnectionEvents]?: ConnectionEvents[E][] } = {};

  /** @param onFailure told what a listener threw or rejected with, and for which event; must not throw. */
  constructor(private readonly onFailure: (error: unknown, event: keyof ConnectionEvents) => void) {}

  add<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): void {
    ((this.lists[event] ??= []) as ConnectionEvents[E][]).push(listener);
  }

  remove<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): void {
    const list = this.lists[event] as ConnectionEvents[E][] | undefined;
    const index = list?.indexOf(listener) ?? -1;
    if (index >= 0) list!.splice(index, 1);
  }

  has(event: keyof ConnectionEvents): boolean {
    const list = this.lists[event];
    return list !== undefined && list.length > 0;
  }

  emit<E extends keyof ConnectionEvents>(event: E, ...args: Parameters<ConnectionEvents[E]>): void {
    const list = this.lists[event];
    if (list === undefined || list.length === 0) return;
    const report = (error: unknown): void => this.onFailure(error, event);
    // A copy: a listener may remove itself (or others) while we iterate.
    for (const listener of [...list]) {
      callGuarded(listener as (...a: Parameters<ConnectionEvents[E]>) => unknown, args, report);
    }
  }
}
