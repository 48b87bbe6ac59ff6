/**
 * Standard Schema params and results: the same behaviour with Zod 4, Valibot and ArkType, and
 * schemas that misbehave (throw, return garbage, never settle).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as z from 'zod';
import * as v from 'valibot';
import { type } from 'arktype';
import { Dispatcher, handle, ResultValidationError, type HandlerErrorInfo, type StandardSchemaV1 } from '../../src/dispatch/index.js';
import { parse } from './helpers.js';

const libraries = {
  zod: { pair: z.tuple([z.number(), z.number()]), person: z.object({ name: z.string(), age: z.number().int() }) },
  valibot: {
    pair: v.tuple([v.number(), v.number()]),
    person: v.object({ name: v.string(), age: v.pipe(v.number(), v.integer()) }),
  },
  arktype: { pair: type(['number', 'number']), person: type({ name: 'string', age: 'number.integer' }) },
};

const request = (method: string, params?: unknown): string =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) });

for (const [library, schemas] of Object.entries(libraries)) {
  test(`${library}: valid params reach the handler as the schema's output; invalid ones are -32602 with path and message only`, async () => {
    let calls = 0;
    const d = new Dispatcher()
      .add('sum', ([a, b]) => { calls++; return a + b; }, { params: schemas.pair })
      .add('greet', ({ name, age }) => { calls++; return `${name} is ${age}`; }, { params: schemas.person });

    assert.deepEqual(parse(await handle(request('sum', [2, 3]), d)), { jsonrpc: '2.0', id: 1, result: 5 });
    assert.deepEqual(parse(await handle(request('greet', { name: 'Ada', age: 36 }), d)), {
      jsonrpc: '2.0', id: 1, result: 'Ada is 36',
    });
    assert.equal(calls, 2);

    for (const [method, params, path] of [
      ['sum', [2, 'x'], [1]],
      ['greet', { name: 'Ada', age: 1.5 }, ['age']],
      ['greet', { name: 7, age: 1 }, ['name']],
    ] as const) {
      const answer = parse(await handle(request(method, params), d)) as { error: { code: number; data: { issues: unknown[] } } };
      assert.equal(answer.error.code, -32602, `${method} ${JSON.stringify(params)}`);
      const issues = answer.error.data.issues as { path: unknown; message: unknown }[];
      assert.ok(issues.length >= 1);
      for (const issue of issues) assert.deepEqual(Object.keys(issue).sort(), ['message', 'path']);
      assert.deepEqual(issues[0]!.path, path);
      assert.equal(typeof issues[0]!.message, 'string');
    }
    // Absent params and the wrong structure are checked by the schema too.
    for (const [method, params] of [['sum', undefined], ['sum', { a: 1 }], ['greet', undefined], ['greet', ['Ada', 1]]] as const) {
      const answer = parse(await handle(request(method, params), d)) as { error: { code: number } };
      assert.equal(answer.error.code, -32602, `${method} ${JSON.stringify(params)}`);
    }
    assert.equal(calls, 2, 'no invalid call reached a handler');
  });

  test(`${library}: result schemas are checked with validateResults (-32603 reported as ResultValidationError), not without`, async () => {
    const reported: { error: unknown; info: HandlerErrorInfo }[] = [];
    const onHandlerError = (error: unknown, info: HandlerErrorInfo): void => void reported.push({ error, info });
    const register = (d: Dispatcher): Dispatcher =>
      d
        .add('good', ([a, b]) => a + b, { params: schemas.pair, result: z.number() })
        .add('bad', () => 'not a person', { params: 'positional', arity: 0, result: schemas.person })
        .add('badAsync', async () => ({ name: 'Ada' }), { result: schemas.person });
    const checking = register(new Dispatcher(undefined, { validateResults: true }));
    assert.deepEqual(parse(await handle(request('good', [1, 2]), checking, { onHandlerError })), { jsonrpc: '2.0', id: 1, result: 3 });
    for (const method of ['bad', 'badAsync']) {
      const answer = parse(await handle(request(method, []), checking, { onHandlerError })) as { error: { code: number } };
      assert.deepEqual(answer, { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } });
    }
    assert.equal(reported.length, 2);
    for (const { error, info } of reported) {
      assert.ok(error instanceof ResultValidationError);
      assert.ok(error.issues.length >= 1);
      assert.equal(info.stage, 'handler');
    }
    assert.deepEqual(reported.map((r) => (r.error as ResultValidationError).method), ['bad', 'badAsync']);

    const trusting = register(new Dispatcher());
    assert.deepEqual(parse(await handle(request('bad', []), trusting)), { jsonrpc: '2.0', id: 1, result: 'not a person' });
  });
}

test('the handler gets the output of a transforming schema, and the result is sent as returned', async () => {
  const d = new Dispatcher(undefined, { validateResults: true }).add(
    'double',
    ({ n }) => ({ twice: n * 2, kind: typeof n }),
    { params: z.object({ n: z.string().transform(Number) }), result: z.object({ twice: z.number().transform(String) }) },
  );
  assert.deepEqual(parse(await handle(request('double', { n: '21' }), d)), {
    jsonrpc: '2.0', id: 1, result: { twice: 42, kind: 'number' },
  });
});

/** A hand-written Standard Schema whose validate does what a test needs. */
function schemaOf(validate: (value: unknown) => unknown): StandardSchemaV1 {
  return { '~standard': { version: 1, vendor: 'test', validate: validate as StandardSchemaV1.Props['validate'] } };
}

test('a schema that throws, rejects or returns no result is a -32603 server fault, reported, handler not run', async () => {
  const faults: unknown[] = [];
  let ran = 0;
  const cases: [string, (value: unknown) => unknown][] = [
    ['throws', () => { throw new Error('schema bug'); }],
    ['rejects', () => Promise.reject(new Error('async schema bug'))],
    ['null', () => null],
    ['string', () => 'ok'],
    ['issuesNotArray', () => ({ issues: 'bad' })],
    ['asyncNull', async () => null],
  ];
  const d = new Dispatcher();
  for (const [name, validate] of cases) d.add(name, () => ++ran, { params: schemaOf(validate) });
  for (const [name] of cases) {
    const answer = parse(await handle(request(name, []), d, { onHandlerError: (e) => void faults.push(e) }));
    assert.deepEqual(answer, { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } }, name);
  }
  assert.equal(ran, 0);
  assert.equal(faults.length, cases.length);
});

test('hostile issue lists are reduced to path and message, bounded in count', async () => {
  const issues = Array.from({ length: 500 }, (_, i) => ({
    message: i === 0 ? { toString: (): string => 'custom' } : `m${i}`,
    path: [{ key: 'a' }, i, Symbol('s'), { key: Symbol.for('k') }],
    input: 'secret',
  }));
  issues.push(null as never);
  const d = new Dispatcher().add('x', () => 1, { params: schemaOf(() => ({ issues })) });
  const answer = parse(await handle(request('x', []), d)) as { error: { code: number; data: { issues: { path: unknown; message: string }[] } } };
  assert.equal(answer.error.code, -32602);
  assert.equal(answer.error.data.issues.length, 100);
  assert.deepEqual(answer.error.data.issues[0], { path: ['a', 0, 's', 'k'], message: 'custom' });
  assert.ok(!JSON.stringify(answer).includes('secret'));
  // An empty issue list still fails (issues present means failure), with one generic issue.
  const empty = new Dispatcher().add('x', () => 1, { params: schemaOf(() => ({ issues: [] })) });
  const emptyAnswer = parse(await handle(request('x', []), empty)) as { error: { code: number; data: { issues: unknown[] } } };
  assert.equal(emptyAnswer.error.code, -32602);
  assert.equal(emptyAnswer.error.data.issues.length, 1);
});

test('asynchronous validation works, and one that never settles ends with the call\'s signal (-32800)', async () => {
  const d = new Dispatcher()
    .add('slowOk', (n) => n, { params: schemaOf(async (value) => ({ value: [value, 'checked'] })) })
    .add('never', () => 'ran', { params: schemaOf(() => new Promise(() => undefined)) });
  assert.deepEqual(parse(await handle(request('slowOk', [1]), d)), { jsonrpc: '2.0', id: 1, result: [[1], 'checked'] });

  const controller = new AbortController();
  const answer = handle(request('never', []), d, { signal: controller.signal });
  const timer = setTimeout(() => controller.abort(), 20);
  const text = parse(await answer) as { error: { code: number } };
  clearTimeout(timer);
  assert.equal(text.error.code, -32800);
  // Dispatcher.call itself (the connection's path) rejects too once the signal aborts.
  const again = new AbortController();
  const pending = d.call('never', [], { id: 2, method: 'never', signal: again.signal }) as Promise<unknown>;
  again.abort();
  await assert.rejects(pending, (err: { code?: number }) => err.code === -32800);
});

test('a synchronous schema keeps a synchronous handler synchronous (no promise from call())', () => {
  const d = new Dispatcher().add('sum', ([a, b]) => a + b, { params: z.tuple([z.number(), z.number()]) });
  let signalRead = false;
  const context = { id: 1, method: 'sum', get signal(): AbortSignal { signalRead = true; return new AbortController().signal; } };
  assert.equal(d.call('sum', [1, 2], context), 3);
  assert.equal(signalRead, false, 'a synchronous validation never makes the signal');
  assert.throws(() => d.call('sum', [1], context), (err: { code?: number }) => err.code === -32602);
});

test('property: a Zod schema accepts exactly what the handler would, and rejects the rest with -32602', async () => {
  let ran = 0;
  const d = new Dispatcher().add('f', ({ n }) => { ran++; return n; }, { params: z.object({ n: z.number().int().min(0) }) });
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), async (params) => {
      const before = ran;
      const sendable = typeof params === 'object' && params !== null;
      const text = await handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'f', params: sendable ? params : [params] }), d);
      const answer = parse(text) as { result?: unknown; error?: { code: number } };
      const p = sendable ? params : [params];
      const valid = !Array.isArray(p) && typeof (p as { n?: unknown }).n === 'number' && Number.isInteger((p as { n: number }).n) && (p as { n: number }).n >= 0;
      if (valid) {
        assert.equal(answer.result, (p as { n: number }).n);
        assert.equal(ran, before + 1);
      } else {
        assert.equal(answer.error?.code, -32602);
        assert.equal(ran, before);
      }
    }),
  );
});

test('registration refuses what is neither a shape nor a Standard Schema', () => {
  assert.throws(() => new Dispatcher().add('x', () => 1, { params: { '~standard': {} } } as never), /Standard Schema/);
  assert.throws(() => new Dispatcher().add('x', () => 1, { result: {} } as never), /result schema of 'x' is not a Standard Schema/);
  assert.throws(() => new Dispatcher().add('x', () => 1, { errors: [{ code: 1.5, message: 'x' }] }), /errors of 'x'/);
});
