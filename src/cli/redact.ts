/**
 * `tap --redact`: a message's values replaced by their shape, so a log can be shared without the
 * documents, prompts or credentials it carried. Method names, ids and error codes and messages are
 * kept (they are what a log is read for); params, result and error data become shapes.
 */

/** Levels of nesting shown before a container is summarized by its size alone. */
const MAX_DEPTH = 3;
/** Items of an array, and members of an object, shown before the rest are counted. */
const MAX_ITEMS = 3;
const MAX_KEYS = 20;

/**
 * The shape of a JSON value: `"string(12)"`, `"number"`, `"boolean"`, `null`, objects with their
 * keys and the shapes of their values, arrays with their first items' shapes and a count of the
 * rest; past MAX_DEPTH, `"array(5)"` or `"object(3 keys)"`.
 */
export function shapeOf(value: unknown, depth = 0): unknown {
  if (value === null) return null;
  if (typeof value === 'string') return `string(${value.length})`;
  if (typeof value !== 'object') return typeof value;
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return `array(${value.length})`;
    const shown = value.slice(0, MAX_ITEMS).map((item: unknown) => shapeOf(item, depth + 1));
    return value.length > MAX_ITEMS ? [...shown, `+${value.length - MAX_ITEMS} more`] : shown;
  }
  const keys = Object.keys(value);
  if (depth >= MAX_DEPTH) return `object(${keys.length} keys)`;
  const out: Record<string, unknown> = {};
  // defineProperty, not assignment: a member named "__proto__" (JSON.parse makes it an own
  // member) must stay a member, not become the prototype of the shape.
  for (const key of keys.slice(0, MAX_KEYS)) {
    Object.defineProperty(out, key, { value: shapeOf((value as Record<string, unknown>)[key], depth + 1), enumerable: true, writable: true, configurable: true });
  }
  if (keys.length > MAX_KEYS) out['…'] = `+${keys.length - MAX_KEYS} more keys`;
  return out;
}

/** One wire message (an object; a batch's entries one by one) with its payload replaced by shapes. */
export function redactMessage(message: unknown): unknown {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return shapeOf(message);
  const out: Record<string, unknown> = { ...(message as Record<string, unknown>) };
  if ('params' in out) out.params = shapeOf(out.params);
  if ('result' in out) out.result = shapeOf(out.result);
  const error = out.error;
  if (typeof error === 'object' && error !== null && 'data' in error) out.error = { ...error, data: shapeOf((error as { data: unknown }).data) };
  return out;
}
