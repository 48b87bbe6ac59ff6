/** fast-check arbitraries for response-shaped values (shared by the parser, handle() and connection tests). */
import fc from 'fast-check';

const anyJson = fc.jsonValue({ maxDepth: 2 });
/** Objects with no "method" and a "result" or "error", each member valid or not. */
export const responseLike: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('1.0'), fc.constant(2), anyJson),
      id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean(), fc.double(), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 })),
      result: anyJson,
      error: fc.oneof(
        anyJson,
        fc.record(
          {
            code: fc.oneof(fc.integer(), fc.string(), fc.double(), fc.constant(null)),
            message: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
            data: anyJson,
          },
          { requiredKeys: [] },
        ),
      ),
      extra: anyJson,
    },
    { requiredKeys: [] },
  )
  .filter((r) => 'result' in r || 'error' in r)
  .map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>)
  .filter((r) => 'result' in r || 'error' in r); // JSON drops nothing here, but say so

/** What the specification accepts as a response. */
export function isValidResponse(r: Record<string, unknown>): boolean {
  const id = r.id;
  const idOk = 'id' in r && (typeof id === 'string' || typeof id === 'number' || id === null);
  const error = r.error as Record<string, unknown> | null | undefined;
  const errorOk =
    !('error' in r) ||
    (typeof error === 'object' && error !== null && !Array.isArray(error) && Number.isInteger(error.code) && typeof error.message === 'string');
  return r.jsonrpc === '2.0' && idOk && !('result' in r && 'error' in r) && errorOk;
}

