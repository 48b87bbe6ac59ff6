/** `jsonrpc-wire stats`: the summary of a tap log (pure), and the command run on a file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import type { Direction, LogLine, MessageLine } from '../../src/cli/log-format.js';
import { MessageLog } from '../../src/cli/message-log.js';
import { LARGEST_SHOWN, MAX_UNANSWERED_KEPT, percentile, summarize } from '../../src/cli/stats-summary.js';
import { formatSummary } from '../../src/cli/stats.js';
import { renderHtml } from '../../src/cli/stats-html.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const run = promisify(execFile);
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

/** A log as tap writes it, made with the real MessageLog from messages sent at given times. */
function logOf(steps: Array<[Direction, number, unknown]>, conn?: number): LogLine[] {
  const log = new MessageLog({ framing: 'newline', conn });
  return steps.flatMap(([dir, at, value]) => log.push(dir, new TextEncoder().encode(`${JSON.stringify(value)}\n`), T0 + at)).map((l) => JSON.parse(l) as LogLine);
}

const request = (id: number | string, method: string, params: unknown = []) => ({ jsonrpc: '2.0', id, method, params });
const result = (id: number | string, value: unknown = null) => ({ jsonrpc: '2.0', id, result: value });
const failure = (id: number | string, code: number) => ({ jsonrpc: '2.0', id, error: { code, message: 'no' } });

test('percentiles are nearest-rank: p of n sorted values is the ceil(p*n)-th', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (values, p) => {
      const sorted = [...values].sort((a, b) => a - b);
      const got = percentile(sorted, p)!;
      const atOrBelow = sorted.filter((v) => v <= got).length;
      assert.ok(atOrBelow >= Math.ceil(p * sorted.length), 'at least p of the values are at or below it');
      assert.ok(sorted.filter((v) => v < got).length < Math.ceil(p * sorted.length), 'and it is the smallest such value');
    }),
  );
  assert.equal(percentile([], 0.5), undefined);
  assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
  assert.equal(percentile([1, 2, 3, 4], 0.99), 4);
});

test('per method: requests, notifications, errors, unanswered and latencies; requests the other way count too', () => {
  const s = summarize(logOf([
    ['to-server', 0, request(1, 'hover')],
    ['to-server', 1, request(2, 'hover')],
    ['to-server', 2, request(3, 'hover')],
    ['to-client', 5, result(1)],
    ['to-client', 11, failure(2, -32800)],
    ['to-server', 12, { jsonrpc: '2.0', method: 'didChange', params: {} }],
    ['to-client', 13, request('c1', 'workspace/configuration')],
    ['to-server', 20, result('c1', [null])],
    ['to-client', 21, result(99)],
  ]));
  const hover = s.methods.find((m) => m.method === 'hover')!;
  assert.deepEqual([hover.requests, hover.errors, hover.unanswered, hover.latencies], [3, 1, 1, [5, 10]]);
  const config = s.methods.find((m) => m.method === 'workspace/configuration')!;
  assert.deepEqual([config.requests, config.latencies], [1, [7]]);
  assert.equal(s.methods.find((m) => m.method === 'didChange')!.notifications, 1);
  assert.deepEqual(s.unanswered.map((l) => [l.method, l.id]), [['hover', 3]]);
  assert.equal(s.unmatched, 1);
  assert.deepEqual(s.messages, { 'to-server': 5, 'to-client': 4 });
  assert.deepEqual(s.methods.map((m) => m.method), ['hover', 'didChange', 'workspace/configuration']);
  const text = formatSummary(s);
  assert.match(text, /^hover +3 +0 +1 +1 +5\.00 +10\.0 +10\.0 +10\.0 /m);
  assert.match(text, /requests never answered \(1\):\n  to-server +hover \(id 3\)/);
  assert.match(text, /responses to no request seen: 1/);
});

test('the same id on two tcp connections is two requests', () => {
  const s = summarize([...logOf([['to-server', 0, request(1, 'a')]], 1), ...logOf([['to-server', 0, request(1, 'a')], ['to-client', 4, result(1)]], 2)]);
  assert.deepEqual(s.unanswered.map((l) => l.conn), [1]);
  assert.deepEqual(s.methods[0].latencies, [4]);
});

test('the largest messages are the largest, biggest first, at most LARGEST_SHOWN', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 5000 }), { maxLength: 40 }), (sizes) => {
      const lines = logOf(sizes.map((n, i): [Direction, number, unknown] => ['to-server', i, { jsonrpc: '2.0', method: 'm', params: ['x'.repeat(n)] }]));
      const got = summarize(lines).largest.map((l) => l.size);
      const all = (lines as MessageLine[]).map((l) => l.size).sort((a, b) => b - a);
      assert.deepEqual(got, all.slice(0, LARGEST_SHOWN));
    }),
    { numRuns: 50 },
  );
});

test('the HTML page escapes what came off the wire and loads nothing', () => {
  const hostile = '<img src="http://example.invalid/x.png">';
  const html = renderHtml(summarize(logOf([['to-server', 0, request(1, hostile)], ['to-client', 3, failure(1, -32601)]])), 'a&b.jsonl');
  assert.ok(!html.includes(hostile));
  assert.ok(html.includes('&lt;img src=&quot;http://example.invalid/x.png&quot;&gt;'));
  assert.doesNotMatch(html, /<(script|link|img|iframe|object|embed)\b|@import|url\(/i);
});

test('stats on a file: a summary on stdout; junk lines are counted; a missing file is a usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsonrpc-wire-stats-'));
  const file = join(dir, 't.jsonl');
  const lines = logOf([['to-server', 0, request(1, 'initialize', {})], ['to-client', 40, result(1, { capabilities: {} })]]);
  writeFileSync(file, [JSON.stringify({ time: new Date(T0).toISOString(), kind: 'start', command: ['my-server', '--stdio'], framing: 'newline', redact: false }), ...lines.map((l) => JSON.stringify(l)), 'not json', '{"kind":"other"}', ''].join('\n'));
  const { stdout, stderr } = await run(process.execPath, [cli, 'stats', file, '--html', join(dir, 'r.html')]);
  assert.match(stdout, /^my-server --stdio: 2 messages \(1 to the server, 1 to the client\) over 0\.0 s/);
  assert.match(stdout, /^initialize +1 +0 +0 +0 +40\.0 /m);
  assert.match(stdout, /every request was answered/);
  assert.match(stderr, /skipped 2 line\(s\) that are not tap log lines \(first: line 4\)/);
  assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /<td>initialize<\/td>/);
  const missing = await run(process.execPath, [cli, 'stats', join(dir, 'nope.jsonl')]).catch((e: { code: number; stderr: string }) => e);
  assert.equal((missing as { code: number }).code, 2);
  assert.match((missing as { stderr: string }).stderr, /^jsonrpc-wire: cannot read the log .*nope\.jsonl: no such file\n/);
});

test('problems are counted with the first one\'s explanation; dropped lines and skipped bytes are summed', () => {
  const log = new MessageLog({ framing: 'content-length' });
  const lines = [
    ...log.push('to-client', new TextEncoder().encode('banner\n'), T0),
    ...log.push('to-client', new TextEncoder().encode('Content-Length: 4\r\n\r\n{x}\n'), T0 + 1),
    ...log.push('to-client', new TextEncoder().encode('Content-Length: 5\r\n\r\n{"a":'), T0 + 2),
  ].map((l) => JSON.parse(l) as LogLine);
  lines.push({ time: new Date(T0 + 3).toISOString(), kind: 'dropped', lines: 3 }, { time: new Date(T0 + 4).toISOString(), kind: 'dropped', bytes: 100, dir: 'to-server' });
  const s = summarize(lines);
  assert.equal(s.unreadable.count, 1);
  assert.match(s.unreadable.first!, /banner/);
  assert.equal(s.invalid.count, 2);
  assert.match(s.invalid.first!, /^Parse error/);
  assert.deepEqual([s.droppedLines, s.skippedBytes], [3, 100]);
  assert.match(formatSummary(s), /the log could not keep up: 3 line\(s\) and 100 byte\(s\) not logged/);
});

test('a response that breaks the specification answers its request as an error, and is counted invalid', () => {
  const broken = { jsonrpc: '2.0', id: 1, result: 1, error: { code: 1, message: 'x' } };
  const s = summarize(logOf([['to-server', 0, request(1, 'both')], ['to-client', 5, broken], ['to-client', 6, { ...broken, id: 9 }]]));
  const both = s.methods.find((m) => m.method === 'both')!;
  assert.deepEqual([both.requests, both.errors, both.unanswered, both.latencies], [1, 1, 0, [5]]);
  assert.equal(s.unansweredTotal, 0);
  assert.deepEqual([s.invalid.count, s.unmatched], [2, 1]);
});

test('requests never answered are all counted; past the bound the oldest are counted but not kept, and the text lists the first few', () => {
  const steps = Array.from({ length: MAX_UNANSWERED_KEPT + 5 }, (_, i): [Direction, number, unknown] => ['to-server', i, request(i, i % 2 === 0 ? 'even' : 'odd')]);
  const s = summarize(logOf(steps));
  assert.equal(s.unansweredTotal, MAX_UNANSWERED_KEPT + 5);
  assert.equal(s.unanswered.length, MAX_UNANSWERED_KEPT);
  assert.equal(s.unanswered[0].id, 5, 'the oldest were forgotten');
  assert.deepEqual(s.methods.map((m) => [m.method, m.unanswered]), [['even', 5003], ['odd', 5002]]);
  const text = formatSummary(s);
  assert.match(text, new RegExp(`requests never answered \\(${MAX_UNANSWERED_KEPT + 5}\\):`));
  assert.match(text, new RegExp(`\\.\\.\\. and ${MAX_UNANSWERED_KEPT + 5 - 50} more\\n`));
});
