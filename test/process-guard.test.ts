/**
 * The guard every test process loads (process-guard.ts): a process that raises a warning, an
 * unhandled rejection or an uncaught exception exits non-zero and says what it saw, even when the
 * process itself (or the test runner) handles the event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const guard = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'process-guard.js')).href;

interface Outcome {
  code: number | null;
  stderr: string;
}

function run(args: string[]): Promise<Outcome> {
  // NODE_TEST_CONTEXT tells a process that it is one file of a runner's run: a nested `node --test`
  // would then report to this process instead of running on its own.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((done) => child.on('close', (code) => done({ code, stderr })));
}

/** Runs `script` as an ES module, with or without the guard. */
function script(source: string, { guarded = true, flags = [] as string[] } = {}): Promise<Outcome> {
  return run([...flags, ...(guarded ? ['--import', guard] : []), '--input-type=module', '-e', source]);
}

test('a clean process exits 0 with the guard loaded', async () => {
  const out = await script('await new Promise((r) => setTimeout(r, 5)); console.error("fine");');
  assert.equal(out.code, 0, out.stderr);
  assert.doesNotMatch(out.stderr, /process-guard/);
});

test('a process warning fails the process, though Node only prints it', async () => {
  const source = 'process.emitWarning("deliberate warning"); await new Promise((r) => setTimeout(r, 5));';
  assert.equal((await script(source, { guarded: false })).code, 0);
  const out = await script(source);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /process-guard: 1 .*\n.*process warning: Warning: deliberate warning/);
});

test('an uncaught exception fails the process even when a listener handles it (as the runner does)', async () => {
  const source = 'process.on("uncaughtException", () => {}); setTimeout(() => { throw new Error("deliberate throw"); });';
  assert.equal((await script(source, { guarded: false })).code, 0);
  const out = await script(source);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /uncaughtException: Error: deliberate throw/);
});

test('an unhandled rejection fails the process even when rejections only warn', async () => {
  const source = 'Promise.reject(new Error("deliberate rejection")); await new Promise((r) => setTimeout(r, 5));';
  assert.equal((await script(source, { guarded: false, flags: ['--unhandled-rejections=none'] })).code, 0);
  const out = await script(source, { flags: ['--unhandled-rejections=none'] });
  assert.equal(out.code, 1);
  assert.match(out.stderr, /unhandledRejection: Error: deliberate rejection/);
});

test('under node --test, a warning raised after every test passed fails the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'process-guard-'));
  try {
    const file = join(dir, 'late-warning.test.mjs');
    await writeFile(
      file,
      'import { test } from "node:test";\n' +
        'test("passes, then warns", () => { setTimeout(() => process.emitWarning("late warning"), 5); });\n',
    );
    assert.equal((await run(['--test', file])).code, 0, 'without the guard the runner only prints warnings');
    const out = await run(['--test', '--import', guard, file]);
    assert.equal(out.code, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
