/**
 * The requests this side sent and still waits on, by id, and the progress tokens they (or the
 * connection, through `watchProgress()`) listen on.
 */
import type { ProgressToken } from './conventions.js';
import type { OutgoingRequest } from './events.js';
import { IdTable } from './id-table.js';

interface ProgressTarget<T> {
  readonly token: T;
  readonly request: OutgoingRequest<T> | undefined;
}

export class Outgoing<T> {
  private readonly pending = new IdTable<OutgoingRequest<T>>();
  private readonly progress = new Map<ProgressToken, ProgressTarget<T>>();

  get size(): number {
    return this.pending.size;
  }

  add(request: OutgoingRequest<T>): void {
    this.pending.set(request.id, request);
    const progressToken = request.progressToken;
    if (progressToken === undefined) return;
    // A token watched with `watchProgress()` keeps its watcher: the request only carries it.
    if (this.progress.get(progressToken)?.request === undefined && this.progress.has(progressToken)) return;
    this.progress.set(progressToken, { token: request.token, request });
  }

  /** Removes and returns the request with `id`, if it still waits. */
  take(id: unknown): OutgoingRequest<T> | undefined {
    if (typeof id !== 'number' || this.pending.size === 0) return undefined;
    const request = this.pending.get(id);
    if (request === undefined) return undefined;
    this.pending.delete(id);
    const progressToken = request.progressToken;
    if (progressToken !== undefined && this.progress.get(progressToken)?.request === request) {
      this.progress.delete(progressToken);
    }
    return request;
  }

  /** Removes and returns every waiting request (none can be answered any more). */
  takeAll(): OutgoingRequest<T>[] {
    const all = this.pending.entries().map(([, request]) => request);
    for (const request of all) this.take(request.id);
    return all;
  }

  watch(progressToken: ProgressToken, token: T): void {
    this.progress.set(progressToken, { token, request: undefined });
  }

  unwatch(progressToken: ProgressToken): boolean {
    const target = this.progress.get(progressToken);
    if (target === undefined || target.request !== undefined) return false;
    return this.progress.delete(progressToken);
  }

  /** Who listens on `progressToken`, if anyone. */
  progressTarget(progressToken: ProgressToken): ProgressTarget<T> | undefined {
    return this.progress.size === 0 ? undefined : this.progress.get(progressToken);
  }
}
