/**
 * An incoming batch being answered. Its entries run like single messages (each counts against the
 * handler bound) and may be answered in any order; the batch's response is assembled here and
 * comes out, as one array, with the answer that completes it. A batch with nothing to answer
 * (only notifications and responses) gets no response at all, as the specification says.
 */
export class IncomingBatch {
  /** The JSON text of each answer so far. */
  private readonly answers: string[] = [];
  /** Entries still to be answered (or, for an unanswered cancel, given up on). */
  private outstanding = 0;
  /** Every entry has been routed: completion may be decided. */
  private routed = false;

  /** One more entry will be answered later. */
  expect(): void {
    this.outstanding++;
  }

  /**
   * An entry's answer (its JSON text, or null for one that gets none, like an MCP cancel). Returns
   * the batch's response JSON when this completes it, else null.
   */
  answer(json: string | null, expected: boolean): string | null {
    if (json !== null) this.answers.push(json);
    if (expected) this.outstanding--;
    return this.completion();
  }

  /** All entries are routed. Returns the response JSON if nothing is left to wait for, else null. */
  routingDone(): string | null {
    this.routed = true;
    return this.completion();
  }

  private completion(): string | null {
    if (!this.routed || this.outstanding > 0 || this.answers.length === 0) return null;
    const json = `[${this.answers.join(',')}]`;
    this.answers.length = 0; // answered once
    return json;
  }
}
