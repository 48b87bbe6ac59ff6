/**
 * An incoming batch being answered. Its entries run like single messages (each counts against the
 * handler bound) and may be answered in any order; the batch's response is assembled here, in the
 * batch's order (each answer in the slot its entry was given when routed), and comes out, as one
 * array, with the answer that completes it. A batch with nothing to answer
 * (only notifications and responses) gets no response at all, as the specification says.
 */
export class IncomingBatch {
  /** The JSON text of each answer, in the batch's order (undefined: not yet; null: none). */
  private readonly answers: (string | null | undefined)[] = [];
  /** Entries still to be answered (or, for an unanswered cancel, given up on). */
  private outstanding = 0;
  /** Every entry has been routed: completion may be decided. */
  private routed = false;

  /** One more entry will be answered later: the slot its answer goes into. */
  expect(): number {
    this.outstanding++;
    return this.answers.push(undefined) - 1;
  }

  /**
   * An entry's answer (its JSON text, or null for one that gets none, like an MCP cancel) into
   * `slot` (from `expect()`), or, for -1, an answer made now, as the entry is routed. Returns the
   * batch's response JSON when this completes it, else null.
   */
  answer(json: string | null, slot: number): string | null {
    if (slot < 0) {
      if (json !== null) this.answers.push(json);
    } else {
      this.answers[slot] = json;
      this.outstanding--;
    }
    return this.completion();
  }

  /** All entries are routed. Returns the response JSON if nothing is left to wait for, else null. */
  routingDone(): string | null {
    this.routed = true;
    return this.completion();
  }

  private completion(): string | null {
    if (!this.routed || this.outstanding > 0) return null;
    let json = '';
    for (const answer of this.answers) if (typeof answer === 'string') json += json === '' ? answer : `,${answer}`;
    this.answers.length = 0; // answered once
    return json === '' ? null : `[${json}]`;
  }
}
