/**
 * Cancellation and progress conventions, as data.
 *
 * JSON-RPC 2.0 itself says nothing about cancelling a request or reporting its progress; protocols
 * built on it each chose notifications of their own. The engine knows them only through a
 * `Conventions` object: which notification cancels, how its params name the request, whether a
 * cancelled request is still answered, which notification reports progress and where a request
 * carries its progress token. Two are built in:
 *
 * | | `'lsp'` | `'mcp'` |
 * | --- | --- | --- |
 * | cancel | `$/cancelRequest {id}`; still answered, -32800 | `notifications/cancelled {requestId, reason?}`; not answered |
 * | progress | `$/progress {token, value}` | `notifications/progress {progressToken, progress, total?, message?}` |
 * | token in a request | `params.workDoneToken` (or `partialResultToken`) | `params._meta.progressToken` |
 *
 * `'none'` knows neither: every notification goes to the handlers, and a request cancelled through
 * `cancelIncoming()` is answered -32800 (a JSON-RPC request is always answered).
 * A protocol the library does not know passes an object of the same shape.
 */
import type { JsonRpcParams } from '../parser/messages.js';

/** A progress token or a cancelled request's id: what the wire may carry as either. */
export type ProgressToken = string | number;

export interface CancelConvention {
  /** The notification that cancels a request. */
  readonly method: string;
  /** The cancelled request's id (and a reason, if given) from the notification's params; undefined when they name none. */
  read(params: JsonRpcParams | undefined): { readonly id: string | number; readonly reason?: string } | undefined;
  /** The params of the notification that cancels request `id`. */
  write(id: string | number, reason: string | undefined): JsonRpcParams;
}

export interface ProgressConvention {
  /** The notification that reports progress. */
  readonly method: string;
  /** The token and the progress value from the notification's params; undefined when they carry no token. */
  read(params: JsonRpcParams | undefined): { readonly token: ProgressToken; readonly value: unknown } | undefined;
  /** The params of a progress notification for `token`. */
  write(token: ProgressToken, value: unknown): JsonRpcParams;
  /** The progress token a request carries in its params, if any. */
  tokenOf(params: JsonRpcParams | undefined): ProgressToken | undefined;
  /** `params` with `token` added where `tokenOf` finds it (a copy; positional params cannot carry one). */
  withToken(params: JsonRpcParams | undefined, token: ProgressToken): JsonRpcParams | undefined;
}

export interface Conventions {
  /** For messages and tracing: `'lsp'`, `'mcp'`, `'none'` or the user's own. */
  readonly name: string;
  readonly cancel?: CancelConvention;
  /** Whether a cancelled request is still answered (with -32800). LSP: yes; MCP: no. */
  readonly answerCancelled: boolean;
  /**
   * How many cancels of requests that have not arrived yet are remembered (the request is then
   * cancelled on arrival, without running). 0 ignores them, as MCP asks.
   */
  readonly earlyCancelMemory: number;
  readonly progress?: ProgressConvention;
}

export type ConventionsName = 'lsp' | 'mcp' | 'none';

type Named = { readonly [name: string]: unknown };

/** `params` as an object with named members, or undefined for positional or absent params. */
function named(params: JsonRpcParams | undefined): Named | undefined {
  return params === undefined || Array.isArray(params) ? undefined : (params as Named);
}

function isToken(value: unknown): value is ProgressToken {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function tokenOrUndefined(value: unknown): ProgressToken | undefined {
  return isToken(value) ? value : undefined;
}

/** LSP's cancel notification (`$/cancelRequest {id}`). */
export const CANCEL_METHOD = '$/cancelRequest';
/** LSP's progress notification (`$/progress {token, value}`). */
export const PROGRESS_METHOD = '$/progress';

export const LSP_CONVENTIONS: Conventions = {
  name: 'lsp',
  answerCancelled: true,
  earlyCancelMemory: 1024,
  cancel: {
    method: CANCEL_METHOD,
    read(params) {
      const id = named(params)?.id;
      return isToken(id) ? { id } : undefined;
    },
    write: (id) => ({ id }),
  },
  progress: {
    method: PROGRESS_METHOD,
    read(params) {
      const p = named(params);
      return p !== undefined && isToken(p.token) ? { token: p.token, value: p.value } : undefined;
    },
    write: (token, value) => ({ token, value }),
    tokenOf(params) {
      const p = named(params);
      return p === undefined ? undefined : (tokenOrUndefined(p.workDoneToken) ?? tokenOrUndefined(p.partialResultToken));
    },
    withToken(params, token) {
      if (Array.isArray(params)) return params;
      return { ...(params as Named | undefined), workDoneToken: token };
    },
  },
};

export const MCP_CONVENTIONS: Conventions = {
  name: 'mcp',
  answerCancelled: false,
  earlyCancelMemory: 0,
  cancel: {
    method: 'notifications/cancelled',
    read(params) {
      const p = named(params);
      if (p === undefined || !isToken(p.requestId)) return undefined;
      return typeof p.reason === 'string' ? { id: p.requestId, reason: p.reason } : { id: p.requestId };
    },
    write: (id, reason) => (reason === undefined ? { requestId: id } : { requestId: id, reason }),
  },
  progress: {
    method: 'notifications/progress',
    read(params) {
      const p = named(params);
      if (p === undefined || !isToken(p.progressToken)) return undefined;
      // The value is the notification's params without the token: { progress, total?, message? }.
      const value: { [name: string]: unknown } = {};
      for (const key of Object.keys(p)) if (key !== 'progressToken') value[key] = p[key];
      return { token: p.progressToken, value };
    },
    write(token, value) {
      const fields = typeof value === 'number' ? { progress: value } : (value as Named);
      return { progressToken: token, ...fields };
    },
    tokenOf(params) {
      const meta = named(params)?._meta;
      return typeof meta === 'object' && meta !== null ? tokenOrUndefined((meta as Named).progressToken) : undefined;
    },
    withToken(params, token) {
      if (Array.isArray(params)) return params;
      const p = params as Named | undefined;
      const meta = p?._meta;
      const base = typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? (meta as Named) : undefined;
      return { ...p, _meta: { ...base, progressToken: token } };
    },
  },
};

export const NO_CONVENTIONS: Conventions = { name: 'none', answerCancelled: true, earlyCancelMemory: 0 };

/**
 * The conventions for a name or object; undefined picks the default for the framing: `'lsp'` for
 * content-length (how LSP is spoken), `'none'` otherwise.
 */
export function resolveConventions(
  conventions: ConventionsName | Conventions | undefined,
  framing: string,
): Conventions {
  if (conventions === undefined) return framing === 'content-length' ? LSP_CONVENTIONS : NO_CONVENTIONS;
  if (conventions === 'lsp') return LSP_CONVENTIONS;
  if (conventions === 'mcp') return MCP_CONVENTIONS;
  if (conventions === 'none') return NO_CONVENTIONS;
  if (typeof conventions !== 'object' || conventions === null || typeof conventions.name !== 'string') {
    throw new TypeError(
      `conventions must be 'lsp', 'mcp', 'none' or a Conventions object, got ${JSON.stringify(conventions as unknown)}`,
    );
  }
  return conventions;
}
