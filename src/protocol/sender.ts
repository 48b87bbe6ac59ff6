/**
 * What this side sends on its own: requests (with fresh ids, each recorded as waiting for its
 * response), notifications, batches and the conventions' cancel of a request of ours. Every call
 * gives framed text; the engine's public methods of the same names hand over to it.
 */
import { encodeRequestV1, type JsonRpcVersion } from '../parser/v1.js';
import { encodeNotification, encodeRequest, type JsonRpcParams } from '../parser/messages.js';
import type { EngineContext } from './context.js';
import type { Conventions, ProgressToken } from './conventions.js';
import { Change } from './state.js';
import type { Outbound, Wire } from './wire.js';

/** One call of an outgoing batch: a notification, or a request whose response comes back with `token`. */
export interface EngineBatchCall<T> {
  readonly method: string;
  readonly params?: JsonRpcParams;
  readonly notification?: boolean;
  readonly token?: T;
}

export class Sender<T> {
  private nextId = 1;

  constructor(
    private readonly ctx: EngineContext<T>,
    private readonly wire: Wire,
    private readonly conventions: Conventions,
    private readonly version: JsonRpcVersion,
  ) {}

  request(method: string, params?: JsonRpcParams, token?: T, withProgress = false): { id: number; text: Outbound } {
    this.assertOpen('request');
    const id = this.nextId++;
    let progressToken = this.progressTokenIn(params);
    const convention = this.conventions.progress;
    if (progressToken === undefined && withProgress && convention !== undefined && !Array.isArray(params)) {
      progressToken = id;
      params = convention.withToken(params, id);
    }
    const text = this.version === '1.0' ? this.wire.frame(encodeRequestV1(id, method, params)) : this.wire.request(id, method, params);
    this.ctx.outgoing.add({ id, method, token: token as T, progressToken });
    this.ctx.apply(Change.RequestSent, 0);
    return { id, text };
  }

  notify(method: string, params?: JsonRpcParams): Outbound {
    if (!this.ctx.maySend()) throw new Error(`Cannot send a notification: the connection is ${this.ctx.record.phase}`);
    return this.version === '1.0' ? this.wire.frame(encodeRequestV1(null, method, params)) : this.wire.notification(method, params);
  }

  batch(calls: readonly EngineBatchCall<T>[]): { ids: number[]; text: Outbound } {
    this.assertOpen('batch');
    if (this.version === '1.0') throw new Error("Cannot send a batch: JSON-RPC 1.0 (version '1.0') has no batches");
    if (calls.length === 0) throw new RangeError('A batch needs at least one call: the spec makes [] invalid');
    const ids: number[] = [];
    const texts = calls.map((call) => {
      if (call.notification === true) return encodeNotification(call.method, call.params);
      const id = this.nextId + ids.length;
      ids.push(id);
      return encodeRequest(id, call.method, call.params);
    });
    const text = this.wire.frame(`[${texts.join(',')}]`);
    let next = 0;
    for (const call of calls) {
      if (call.notification === true) continue;
      const id = ids[next++]!;
      this.ctx.outgoing.add({ id, method: call.method, token: call.token as T, progressToken: this.progressTokenIn(call.params) });
      this.ctx.apply(Change.RequestSent, 0);
    }
    this.nextId += ids.length;
    return { ids, text };
  }

  cancel(id: number, reason?: string): Outbound | null {
    if (this.ctx.outgoing.take(id) === undefined) return null;
    this.ctx.apply(Change.RequestSettled, 0);
    const convention = this.conventions.cancel;
    if (convention === undefined || !this.ctx.maySend()) return null;
    return this.notify(convention.method, convention.write(id, reason));
  }

  /** The progress token `params` carry, per the conventions. */
  private progressTokenIn(params: JsonRpcParams | undefined): ProgressToken | undefined {
    const convention = this.conventions.progress;
    if (convention === undefined || params === undefined) return undefined;
    try {
      return convention.tokenOf(params); // (not through ctx.contain: no closure per request)
    } catch (error) {
      this.ctx.push({ kind: 'callbackError', callback: 'conventions', error });
      return undefined;
    }
  }

  private assertOpen(what: string): void {
    const phase = this.ctx.record.phase;
    if (phase !== 'open') throw new Error(`Cannot send a ${what}: the connection is ${phase} (no response could be read)`);
  }
}
