/**
 * tap in front of real servers, driven by real clients, as users run them: VS Code's JSON language
 * server driven by vscode-jsonrpc over the child's stdio, and the MCP "everything" server driven by
 * the MCP SDK's StdioClientTransport. Each session runs twice, once direct and once through tap;
 * the bytes the client receives and the bytes the server receives (recorded inside it by
 * test/fixtures/record-stdio.mjs) must be the same both times, and tap's log must pair every
 * response with its request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { LogLine, MessageLine } from '../../src/cli/log-format.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const recorder = join(root, 'test', 'fixtures', 'record-stdio.mjs');
const jsonServer = join(root, 'node_modules', 'vscode-langservers-extracted', 'bin', 'vscode-json-language-server');
const mcpServer = join(root, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');

interface Recording {
  /** What the client read from the server's stdout (or from tap's). */
  clientReceived: Buffer;
  /** What the server read on its stdin, and what it wrote on its stdout. */
  serverReceived: Buffer;
  serverSent: Buffer;
  log?: LogLine[];
}

/** The command that runs `server` (with the recorder preloaded), direct or through tap logging to `log`. */
function serverCommand(server: string[], log: string | undefined): [string, string[]] {
  const direct = ['--import', recorder, ...server];
  return log === undefined ? [process.execPath, direct] : [process.execPath, [cli, 'tap', '--log', log, '--', process.execPath, ...direct]];
}

function finishRecording(dir: string, clientReceived: Buffer[], log: string | undefined): Recording {
  const recording: Recording = {
    clientReceived: Buffer.concat(clientReceived),
    serverReceived: readFileSync(join(dir, 'received.bin')),
    serverSent: readFileSync(join(dir, 'sent.bin')),
  };
  if (log !== undefined) recording.log = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
  return recording;
}

async function jsonLanguageServerSession(throughTap: boolean): Promise<Recording> {
  const dir = mkdtempSync(join(tmpdir(), 'jsonrpc-wire-real-'));
  const log = throughTap ? join(dir, 't.jsonl') : undefined;
  const [command, args] = serverCommand([jsonServer, '--stdio'], log);
  const child: ChildProcess = spawn(command, args, { env: { ...process.env, JSONRPC_WIRE_RECORD_DIR: dir }, stdio: ['pipe', 'pipe', 'inherit'] });
  const received: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => received.push(chunk));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.onRequest(() => null); // workspace/configuration, client/registerCapability, ...
  connection.listen();
  const text = JSON.stringify({ name: 'jsonrpc-wire', tags: ['a', 'b'], nested: { deep: [1, 2, 3] } }, null, 2);
  const uri = 'file:///tmp/session.json';
  await connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {}, initializationOptions: { provideFormatter: true } });
  await connection.sendNotification('initialized', {});
  await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text } });
  const symbols = await connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } });
  assert.ok(Array.isArray(symbols) && symbols.length > 0);
  await connection.sendRequest('textDocument/foldingRange', { textDocument: { uri } });
  await connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 4 } });
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  const [code] = (await once(child, 'close')) as [number | null];
  connection.dispose();
  assert.equal(code, 0);
  return finishRecording(dir, received, log);
}

async function mcpSession(throughTap: boolean): Promise<Recording> {
  const dir = mkdtempSync(join(tmpdir(), 'jsonrpc-wire-real-'));
  const log = throughTap ? join(dir, 't.jsonl') : undefined;
  const [command, args] = serverCommand([mcpServer, 'stdio'], log);
  const transport = new StdioClientTransport({ command, args, env: { ...(process.env as Record<string, string>), JSONRPC_WIRE_RECORD_DIR: dir }, stderr: 'ignore' });
  const received: Buffer[] = [];
  // The transport's child is private; its stdout gets our listener as soon as it is spawned, before
  // the server can have written anything (it writes only in answer to initialize).
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    (transport as unknown as { _process: ChildProcess })._process.stdout!.on('data', (chunk: Buffer) => received.push(chunk));
  };
  const client = new Client({ name: 'jsonrpc-wire-test', version: '1.0.0' });
  await client.connect(transport);
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === 'echo'));
  const echo = await client.callTool({ name: 'echo', arguments: { message: 'through tap: Zoë 😀' } });
  assert.deepEqual(echo.content, [{ type: 'text', text: 'Echo: through tap: Zoë 😀' }]);
  await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
  await client.listPrompts();
  await client.listResources();
  await client.close();
  return finishRecording(dir, received, log);
}

/** Every response in the log names its request's method and latency; every request is answered. */
function assertPaired(log: LogLine[]): MessageLine[] {
  const messages = log.filter((l): l is MessageLine => ['request', 'notification', 'response', 'invalid'].includes(l.kind));
  assert.equal(log.filter((l) => l.kind === 'unreadable' || l.kind === 'invalid' || l.kind === 'dropped').length, 0);
  const requests = messages.filter((m) => m.kind === 'request');
  const responses = messages.filter((m) => m.kind === 'response');
  for (const response of responses) {
    const request = requests.find((r) => r.dir !== response.dir && JSON.stringify(r.id) === JSON.stringify(response.id));
    assert.ok(request !== undefined, `response ${JSON.stringify(response.id)} has a request`);
    assert.equal(response.method, request.method);
    assert.ok(typeof response.latencyMs === 'number' && response.latencyMs >= 0);
    assert.equal(response.unmatched, undefined);
  }
  assert.equal(responses.length, requests.length, 'every request was answered');
  return messages;
}

function assertSameBytes(direct: Recording, tapped: Recording): void {
  assert.ok(direct.serverReceived.length > 0 && direct.serverSent.length > 0, 'the recorder saw the traffic');
  assert.ok(tapped.serverReceived.equals(direct.serverReceived), 'the server received the same bytes through tap');
  assert.ok(tapped.serverSent.equals(direct.serverSent), 'the server sent the same bytes through tap');
  assert.ok(tapped.clientReceived.equals(direct.clientReceived), 'the client received the same bytes through tap');
  assert.ok(tapped.clientReceived.equals(tapped.serverSent), 'what the server wrote is what the client read');
}

test('vscode-json-language-server driven by vscode-jsonrpc: the same bytes with and without tap, and a paired log', { timeout: 120_000 }, async () => {
  const direct = await jsonLanguageServerSession(false);
  const tapped = await jsonLanguageServerSession(true);
  assertSameBytes(direct, tapped);
  const messages = assertPaired(tapped.log!);
  const methods = messages.filter((m) => m.kind === 'response' && m.dir === 'to-client').map((m) => m.method);
  assert.deepEqual(methods, ['initialize', 'textDocument/documentSymbol', 'textDocument/foldingRange', 'textDocument/hover', 'shutdown']);
  assert.ok(messages.every((m) => m.framing === 'content-length'));
  assert.equal(messages.reduce((n, m) => n + m.size, 0) > 0, true);
});

test('the MCP everything server driven by the MCP SDK client: the same bytes with and without tap, and a paired log', { timeout: 120_000 }, async () => {
  const direct = await mcpSession(false);
  const tapped = await mcpSession(true);
  assertSameBytes(direct, tapped);
  const messages = assertPaired(tapped.log!);
  const methods = messages.filter((m) => m.kind === 'response').map((m) => m.method);
  assert.deepEqual(methods, ['initialize', 'tools/list', 'tools/call', 'tools/call', 'prompts/list', 'resources/list']);
  // Newline-delimited JSON, detected as JSON and read by the json-stream framer.
  assert.ok(messages.every((m) => m.framing === 'json-stream'));
});
