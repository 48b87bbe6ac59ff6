/**
 * Compile-time checks of schema inference (the build compiles tests, so each `@ts-expect-error`
 * proves inference refuses a wrong handler), and that the vendored Standard Schema types match
 * `@standard-schema/spec`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StandardSchemaV1 as Spec } from '@standard-schema/spec';
import * as z from 'zod';
import * as v from 'valibot';
import { type } from 'arktype';
import { Dispatcher, type DispatchContext, type StandardSchemaV1 } from '../../src/dispatch/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

// The vendored interface and the specification's are interchangeable.
expectType<Equal<Spec.InferOutput<z.ZodString>, StandardSchemaV1.InferOutput<z.ZodString>>>();
const fromSpec = (s: Spec<string, number>): StandardSchemaV1<string, number> => s;
const toSpec = (s: StandardSchemaV1<string, number>): Spec<string, number> => s;

test('handler parameter types are inferred from Zod, Valibot and ArkType schemas', () => {
  const d = new Dispatcher()
    .add('zsum', ([a, b]) => a + b, { params: z.tuple([z.number(), z.number()]) })
    .add('vsum', ([a, b]) => a + b, { params: v.tuple([v.number(), v.number()]) })
    .add('asum', ([a, b]) => a + b, { params: type(['number', 'number']) })
    .add('zgreet', ({ name }, ctx) => `${name.toUpperCase()} ${String(ctx.id)}`, { params: z.object({ name: z.string() }) })
    .add('vgreet', ({ name }) => name.toUpperCase(), { params: v.object({ name: v.string() }) })
    .add('agreet', ({ name }) => name.toUpperCase(), { params: type({ name: 'string' }) })
    .add('typedResult', ({ n }) => ({ doubled: n * 2 }), { params: z.object({ n: z.number() }), result: z.object({ doubled: z.number() }) });

  // @ts-expect-error: a number has no toUpperCase
  d.add('wrong1', ([a]) => a.toUpperCase(), { params: z.tuple([z.number()]) });
  // @ts-expect-error: the object schema gives no 'age'
  d.add('wrong2', ({ age }) => age, { params: v.object({ name: v.string() }) });
  // @ts-expect-error: the handler must return what the result schema accepts
  d.add('wrong3', () => 'text', { params: type({ n: 'number' }), result: z.number() });
  // @ts-expect-error: an annotated parameter that contradicts the schema
  d.add('wrong4', (p: { name: number }) => p.name, { params: z.object({ name: z.string() }) });
  assert.ok(d.has('zsum') && d.has('typedResult'));
  void fromSpec;
  void toSpec;
});

interface Bank {
  move(p: { from: string; to: string; amount: number }): Promise<boolean>;
  add(a: number, b: number): number;
}

test('in a typed dispatcher the schema must produce the declared params, and the handler return the declared result', () => {
  const d = new Dispatcher<Bank>()
    .add('move', async ({ amount }, ctx: DispatchContext) => amount > 0 && ctx.method === 'move', {
      params: z.object({ from: z.string(), to: z.string(), amount: z.number() }),
    })
    .add('add', ([a, b]) => a + b, { params: z.tuple([z.number(), z.number()]) });
  // @ts-expect-error: the schema's output is not Bank.move's params
  d.remove('move') && d.add('move', async () => true, { params: z.object({ from: z.string() }) });
  // @ts-expect-error: Bank.add returns a number
  d.remove('add') && d.add('add', () => 'three', { params: z.tuple([z.number(), z.number()]) });
  assert.ok(d.has('move'));
});
