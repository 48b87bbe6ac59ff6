/** Shared tools for the engine tests: draining events, answering them, summarising what happened. */
import assert from 'node:assert/strict';
import { ProtocolEngine, type ProtocolEngineOptions } from '../../src/protocol/engine.js';
import type { IncomingNotification, IncomingRequest, ProtocolEvent } from '../../src/protocol/events.js';

export type Work = IncomingRequest | IncomingNotification;

/** What a test's handler does with work: a result to answer with now, or HOLD it (an async handler). */
export const HOLD = Symbol('hold');

export interface Drained<T> {
  events: ProtocolEvent<T>[];
  /** Everything the engine gave to write, in order: replies and answers. */
  written: string[];
  /** Work handed out and held (not answered yet). */
  held: Work[];
}

/**
 * Drains `engine.next()`. Work is answered at once with `handle(work)`'s value (echoing the method by
 * default), or held when it returns HOLD; replies are collected as written.
 */
export function drain<T>(engine: ProtocolEngine<T>, handle: (work: Work) => unknown = (w) => w.method): Drained<T> {
  const out: Drained<T> = { events: [], written: [], held: [] };
  for (let event = engine.next(); event !== undefined; event = engine.next()) {
    out.events.push(event);
    if (event.kind === 'reply') out.written.push(event.text);
    if (event.kind === 'request' || event.kind === 'notification') {
      const result = handle(event);
      if (result === HOLD) out.held.push(event);
      else write(out.written, engine.respond(event, result));
    }
  }
  return out;
}

export function write(written: string[], text: string | null): void {
  if (text !== null) written.push(text);
}

/** The JSON values in newline-framed text. */
export function lines(texts: readonly string[]): unknown[] {
  return texts.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
}

/** Event kinds, with the method or id where there is one: comparable summaries. */
export function kinds<T>(events: readonly ProtocolEvent<T>[]): string[] {
  return events.map((e) => {
    switch (e.kind) {
      case 'request':
        return `request ${e.method} ${JSON.stringify(e.id)}`;
      case 'notification':
        return `notification ${e.method}`;
      case 'response':
        return `response ${e.request.method} ${e.response.id}`;
      case 'unknownResponse':
        return `unknownResponse ${JSON.stringify(e.response.id)}`;
      case 'invalidResponse':
        return `invalidResponse ${JSON.stringify(e.message.id)} ${e.request === undefined ? 'unmatched' : 'matched'}`;
      case 'invalid':
        return `invalid ${e.message.error.code}`;
      case 'refused':
        return `refused ${e.reason}`;
      case 'cancel':
        return `cancel ${JSON.stringify(e.id)} ${e.request === undefined ? 'unknown' : e.running ? 'running' : 'queued'}`;
      case 'progress':
        return `progress ${JSON.stringify(e.progressToken)}`;
      case 'reply':
        return 'reply';
      default:
        return e.kind;
    }
  });
}

export function engine<T = string>(options: ProtocolEngineOptions = {}): ProtocolEngine<T> {
  return new ProtocolEngine<T>({ framing: 'newline', ...options });
}

/** A request's newline-framed text. */
export function req(id: unknown, method: string, params?: unknown): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params }) + '\n';
}

export function note(method: string, params?: unknown): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params }) + '\n';
}

export function result(id: unknown, value: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result: value }) + '\n';
}

/** Asserts the one written message is an error with `code` (and `id`, when given). */
export function assertError(value: unknown, code: number, id?: unknown): void {
  const v = value as { error?: { code?: unknown }; id?: unknown };
  assert.equal(v.error?.code, code, JSON.stringify(value));
  if (id !== undefined) assert.deepEqual(v.id, id);
}
