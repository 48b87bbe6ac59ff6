/**
 * One incoming batch while its entries run: collects each entry's answer, and hands them over, in
 * the batch's order, once every entry is answered (a notification counts once its handler ended).
 * The entries themselves are scheduled one by one by the inbound scheduler, against the
 * connection's handler slots, so a batch holds no slot of its own and cannot wait on itself.
 */
import type { JsonRpcRequest } from '../parser/messages.js';

export class BatchGroup {
  /** Each entry's answer (JSON text) by position; undefined for notifications. */
  private readonly answers: (string | undefined)[];
  /** The requests answered so far (to report them if the batch response cannot be sent). */
  private readonly requests: JsonRpcRequest[] = [];
  /** Entries still running or queued, plus one until every entry has been admitted. */
  private remaining = 1;

  constructor(
    size: number,
    private readonly done: (answers: string[], requests: JsonRpcRequest[]) => void,
  ) {
    this.answers = new Array<string | undefined>(size);
  }

  /** One more entry will be answered later. */
  expect(): void {
    this.remaining++;
  }

  /** An entry answered as it is admitted (an invalid one), never expected. */
  fill(index: number, json: string): void {
    this.answers[index] = json;
  }

  /** An expected entry is settled: `json` is its answer (none for a notification). */
  settle(index: number, json: string | undefined, request: JsonRpcRequest | undefined): void {
    this.answers[index] = json;
    if (request !== undefined) this.requests.push(request);
    this.settleOne();
  }

  /** Every entry has been admitted. */
  sealed(): void {
    this.settleOne();
  }

  private settleOne(): void {
    if (--this.remaining > 0) return;
    const answers: string[] = [];
    for (const answer of this.answers) if (answer !== undefined) answers.push(answer);
    this.done(answers, this.requests);
  }
}
