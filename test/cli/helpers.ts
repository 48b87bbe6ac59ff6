/** Running the real `jsonrpc-wire` bin in the CLI tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const cli = join(root, 'dist', 'src', 'cli', 'main.js');
export const fixture = (name: string): string => join(root, 'test', 'fixtures', name);

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves once stderr matches `pattern` (rejects if the process exits first). */
  waitForStderr(pattern: RegExp): Promise<RegExpExecArray>;
  readonly done: Promise<Outcome>;
}

/** Starts the bin with `args`; stdin gets `stdin` and is ended (unless `keepStdin`). */
export function startCli(args: string[], options: { stdin?: string; keepStdin?: boolean } = {}): Running {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    for (const w of [...watchers]) w();
  });
  child.stdin.on('error', () => undefined);
  if (options.keepStdin !== true) child.stdin.end(options.stdin ?? '');
  const done = new Promise<Outcome>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    stderr: () => stderr,
    done,
    waitForStderr: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(stderr);
          if (match === null) return;
          watchers.splice(watchers.indexOf(check), 1);
          resolve(match);
        };
        watchers.push(check);
        check();
        void done.then(() => reject(new Error(`exited before stderr matched ${pattern}; stderr: ${stderr}`)));
      }),
  };
}

export function runCli(args: string[], stdin?: string): Promise<Outcome> {
  return startCli(args, { stdin }).done;
}

/** Starts `serve` on an ephemeral TCP port and resolves with it once listening. */
export async function startServe(args: string[]): Promise<Running & { port: number }> {
  const running = startCli(['serve', '--tcp', '127.0.0.1:0', ...args], { keepStdin: true });
  const [, port] = await running.waitForStderr(/on 127\.0\.0\.1:(\d+)/);
  return { ...running, port: Number(port) };
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}
