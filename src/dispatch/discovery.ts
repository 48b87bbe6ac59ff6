/**
 * `rpc.discover` (OpenRPC 1.3): a service description generated from what a dispatcher serves.
 *
 * For each method: its name, summary, description and declared errors as registered, and its
 * params and result as JSON Schema where that can be known:
 * - a Standard Schema that also implements Standard JSON Schema (`'~standard'.jsonSchema`: Zod 4,
 *   ArkType, Valibot through `toStandardJsonSchema()`) describes itself; so does any schema the
 *   `jsonSchema` option converts. An object schema becomes named params (one content descriptor per
 *   property), a tuple schema positional ones (`param1`, `param2`, ...); any other schema is one
 *   descriptor, `params`, for the whole value.
 * - `{ params: 'positional', arity }` gives `arity` params of any type; `'named'` says only that
 *   params are named; no options say nothing about params.
 * A schema whose conversion throws (a Zod date, say) is described as any value: discovery never
 * fails because of one method. The document is made afresh for each call, so it follows `add()`
 * and `remove()`.
 */
import type { Entry } from './entry.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** OpenRPC's info object: `title` and `version` are required. */
export interface OpenRpcInfo {
  title: string;
  version: string;
  description?: string;
  termsOfService?: string;
  contact?: { name?: string; url?: string; email?: string };
  license?: { name: string; url?: string };
}

export interface DiscoveryOptions {
  /**
   * Converts a schema that does not describe itself to JSON Schema (draft-07), or returns undefined
   * when it cannot: e.g. `(schema) => toJsonSchema(schema)` from `@valibot/to-json-schema`.
   */
  jsonSchema?: (schema: StandardSchemaV1) => Record<string, unknown> | undefined;
}

type JsonSchema = Record<string, unknown>;

interface ContentDescriptor {
  name: string;
  schema: JsonSchema;
  required?: boolean;
}

export interface OpenRpcMethod {
  name: string;
  summary?: string;
  description?: string;
  paramStructure?: 'by-name' | 'by-position' | 'either';
  params: ContentDescriptor[];
  result?: ContentDescriptor;
  errors?: { code: number; message: string; data?: unknown }[];
}

export interface OpenRpcDocument {
  openrpc: '1.3.2';
  info: OpenRpcInfo;
  methods: OpenRpcMethod[];
}

/** The OpenRPC version of the documents made here. */
export const OPENRPC_VERSION = '1.3.2';
/** The name discovery is served under (the specification reserves `rpc.`). */
export const DISCOVER_METHOD = 'rpc.discover';

export function checkInfo(info: OpenRpcInfo): OpenRpcInfo {
  if (typeof info !== 'object' || info === null || typeof info.title !== 'string' || typeof info.version !== 'string') {
    throw new TypeError('enableDiscovery() takes an OpenRPC info object with string title and version');
  }
  // A copy, as JSON: later changes to the caller's object do not leak into answers.
  return JSON.parse(JSON.stringify(info)) as OpenRpcInfo;
}

export function openRpcDocument(
  info: OpenRpcInfo,
  entries: ReadonlyMap<string, Entry>,
  options: DiscoveryOptions,
): OpenRpcDocument {
  const methods: OpenRpcMethod[] = [];
  for (const [name, entry] of entries) {
    if (name !== DISCOVER_METHOD) methods.push(describeMethod(name, entry, options));
  }
  return { openrpc: OPENRPC_VERSION, info, methods };
}

function describeMethod(name: string, entry: Entry, options: DiscoveryOptions): OpenRpcMethod {
  const described: OpenRpcMethod = { name, ...paramsOf(entry, options) };
  if (entry.summary !== undefined) described.summary = String(entry.summary);
  if (entry.description !== undefined) described.description = String(entry.description);
  if (entry.resultSchema !== undefined) {
    described.result = { name: 'result', schema: jsonSchemaOf(entry.resultSchema, options) ?? {} };
  }
  if (entry.errors.length > 0) {
    described.errors = entry.errors.map(({ code, message, data }) => (data === undefined ? { code, message } : { code, message, data }));
  }
  return described;
}

function paramsOf(entry: Entry, options: DiscoveryOptions): Pick<OpenRpcMethod, 'params' | 'paramStructure'> {
  switch (entry.shape) {
    case 'any':
      return { params: [] };
    case 'named':
      return { paramStructure: 'by-name', params: [] };
    case 'positional':
      return {
        paramStructure: 'by-position',
        params: Array.from({ length: entry.arity }, (_, i) => ({ name: `param${i + 1}`, schema: {}, required: i < entry.minArity })),
      };
    case 'schema': {
      const schema = entry.paramsSchema === undefined ? undefined : jsonSchemaOf(entry.paramsSchema, options);
      return schema === undefined ? { params: [] } : fromJsonSchema(schema);
    }
  }
}

/** Content descriptors for the params a JSON Schema describes. */
function fromJsonSchema(schema: JsonSchema): Pick<OpenRpcMethod, 'params' | 'paramStructure'> {
  const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
  const properties = schema.properties;
  if (schema.type === 'object' && typeof properties === 'object' && properties !== null) {
    return {
      paramStructure: 'by-name',
      params: Object.entries(properties as Record<string, JsonSchema>).map(([name, property]) => ({
        name,
        schema: property,
        required: required.includes(name),
      })),
    };
  }
  // Draft-07 tuples list their items in `items`; 2020-12 ones in `prefixItems`.
  const items = Array.isArray(schema.prefixItems) ? schema.prefixItems : schema.items;
  if (schema.type === 'array' && Array.isArray(items)) {
    const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
    return {
      paramStructure: 'by-position',
      params: (items as JsonSchema[]).map((item, i) => ({ name: `param${i + 1}`, schema: item, required: i < minItems })),
    };
  }
  return { params: [{ name: 'params', schema, required: true }] };
}

/** `schema` as JSON Schema, if it or the `jsonSchema` option can say; never throws. */
function jsonSchemaOf(schema: StandardSchemaV1, options: DiscoveryOptions): JsonSchema | undefined {
  try {
    const converter: unknown = (schema['~standard'] as { jsonSchema?: unknown }).jsonSchema;
    const made: unknown =
      typeof converter === 'object' && converter !== null && typeof (converter as { input?: unknown }).input === 'function'
        ? (converter as { input: (o: { target: string }) => unknown }).input({ target: 'draft-07' })
        : options.jsonSchema?.(schema);
    if (typeof made !== 'object' || made === null || Array.isArray(made)) return undefined;
    // Round-tripped so the document is plain JSON, and without `$schema`, which OpenRPC implies.
    const { $schema: _dialect, ...plain } = JSON.parse(JSON.stringify(made)) as JsonSchema;
    return plain;
  } catch {
    return undefined;
  }
}
