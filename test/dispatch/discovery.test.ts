/**
 * rpc.discover: the generated OpenRPC document is valid against the OpenRPC meta-schema (checked
 * with ajv) and says what the dispatcher serves, with JSON Schema from Zod, ArkType and Valibot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import * as z from 'zod';
import * as v from 'valibot';
import { type } from 'arktype';
import { toJsonSchema, toStandardJsonSchema } from '@valibot/to-json-schema';
import { Dispatcher, handle, method, type OpenRpcDocument, type StandardSchemaV1 } from '../../src/core.js';
import { parse } from './helpers.js';

const require = createRequire(import.meta.url);
const { openrpcDocument } = require('@open-rpc/meta-schema') as { openrpcDocument: Record<string, unknown> };
// OpenRPC's meta-schema refers to this one for its JSON Schema objects.
const { jsonSchema } = require('@json-schema-tools/meta-schema') as { jsonSchema: Record<string, unknown> };

// Both name their own dialect URL as `$schema`; ajv reads them as the draft-07 they are written in.
const draft07 = ({ $schema: _dialect, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(draft07(jsonSchema));
// ... and refers to itself without the trailing slash as well.
const { $id: _id, ...anonymous } = draft07(jsonSchema);
ajv.addSchema(anonymous, 'https://meta.json-schema.tools');
const validDocument = ajv.compile(draft07(openrpcDocument));

function assertValid(document: unknown): void {
  assert.ok(validDocument(document), JSON.stringify(validDocument.errors, null, 1));
}

async function discover(d: Dispatcher): Promise<OpenRpcDocument> {
  const answer = parse(await handle('{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}', d)) as { result: OpenRpcDocument };
  return answer.result;
}

const info = { title: 'Bank', version: '1.2.0', description: 'Moves money' };

test('the meta-schema check can fail: a document without info is refused', () => {
  assert.equal(validDocument({ openrpc: '1.3.2', methods: [] }), false);
  assert.equal(validDocument({ openrpc: '1.3.2', info, methods: [{ name: 'x' }] }), false); // no params
});

test('rpc.discover is off until enabled, and then describes every method', async () => {
  const d = new Dispatcher();
  d.add('sum', ([a, b]) => a + (b ?? 0), { params: z.tuple([z.number(), z.number().optional()]), result: z.number(), summary: 'Adds' });
  d.add('greet', ({ name }) => `hi ${name}`, {
    params: type({ name: 'string', 'title?': 'string' }),
    result: type('string'),
    description: 'Greets someone',
    errors: [{ code: 4004, message: 'Unknown person', data: { hint: 'register first' } }],
  });
  d.add('vmove', (p) => p, { params: toStandardJsonSchema(v.object({ amount: v.number() })) });
  d.add('vplain', (p) => p, { params: v.object({ amount: v.number() }) });
  d.add('when', (p) => p, { params: z.tuple([z.date()]) });
  d.add('sleep', (ms: number) => ms, { params: 'positional', arity: 2, minArity: 1 });
  d.add('named', (p: object) => p, { params: 'named' });
  d.add('loose', () => 1);

  assert.equal((parse(await handle('{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}', d)) as { error: { code: number } }).error.code, -32601);
  d.enableDiscovery(info);
  const document = await discover(d);
  assertValid(document);
  assert.equal(document.openrpc, '1.3.2');
  assert.deepEqual(document.info, info);
  const byName = new Map(document.methods.map((m) => [m.name, m]));
  assert.deepEqual([...byName.keys()], ['sum', 'greet', 'vmove', 'vplain', 'when', 'sleep', 'named', 'loose']);

  assert.deepEqual(byName.get('sum'), {
    name: 'sum',
    summary: 'Adds',
    paramStructure: 'by-position',
    params: [
      { name: 'param1', schema: { type: 'number' }, required: true },
      { name: 'param2', schema: { type: 'number' }, required: false },
    ],
    result: { name: 'result', schema: { type: 'number' } },
  });
  const greet = byName.get('greet')!;
  assert.equal(greet.paramStructure, 'by-name');
  assert.deepEqual(greet.params.map((p) => [p.name, p.required]), [['name', true], ['title', false]]);
  assert.deepEqual(greet.errors, [{ code: 4004, message: 'Unknown person', data: { hint: 'register first' } }]);
  assert.equal(greet.description, 'Greets someone');
  assert.deepEqual(byName.get('vmove')!.params, [{ name: 'amount', schema: { type: 'number' }, required: true }]);
  // A Valibot schema without the wrapper, and a Zod date, have no JSON Schema: no params described.
  assert.deepEqual(byName.get('vplain')!.params, []);
  assert.deepEqual(byName.get('when')!.params, []);
  assert.deepEqual(byName.get('sleep'), {
    name: 'sleep',
    paramStructure: 'by-position',
    params: [{ name: 'param1', schema: {}, required: true }, { name: 'param2', schema: {}, required: false }],
  });
  assert.deepEqual(byName.get('named'), { name: 'named', paramStructure: 'by-name', params: [] });
  assert.deepEqual(byName.get('loose'), { name: 'loose', params: [] });

  // The document follows later registrations.
  d.remove('loose');
  assert.ok(!(await discover(d)).methods.some((m) => m.name === 'loose'));
});

test('the jsonSchema option converts schemas that do not describe themselves; a throwing converter is ignored', async () => {
  const d = new Dispatcher()
    .add('vplain', (p) => p, { params: v.object({ amount: v.number() }) })
    .enableDiscovery(info, { jsonSchema: (schema) => toJsonSchema(schema as never) as Record<string, unknown> });
  assertValid(await discover(d));
  assert.deepEqual((await discover(d)).methods[0]!.params, [{ name: 'amount', schema: { type: 'number' }, required: true }]);
  const throwing = new Dispatcher()
    .add('x', (p) => p, { params: v.object({ a: v.number() }) })
    .enableDiscovery(info, { jsonSchema: () => { throw new Error('no'); } });
  assert.deepEqual((await discover(throwing)).methods[0]!.params, []);
});

test('decorated services are described too; enableDiscovery refuses bad info and a second call', async () => {
  class Bank {
    @method('bank.balance', { params: z.object({ account: z.string() }), result: z.number(), errors: [{ code: 1, message: 'Closed' }] })
    balance({ account }: { account: string }): number { return account.length; }
  }
  const d = new Dispatcher().addService(new Bank()).enableDiscovery(info);
  const document = await discover(d);
  assertValid(document);
  assert.equal(document.methods[0]!.name, 'bank.balance');
  assert.throws(() => d.enableDiscovery(info), /already registered/);
  assert.throws(() => new Dispatcher().enableDiscovery({ title: 'x' } as never), /title and version/);
});

test('property: any set of names and schemas gives a document valid against the meta-schema', async () => {
  const schemaArb = fc.constantFrom<StandardSchemaV1 | 'positional' | 'named' | undefined>(
    z.object({ a: z.number(), b: z.array(z.string()) }),
    z.tuple([z.string(), z.boolean().optional()]),
    z.array(z.number()),
    z.union([z.string(), z.number()]),
    type({ deep: { x: 'number[]' } }),
    'positional',
    'named',
    undefined,
  );
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.tuple(fc.string({ minLength: 1 }), schemaArb), { selector: ([n]) => n, maxLength: 8 }), async (methods) => {
      const d = new Dispatcher();
      for (const [name, schema] of methods) {
        if (name.startsWith('rpc.')) continue;
        if (schema === 'positional') d.add(name, () => 1, { params: 'positional', arity: 2 });
        else if (schema === 'named') d.add(name, () => 1, { params: 'named' });
        else if (schema === undefined) d.add(name, () => 1);
        else d.add(name, () => 1, { params: schema, result: z.number() });
      }
      d.enableDiscovery({ title: 'T', version: '0' });
      assertValid(await discover(d));
    }),
    { numRuns: 50 },
  );
});
