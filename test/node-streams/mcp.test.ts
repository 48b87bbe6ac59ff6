/**
 * Interop with the Model Context Protocol, as real users run it: the official SDK's Client over
 * its StdioClientTransport against a jsonrpc-wire server (`conventions: 'mcp'`), and a
 * jsonrpc-wire client driving @modelcontextprotocol/server-everything over stdio.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

import { createConnection } from '../../src/connection/connection.js';
import { RequestAbortedError } from '../../src/connection/errors.js';
import { StreamTransport } from '../../src/node-streams/stream-transport.js';
import { waitFor } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, '..', 'fixtures', 'mcp-server.js');
const require = createRequire(import.meta.url);

describe('MCP SDK client against a jsonrpc-wire server (conventions: mcp)', () => {
  it('a tool call, progress to onprogress, an abort that aborts our handler, a prompt close()', async (t) => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [fixture],
      env: { ...process.env, JSONRPC_WIRE_FIXTURE: '1' } as Record<string, string>,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'interop-test', version: '1.0.0' });
    await client.connect(transport);

    const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    assert.deepEqual(sum.content, [{ type: 'text', text: '42' }]);

    const progress: unknown[] = [];
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: {} }, undefined, {
      signal: controller.signal,
      onprogress: (value) => {
        progress.push(value);
        if (progress.length === 2) controller.abort('enough');
      },
    });
    await assert.rejects(call);
    assert.deepEqual(progress, [
      { progress: 1, total: 3 },
      { progress: 2, total: 3, message: 'halfway' },
    ]);
    await waitFor(() => stderr.includes('aborted:'), 5000, "the server handler's signal to abort");
    assert.match(stderr, /aborted: enough/);

    const started = performance.now();
    await client.close();
    const took = performance.now() - started;
    // The SDK waits 2 s for the child to exit before it sends SIGTERM: a server that exits when
    // its stdin ends is well under that (a generous bound: the machine may be loaded).
    t.diagnostic(`close() took ${took.toFixed(0)} ms`);
    assert.ok(took < 1500, `close() took ${took.toFixed(0)} ms`);
  });
});

describe('a jsonrpc-wire client driving @modelcontextprotocol/server-everything', () => {
  it('initialize, tools/list, a long-running tool with progress, and a cancel', { timeout: 60_000 }, async () => {
    const main = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
    const child = spawn(process.execPath, [main, 'stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const connection = createConnection(new StreamTransport({ readable: child.stdout, writable: child.stdin }), { conventions: 'mcp' });
    try {
      const init = (await connection.request('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'jsonrpc-wire-test', version: '1.0.0' },
      }, { timeoutMs: 20_000 })) as { protocolVersion: string; capabilities: { tools?: unknown } };
      assert.equal(typeof init.protocolVersion, 'string');
      assert.ok(init.capabilities.tools !== undefined);
      await connection.notify('notifications/initialized');

      const { tools } = (await connection.request('tools/list', {}, { timeoutMs: 10_000 })) as { tools: { name: string }[] };
      const names = tools.map((tool) => tool.name);
      assert.ok(names.includes('trigger-long-running-operation'), names.join(', '));

      const progress: unknown[] = [];
      const done = (await connection.request(
        'tools/call',
        { name: 'trigger-long-running-operation', arguments: { duration: 0.4, steps: 4 } },
        { onProgress: (value) => void progress.push(value), timeoutMs: 20_000 },
      )) as { content: { text: string }[] };
      assert.match(done.content[0]!.text, /completed/);
      assert.deepEqual(progress, [1, 2, 3, 4].map((step) => ({ progress: step, total: 4 })));

      // A cancel: the request rejects at once; no answer comes for it (MCP does not answer one).
      const late: unknown[] = [];
      connection.on('unknownResponse', (response) => void late.push(response));
      const controller = new AbortController();
      const seen: unknown[] = [];
      const cancelled = connection.request(
        'tools/call',
        { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
        { signal: controller.signal, onProgress: (value) => (seen.push(value), controller.abort('stop')) },
      );
      await assert.rejects(cancelled, RequestAbortedError);
      await new Promise((resolve) => setTimeout(resolve, 1200)); // past the operation's end
      assert.deepEqual(late, [], 'the cancelled call is not answered');
      assert.deepEqual(await connection.request('ping', {}, { timeoutMs: 10_000 }), {});
    } finally {
      await connection.close();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill();
    }
  });
});
