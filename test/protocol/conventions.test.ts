import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Conventions } from '../../src/protocol/conventions.js';
import { LSP_CONVENTIONS } from '../../src/protocol/conventions.js';
import { assertError, drain, engine, HOLD, kinds, lines, note, req, write } from './helpers.js';

const lspCancel = (id: unknown): string => note('$/cancelRequest', { id });
const mcpCancel = (id: unknown, reason?: string): string => note('notifications/cancelled', reason === undefined ? { requestId: id } : { requestId: id, reason });

test('defaults: lsp for content-length, none otherwise', () => {
  assert.equal(engine({ framing: 'content-length' }).conventions.name, 'lsp');
  assert.equal(engine({ framing: 'newline' }).conventions.name, 'none');
  assert.equal(engine({ framing: 'json-stream', conventions: 'mcp' }).conventions.name, 'mcp');
  assert.throws(() => engine({ conventions: 'grpc' as 'lsp' }), TypeError);
});

test('lsp: cancelling a running request answers -32800 now and drops what its handler returns later', () => {
  const server = engine({ conventions: 'lsp' });
  server.receive(req(1, 'slow'));
  const { held } = drain(server, () => HOLD);
  server.receive(lspCancel(1));
  const { events, written } = drain(server);
  assert.deepEqual(kinds(events), ['cancel 1 running', 'reply']);
  assertError(lines(written)[0], -32800, 1);
  assert.equal(server.state.running, 1, 'the handler still runs until it returns');
  assert.equal(server.respond(held[0]!, 'late'), null);
  assert.equal(server.state.running, 0);
});

test('lsp: a queued request cancelled is answered -32800 and never handed out', () => {
  const server = engine({ conventions: 'lsp', maxConcurrentHandlers: 1 });
  server.request('ours'); // keeps reading past the busy handler
  server.receive(req(1, 'a') + req(2, 'b') + lspCancel(2));
  const { events, written, held } = drain(server, () => HOLD);
  assert.deepEqual(kinds(events), ['request a 1', 'cancel 2 queued', 'reply']);
  assertError(lines(written)[0], -32800, 2);
  assert.equal(server.state.queued, 0);
  write(written, server.respond(held[0]!, 'ok'));
  assert.deepEqual(kinds(drain(server).events), [], 'b never runs');
});

test('lsp: a cancel that comes before its request is remembered; the request is answered -32800 without running', () => {
  const server = engine({ conventions: 'lsp' });
  server.receive(lspCancel(7) + req(7, 'late'));
  const { events, written } = drain(server);
  assert.deepEqual(kinds(events), ['cancel 7 unknown', 'refused cancelled', 'reply']);
  assertError(lines(written)[0], -32800, 7);
});

test('mcp: a cancelled request is not answered, running or queued; a cancel that comes first is ignored', () => {
  const server = engine({ conventions: 'mcp', maxConcurrentHandlers: 1 });
  server.request('ours');
  server.receive(req(1, 'a') + req(2, 'b') + mcpCancel(1, 'user gave up') + mcpCancel(2));
  const first = drain(server, () => HOLD);
  assert.deepEqual(kinds(first.events), ['request a 1', 'cancel 1 running', 'cancel 2 queued']);
  const cancel = first.events[1]!;
  assert.ok(cancel.kind === 'cancel' && cancel.reason === 'user gave up');
  assert.deepEqual(first.written, []);
  assert.equal(server.respond(first.held[0]!, 'late'), null);
  server.receive(mcpCancel(3) + req(3, 'c'));
  assert.deepEqual(kinds(drain(server).events), ['cancel 3 unknown', 'request c 3'], 'MCP ignores unknown ids');
});

test("'none': the LSP cancel is an ordinary notification; cancelIncoming() still cancels, answered -32800", () => {
  const server = engine({ conventions: 'none' });
  server.receive(req(1, 'slow') + lspCancel(1));
  const { events, held } = drain(server, (w) => (w.kind === 'request' ? HOLD : undefined));
  assert.deepEqual(kinds(events), ['request slow 1', 'notification $/cancelRequest']);
  assert.equal(server.cancelIncoming(1, 'shutting down'), true);
  assert.equal(server.cancelIncoming(1), false, 'already cancelled');
  const after = drain(server);
  assert.deepEqual(kinds(after.events), ['cancel 1 running', 'reply']);
  assertError(lines(after.written)[0], -32800, 1);
  assert.equal(server.respond(held[0]!, 'late'), null);
});

test('a cancelled batch entry is answered inside its batch (lsp) or left out of it (mcp)', () => {
  for (const conventions of ['lsp', 'mcp'] as const) {
    const server = engine({ conventions });
    server.receive(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'a' }, { jsonrpc: '2.0', id: 2, method: 'b' }]) + '\n');
    const { held } = drain(server, () => HOLD);
    assert.equal(server.cancelIncoming(1), true);
    assert.deepEqual(drain(server).written, [], `${conventions}: the batch is not complete yet`);
    const text = server.respond(held[1]!, 'b done');
    const [batch] = lines([text!]) as Array<Array<{ id: number; error?: { code: number } }>>;
    assert.deepEqual(batch!.map((m) => m.id).sort(), conventions === 'lsp' ? [1, 2] : [2]);
    if (conventions === 'lsp') assert.equal(batch!.find((m) => m.id === 1)?.error?.code, -32800);
  }
});

test('outgoing cancel: the conventions say what is sent; the request is forgotten and its late response unknown', () => {
  const expected = {
    lsp: { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } },
    mcp: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'timeout' } },
  };
  for (const conventions of ['lsp', 'mcp', 'none'] as const) {
    const client = engine({ conventions });
    const { id } = client.request('slow');
    const text = client.cancel(id, 'timeout');
    if (conventions === 'none') assert.equal(text, null);
    else assert.deepEqual(lines([text!]), [expected[conventions]]);
    assert.equal(client.state.pendingOutgoing, 0);
    assert.equal(client.cancel(id), null, 'once');
    client.receive(JSON.stringify({ jsonrpc: '2.0', id, result: 1 }) + '\n');
    assert.deepEqual(kinds(drain(client).events), [`unknownResponse ${id}`]);
  }
});

test('lsp progress: a request carrying workDoneToken gets its $/progress as progress events; others go to the handlers', () => {
  const client = engine({ conventions: 'lsp' });
  const { id } = client.request('index', { workDoneToken: 'w1' }, 'token');
  client.receive(note('$/progress', { token: 'w1', value: { kind: 'report', percentage: 50 } }) + note('$/progress', { token: 'other', value: 1 }));
  const { events } = drain(client, () => undefined);
  assert.deepEqual(kinds(events), ['progress "w1"', 'notification $/progress']);
  const progress = events[0]!;
  assert.ok(progress.kind === 'progress');
  assert.deepEqual(progress.value, { kind: 'report', percentage: 50 });
  assert.equal(progress.token, 'token');
  assert.equal(progress.request?.id, id);
  // Settled, the token no longer matches.
  client.receive(JSON.stringify({ jsonrpc: '2.0', id, result: null }) + '\n' + note('$/progress', { token: 'w1', value: 2 }));
  assert.deepEqual(kinds(drain(client, () => undefined).events), [`response index ${id}`, 'notification $/progress']);
});

test('mcp progress: _meta.progressToken, added on request; the value is the params without the token', () => {
  const client = engine({ conventions: 'mcp' });
  const { id, text } = client.request('tools/call', { name: 'long' }, 'token', true);
  assert.deepEqual(lines([text]), [{ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'long', _meta: { progressToken: id } } }]);
  client.receive(note('notifications/progress', { progressToken: id, progress: 5, total: 10, message: 'half' }));
  const [event] = drain(client).events;
  assert.ok(event?.kind === 'progress');
  assert.deepEqual(event.value, { progress: 5, total: 10, message: 'half' });
  assert.equal(event.token, 'token');
});

test('serving side progress: sent to the token the request carries, per the conventions; nothing without one', () => {
  const lsp = engine({ conventions: 'lsp' });
  lsp.receive(req(1, 'a', { workDoneToken: 'w' }) + req(2, 'b', { partialResultToken: 7 }) + req(3, 'c', [1]));
  const l = drain(lsp, () => HOLD).held;
  assert.deepEqual(lines([lsp.progress(l[0] as never, { kind: 'begin' })!, lsp.progress(l[1] as never, [1, 2])!]), [
    { jsonrpc: '2.0', method: '$/progress', params: { token: 'w', value: { kind: 'begin' } } },
    { jsonrpc: '2.0', method: '$/progress', params: { token: 7, value: [1, 2] } },
  ]);
  assert.equal(lsp.progress(l[2] as never, 1), null);
  lsp.respond(l[0]!, null);
  assert.equal(lsp.progress(l[0] as never, 1), null, 'answered: no more progress');

  const mcp = engine({ conventions: 'mcp' });
  mcp.receive(req(1, 'tools/call', { _meta: { progressToken: 'p' } }));
  const [work] = drain(mcp, () => HOLD).held;
  assert.deepEqual(lines([mcp.progress(work as never, { progress: 1, total: 2 })!]), [
    { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p', progress: 1, total: 2 } },
  ]);
  assert.equal(engine({ conventions: 'none' }).progress(work as never, 1), null);
});

test('watchProgress: tokens not tied to a request of ours', () => {
  const client = engine({ conventions: 'lsp' });
  client.watchProgress('created-by-server', 'listener');
  client.receive(note('$/progress', { token: 'created-by-server', value: 1 }));
  const [event] = drain(client).events;
  assert.ok(event?.kind === 'progress' && event.token === 'listener' && event.request === undefined);
  assert.equal(client.unwatchProgress('created-by-server'), true);
  client.receive(note('$/progress', { token: 'created-by-server', value: 2 }));
  assert.deepEqual(kinds(drain(client, () => undefined).events), ['notification $/progress']);
});

test('custom conventions that throw are contained: reported, and the notification goes to the handlers', () => {
  const broken: Conventions = {
    ...LSP_CONVENTIONS,
    name: 'broken',
    cancel: { ...LSP_CONVENTIONS.cancel!, read: () => { throw new Error('boom'); } },
  };
  const server = engine({ conventions: broken });
  server.receive(req(1, 'a') + lspCancel(1));
  const { events, written } = drain(server, (w) => (w.kind === 'request' ? HOLD : undefined));
  assert.deepEqual(kinds(events), ['request a 1', 'notification $/cancelRequest', 'callbackError']);
  assert.deepEqual(written, []);
});

test('a custom tokenOf that throws does not stop the request: it goes out without a progress token, reported', () => {
  const broken: Conventions = {
    ...LSP_CONVENTIONS,
    name: 'broken',
    progress: { ...LSP_CONVENTIONS.progress!, tokenOf: () => { throw new Error('boom'); } },
  };
  const client = engine({ conventions: broken });
  const { id, text } = client.request('a', { workDoneToken: 'w' });
  assert.deepEqual(lines([text]), [{ jsonrpc: '2.0', id, method: 'a', params: { workDoneToken: 'w' } }]);
  const [report] = drain(client).events;
  assert.ok(report?.kind === 'callbackError' && report.callback === 'conventions');
  client.receive(note('$/progress', { token: 'w', value: 1 }));
  assert.deepEqual(kinds(drain(client, () => undefined).events), ['notification $/progress'], 'no token was registered');
});
