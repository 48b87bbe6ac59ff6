/**
 * The Language Server Protocol's cancellation convention, usable with any framing:
 *
 * - The side that gives up on a request sends the notification `$/cancelRequest` with
 *   `{ id }` (the request's id).
 * - The serving side aborts that request's handler (its `AbortSignal` fires) and answers the request
 *   with -32800 (`JsonRpcRequestCancelledError`) at once; whatever the handler returns later is
 *   dropped. A queued request is answered the same way without running.
 * - A `$/cancelRequest` for an id that has not arrived yet is remembered (up to a bound, oldest
 *   forgotten first) and the request is answered -32800 when it arrives, without running.
 */
import type { JsonRpcId, JsonRpcParams } from '../parser/messages.js';

export const CANCEL_METHOD = '$/cancelRequest';
export const PROGRESS_METHOD = '$/progress';

/** How many early cancellations are remembered by default. */
export const DEFAULT_EARLY_CANCEL_MEMORY = 1024;

/** The request id in `$/cancelRequest` params, or undefined when they carry none. */
export function cancelledId(params: JsonRpcParams | undefined): string | number | undefined {
  if (params === undefined || Array.isArray(params)) return undefined;
  const id = (params as { readonly [name: string]: unknown }).id;
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) return id;
  return undefined;
}

/** A bounded memory of ids cancelled before their request arrived. */
export class EarlyCancels {
  private readonly ids = new Set<string | number>();

  constructor(private readonly capacity = DEFAULT_EARLY_CANCEL_MEMORY) {}

  remember(id: string | number): void {
    if (this.capacity <= 0) return;
    if (this.ids.has(id)) return;
    if (this.ids.size >= this.capacity) {
      const oldest = this.ids.values().next();
      if (oldest.done !== true) this.ids.delete(oldest.value);
    }
    this.ids.add(id);
  }

  /** True (and forgets it) when `id` was cancelled before it arrived. */
  consume(id: JsonRpcId): boolean {
    if (id === null || this.ids.size === 0) return false;
    return this.ids.delete(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
