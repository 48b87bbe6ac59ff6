/**
 * The state of one connection, in one record, changed in one place.
 *
 * Modelled on Go's jsonrpc2_v2 (`inFlightState` / `updateInFlight`): every counter the scheduling
 * decisions read lives in `ConnectionState`, every change to it goes through `update()`, and the
 * questions a connection asks ("may I read?", "may a handler start?", "is it idle?") are
 * functions of the record, never flags kept in step by hand.
 *
 * The life cycle is a table (as h11 keeps its transitions as data): a phase changes only along
 * `PHASE_AFTER`, and a change the table does not list leaves the phase alone (closing twice, or
 * input ending after a local close, is not an error).
 *
 * ```
 * open ──input ended──► inputEnded ──idle──► closing ──released──► closed
 *   └────────────────close────────────────────┘
 * ```
 */

/** Where the connection is in its life. */
export type Phase = 'open' | 'inputEnded' | 'closing' | 'closed';

/** Why the connection stopped being open. */
export type EndCause =
  /** The remote side's input ended after a complete message. */
  | 'remote-ended'
  /** The remote side's input ended in the middle of a message. */
  | 'remote-ended-mid-message'
  /** `close()` was called on this side. */
  | 'closed-locally'
  /** Nothing more can be written (the transport failed or was closed under us). */
  | 'write-failed'
  /** The transport failed while reading. */
  | 'read-failed'
  /**
   * The transport delivered more input than the engine may hold while it may not read (a byte
   * stream that ignores `pause()`, or a channel flooding while the output is blocked).
   */
  | 'input-overflow';

export interface ConnectionState {
  phase: Phase;
  /** Why it left `'open'`; undefined while open. */
  endCause: EndCause | undefined;
  /** Handlers running now (batch entries count one each). */
  running: number;
  /** Size of the messages those handlers run, in bytes (see `ProtocolEngine` on how it is measured). */
  runningBytes: number;
  /** A sequential handler is running: nothing else may start until it ends. */
  sequentialRunning: boolean;
  /** Incoming work parsed but not started. */
  queued: number;
  queuedBytes: number;
  /** Requests this side sent that have no response yet. */
  pendingOutgoing: number;
  /** The transport cannot take more output now (over its high-water mark). */
  writeBlocked: boolean;
  /**
   * Answers the engine made on its own (refusals, error answers) since the output blocked: they
   * wait behind it, so they count against the queue's bounds until it drains.
   */
  blockedReplies: number;
  blockedReplyBytes: number;
}

/** The bounds the decisions are taken against. */
export interface Limits {
  readonly maxConcurrentHandlers: number;
  /** The messages whose handlers run, in bytes (one larger message still runs alone). */
  readonly maxConcurrentHandlerBytes: number;
  /** Queued work, in messages, once reading on past busy handlers (the deadlock rule). */
  readonly maxQueuedMessages: number;
  /** Queued work, in bytes, likewise. */
  readonly maxQueuedBytes: number;
  /** Answers made while the output is blocked, in bytes, at which reading stops even under the deadlock rule. */
  readonly maxWriteQueueBytes: number;
}

/** What happened, for `update()`. Numbers, so that the hot path allocates nothing. */
export const Change = {
  /** Work was queued (`bytes`: its size). */
  Queued: 0,
  /** Queued work left the queue without starting (cancelled, dropped). */
  Unqueued: 1,
  /** A handler started (`bytes`: its message's size). */
  Started: 2,
  /** A sequential handler started. */
  StartedSequential: 3,
  /** A handler ended. */
  Finished: 4,
  /** A sequential handler ended. */
  FinishedSequential: 5,
  /** A request of ours went out. */
  RequestSent: 6,
  /** A request of ours was answered or given up on. */
  RequestSettled: 7,
  WriteBlocked: 8,
  WriteUnblocked: 9,
  /** The remote side's input ended and all of it is parsed. */
  InputEnded: 10,
  /** This side stops: nothing new runs or goes out. */
  Close: 11,
  /** The transport is released. */
  Released: 12,
  /** The engine made an answer of its own (`bytes`: its size). */
  Replied: 13,
} as const;
export type Change = (typeof Change)[keyof typeof Change];

type PhaseChange = 'inputEnded' | 'idle' | 'close' | 'released';

/** The life cycle as data: the phase each change leads to; what is not listed changes nothing. */
export const PHASE_AFTER: { readonly [P in Phase]: { readonly [C in PhaseChange]?: Phase } } = {
  open: { inputEnded: 'inputEnded', close: 'closing' },
  inputEnded: { idle: 'closing', close: 'closing' },
  closing: { released: 'closed' },
  closed: {},
};

export function initialState(): ConnectionState {
  return {
    phase: 'open',
    endCause: undefined,
    running: 0,
    runningBytes: 0,
    sequentialRunning: false,
    queued: 0,
    queuedBytes: 0,
    pendingOutgoing: 0,
    writeBlocked: false,
    blockedReplies: 0,
    blockedReplyBytes: 0,
  };
}

/**
 * The one place the state changes. `bytes` is the size of the message the change is about (for
 * the queue and handler changes). Once the input has ended, the change that leaves nothing in
 * flight moves the phase on to `'closing'`, so a connection whose remote side ended its input
 * closes exactly when its last work is answered.
 *
 * The counters, which change several times per message, are handled here and the rarer changes
 * in `updateRest`: kept this small, the function is inlined into its callers by the JIT.
 */
export function update(state: ConnectionState, change: Change, bytes = 0, cause?: EndCause): void {
  switch (change) {
    case Change.Queued:
      state.queued++;
      state.queuedBytes += bytes;
      break;
    case Change.Unqueued:
      state.queued--;
      state.queuedBytes -= bytes;
      break;
    case Change.Started:
    case Change.StartedSequential:
      state.running++;
      state.runningBytes += bytes;
      if (change === Change.StartedSequential) state.sequentialRunning = true;
      break;
    case Change.Finished:
    case Change.FinishedSequential:
      state.running--;
      state.runningBytes -= bytes;
      if (change === Change.FinishedSequential) state.sequentialRunning = false;
      break;
    case Change.RequestSent:
      state.pendingOutgoing++;
      break;
    case Change.RequestSettled:
      state.pendingOutgoing--;
      break;
    default:
      updateRest(state, change, bytes, cause);
  }
  if (state.phase === 'inputEnded' && idle(state)) move(state, 'idle', undefined);
}

/** The changes of `update()` other than the counters of work and of requests. */
function updateRest(state: ConnectionState, change: Change, bytes: number, cause: EndCause | undefined): void {
  switch (change) {
    case Change.WriteBlocked:
      state.writeBlocked = true;
      break;
    case Change.WriteUnblocked:
      state.writeBlocked = false;
      state.blockedReplies = 0;
      state.blockedReplyBytes = 0;
      break;
    case Change.Replied:
      if (state.writeBlocked) {
        state.blockedReplies++;
        state.blockedReplyBytes += bytes;
      }
      break;
    case Change.InputEnded:
      // No request of ours can be answered any more.
      if (move(state, 'inputEnded', cause ?? 'remote-ended')) state.pendingOutgoing = 0;
      break;
    case Change.Close:
      // Nothing queued will run, and no request of ours will be answered.
      if (move(state, 'close', cause ?? 'closed-locally')) {
        state.queued = 0;
        state.queuedBytes = 0;
        state.pendingOutgoing = 0;
      }
      break;
    case Change.Released:
      move(state, 'released', undefined);
      break;
  }
}

/** Moves the phase along the table; false when the table has no such move from here. */
function move(state: ConnectionState, change: PhaseChange, cause: EndCause | undefined): boolean {
  const next = PHASE_AFTER[state.phase][change];
  if (next === undefined) return false;
  state.phase = next;
  if (state.endCause === undefined && cause !== undefined) state.endCause = cause;
  return true;
}

/** Nothing in flight: no handler running, no work queued, no request of ours unanswered. */
export function idle(state: ConnectionState): boolean {
  return state.running === 0 && state.queued === 0 && state.pendingOutgoing === 0;
}

/** Work may start at all: open (or only the input ended), no sequential handler running, the output not blocked. */
function workMayStart(state: ConnectionState): boolean {
  return (state.phase === 'open' || state.phase === 'inputEnded') && !state.sequentialRunning && !state.writeBlocked;
}

/**
 * Handlers have room for more work now: work may start, fewer than `maxConcurrentHandlers` run,
 * and their messages take less than `maxConcurrentHandlerBytes`. Whether a given message fits is
 * `mayStartHandler`'s question.
 */
export function handlersHaveRoom(state: ConnectionState, limits: Limits): boolean {
  return workMayStart(state) && state.running < limits.maxConcurrentHandlers && state.runningBytes < limits.maxConcurrentHandlerBytes;
}

/**
 * The handler of a message of `bytes` may start now (`sequential`: it runs alone). Running
 * handlers are bounded in count and in their messages' bytes, so that many small messages may run
 * at once and few large ones; a message larger than the byte bound starts once nothing else runs,
 * so it is never held forever.
 */
export function mayStartHandler(state: ConnectionState, limits: Limits, bytes: number, sequential = false): boolean {
  if (!workMayStart(state)) return false;
  if (state.running === 0) return true;
  if (sequential || state.running >= limits.maxConcurrentHandlers) return false;
  return state.runningBytes + bytes <= limits.maxConcurrentHandlerBytes;
}

/** The queue, with the answers waiting behind blocked output, is at one of its bounds (count or bytes). */
export function queueFull(state: ConnectionState, limits: Limits): boolean {
  return (
    state.queued + state.blockedReplies >= limits.maxQueuedMessages ||
    state.queuedBytes + state.blockedReplyBytes >= limits.maxQueuedBytes
  );
}

/**
 * A channel's message of `size` may be held (parsed, routed once reading may go on) while `held`
 * messages of `heldBytes` are: what is held, with the queue and the answers waiting behind blocked
 * output, stays within the queue's bounds (one message larger than the byte bound is still held
 * alone, as it would queue alone). A channel cannot pause: past this, its calls are refused.
 */
export function mayHold(state: ConnectionState, limits: Limits, held: number, heldBytes: number, size: number): boolean {
  if (state.queued + state.blockedReplies + held >= limits.maxQueuedMessages) return false;
  if (state.queued + held === 0) return true;
  return state.queuedBytes + state.blockedReplyBytes + heldBytes + size <= limits.maxQueuedBytes;
}

/** The answers made while the output is blocked have reached `maxWriteQueueBytes`: refusing more would grow them on. */
export function refusalsFull(state: ConnectionState, limits: Limits): boolean {
  return state.writeBlocked && state.blockedReplyBytes >= limits.maxWriteQueueBytes;
}

/**
 * More input may be parsed now. The rules, in order:
 *
 * 1. Only while open.
 * 2. **Responses must always flow (the deadlock rule).** While requests of ours wait for a
 *    response, read on even with every handler busy: a handler awaiting its own request to the
 *    remote side can only finish once that response is read. What cannot start meanwhile is
 *    queued up to the queue's bounds (count and bytes); past them a request is refused -32001 and a
 *    notification dropped. Refusing writes an answer (as does invalid input), and the answers made
 *    while the output is blocked count against the same bounds; once they are reached with the
 *    output blocked, reading stops too: a peer that sends requests and reads nothing cannot grow
 *    either side's memory. Reading stops as well once those answers alone reach
 *    `maxWriteQueueBytes`.
 * 3. Otherwise read only when ready to handle what is read: handlers have room and nothing is
 *    queued, so the queue never holds more than one frame's work (a message read into the room
 *    left that turns out larger than it waits alone at the head of the queue).
 */
export function mayParse(state: ConnectionState, limits: Limits): boolean {
  if (state.phase !== 'open') return false;
  if (state.pendingOutgoing > 0) {
    return !(state.writeBlocked && (queueFull(state, limits) || state.blockedReplyBytes >= limits.maxWriteQueueBytes));
  }
  return state.queued === 0 && handlersHaveRoom(state, limits);
}
