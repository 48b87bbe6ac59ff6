/**
 * The back-pressure decision: may the connection read (parse) more of the incoming stream now?
 *
 * The rules, in order:
 *
 * 1. **Responses flow as long as memory allows (the deadlock rule).** While this side has requests
 *    of its own waiting for a response (`pendingOutgoing > 0`), keep reading although handlers are
 *    saturated. A handler that awaits its own request to the remote side can only finish when that
 *    response is read; if reading stopped because handlers are saturated, it would wait forever
 *    (the deadlock the Go jsonrpc2 authors cite for an unbounded queue). Instead of an unbounded
 *    queue, incoming requests and notifications that cannot start yet are queued up to a hard
 *    bound in messages (`maxQueued`) and in bytes (`maxQueuedBytes`, the frames' bytes on the
 *    wire); past it a request is answered at once with -32001 (JsonRpcServerOverloadedError, safe
 *    to retry) and a notification is dropped and reported (it has no way to be answered).
 *    Responses, `$/cancelRequest` and `$/progress` for a registered token are never queued: they
 *    are handled as they are parsed.
 *    Those -32001 answers go to the write queue. When it is full too (`writeFull`: the remote side
 *    does not read what we send, so the bytes waiting to be sent reached `maxWriteQueueBytes`),
 *    nothing read could be held or answered: reading pauses until the queue or the write queue
 *    has room again. A response cannot arrive meanwhile, but a peer that reads nothing we send
 *    could not be served anyway, and memory stays within both bounds whatever it sends.
 * 2. Otherwise read only when ready to handle what is read: fewer than `maxConcurrentHandlers`
 *    handlers running, nothing queued, no sequential handler holding the line, and the outgoing
 *    stream not over its high-water mark (`write()` returned false and `'drain'` has not come).
 *    When any of these fails the readable is paused, so the kernel's socket buffer or the pipe fills
 *    and the sender is slowed; reading resumes as soon as all hold again. The queue then never
 *    holds more than one parser slice's messages: the input is fed to the parser 16 KiB at a
 *    time, and only while the queue is empty.
 */

export interface ReadGateState {
  /** Handlers running now. */
  running: number;
  maxConcurrentHandlers: number;
  /** Incoming requests/notifications parsed but not started. */
  queued: number;
  /** Their frames' bytes. */
  queuedBytes: number;
  /** The queue's bounds under the deadlock rule. */
  maxQueued: number;
  maxQueuedBytes: number;
  /** A sequential handler is running: nothing else may start until it ends. */
  barrier: boolean;
  /** The outgoing stream is over its high-water mark, waiting for 'drain'. */
  writeBlocked: boolean;
  /** The bytes waiting to be sent reached `maxWriteQueueBytes`. */
  writeFull: boolean;
  /** Requests this side sent that have no response yet. */
  pendingOutgoing: number;
}

/** True when more input may be parsed now. */
export function mayRead(state: ReadGateState): boolean {
  if (state.pendingOutgoing > 0) return !state.writeFull || !queueFull(state.queued, state.queuedBytes, state);
  return mayStartHandler(state) && state.queued === 0;
}

/** True when one more handler may start now. */
export function mayStartHandler(state: ReadGateState): boolean {
  return !state.barrier && !state.writeBlocked && state.running < state.maxConcurrentHandlers;
}

/**
 * True when a queue holding `queued` messages of `queuedBytes` is at one of its bounds. Until then
 * one more message of any size is queued, so the queue holds at most `maxQueuedBytes` plus one
 * message (every message up to `maxMessageBytes` can be handled).
 */
export function queueFull(
  queued: number,
  queuedBytes: number,
  bounds: Pick<ReadGateState, 'maxQueued' | 'maxQueuedBytes'>,
): boolean {
  return queued >= bounds.maxQueued || queuedBytes >= bounds.maxQueuedBytes;
}
