/**
 * The CLI against a real language server: VS Code's JSON language server (from
 * vscode-langservers-extracted, built on vscode-languageserver/vscode-jsonrpc), spawned over stdio
 * with Content-Length framing, exactly as the README shows for a shell user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const server = join(root, 'node_modules', 'vscode-langservers-extracted', 'bin', 'vscode-json-language-server');
const run = promisify(execFile);

test('call initialize prints a real language server\'s capabilities', async () => {
  const { stdout } = await run(process.execPath, [
    cli, 'call', 'initialize', '{"processId":null,"rootUri":null,"capabilities":{}}',
    '--framing', 'content-length', '--timeout', '20000', '--stdio', '--', process.execPath, server, '--stdio',
  ], { timeout: 30_000 });
  const { capabilities } = JSON.parse(stdout) as { capabilities: Record<string, unknown> };
  assert.equal(capabilities.hoverProvider, true);
  assert.equal(capabilities.documentSymbolProvider, true);
});

test('a scripted session: initialize, open a document, ask for its symbols, shut down', async () => {
  const text = JSON.stringify({ name: 'jsonrpc-wire', deps: { split2: 1 } });
  const script = [
    { method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } },
    { method: 'initialized', params: {}, notification: true },
    { method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///tmp/a.json', languageId: 'json', version: 1, text } }, notification: true },
    { method: 'textDocument/documentSymbol', params: { textDocument: { uri: 'file:///tmp/a.json' } } },
    { method: 'shutdown' },
    { method: 'exit', notification: true },
  ].map((step) => JSON.stringify(step)).join('\n');
  const child = execFile(process.execPath, [
    cli, 'call', '--script', '-', '--framing', 'content-length', '--timeout', '20000',
    '--stdio', '--', process.execPath, server, '--stdio',
  ], { timeout: 30_000 });
  child.stdin!.end(script);
  let stdout = '';
  child.stdout!.on('data', (s: string) => (stdout += s));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  assert.equal(code, 0);
  const [, symbols, shutdown] = stdout.trim().split('\n').map((line) => (JSON.parse(line) as { result: unknown }).result);
  // A flat SymbolInformation list: the nested key names its container.
  assert.deepEqual(
    (symbols as Array<{ name: string; containerName: string }>).map((s) => [s.name, s.containerName]),
    [['name', ''], ['deps', ''], ['split2', 'deps']],
  );
  assert.equal(shutdown, null);
});

test('the README\'s --script example file runs as shown, each output line naming its step', async (t) => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /^```jsonl\n([\s\S]*?)^```$/m.exec(readme);
  assert.ok(block !== null, 'README has a ```jsonl script');
  const dir = await mkdtemp(join(tmpdir(), 'jsonrpc-wire-script-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'session.jsonl');
  await writeFile(file, block[1]);
  const { stdout } = await run(process.execPath, [
    cli, 'call', '--script', file, '--framing', 'content-length', '--stdio', '--', process.execPath, server, '--stdio',
  ], { timeout: 30_000 });
  const steps = stdout.trim().split('\n').map((line) => JSON.parse(line) as { line: number; method: string; result: unknown });
  assert.deepEqual(steps.map((s) => [s.line, s.method]), [[2, 'initialize'], [5, 'textDocument/documentSymbol'], [6, 'shutdown']]);
  assert.deepEqual((steps[1].result as Array<{ name: string }>).map((s) => s.name), ['name']);
});
