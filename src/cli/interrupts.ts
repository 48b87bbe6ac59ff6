/**
 * What stops a command from outside: SIGINT/SIGTERM, and stdout closed by its reader
 * (`jsonrpc-wire call ... | head -c 10`). Each is turned into one `Interrupt` for the command to
 * act on (finish, forward, clean up), instead of Node's defaults: dying at once on a signal (which
 * orphans a child that ignores EOF) and an EPIPE stack trace.
 */

export type Interrupt =
  | { readonly kind: 'signal'; readonly signal: 'SIGINT' | 'SIGTERM'; /** 1 for the first signal, 2 for the next, ... */ readonly count: number }
  | { readonly kind: 'stdout-closed' };

export interface InterruptSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export class Interrupts {
  private readonly listeners: Array<(interrupt: Interrupt) => void> = [];
  private waiters: Array<(interrupt: Interrupt) => void> = [];
  private signals = 0;
  /** Stdout failed (its reader closed it): nothing more can be printed. */
  stdoutClosed = false;
  /** The first interrupt, once one came. */
  first: Interrupt | undefined;

  constructor(private readonly source: InterruptSource) {
    source.on('SIGINT', this.onSigint);
    source.on('SIGTERM', this.onSigterm);
    source.stdout.on('error', this.onStdoutError);
    // A closed stderr has nobody to tell; it must not crash the command either.
    source.stderr.on('error', ignore);
  }

  /** Calls `listener` on every interrupt from now on (and at once if one already came). */
  on(listener: (interrupt: Interrupt) => void): void {
    this.listeners.push(listener);
    if (this.first !== undefined) listener(this.first);
  }

  /** Resolves with the next interrupt after this call. */
  next(): Promise<Interrupt> {
    return new Promise<Interrupt>((resolve) => this.waiters.push(resolve));
  }

  private emit(interrupt: Interrupt): void {
    this.first ??= interrupt;
    for (const listener of [...this.listeners]) listener(interrupt);
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(interrupt);
  }

  private readonly onSigint = (): void => this.emit({ kind: 'signal', signal: 'SIGINT', count: ++this.signals });
  private readonly onSigterm = (): void => this.emit({ kind: 'signal', signal: 'SIGTERM', count: ++this.signals });

  private readonly onStdoutError = (err: Error): void => {
    // EPIPE (the reader went away), or any other failure: nothing more can be printed. Later
    // writes fail as "destroyed"; one interrupt is enough.
    void err;
    if (this.stdoutClosed) return;
    this.stdoutClosed = true;
    this.emit({ kind: 'stdout-closed' });
  };
}

function ignore(): void {}
