/**
 * The server side of JSON-RPC 2.0 without I/O: register handlers on a `Dispatcher`, answer text
 * with `handle()`, or drive single messages with `respond()` / `Dispatcher.invoke()` (or `call()`,
 * which returns a synchronous handler's value without a promise) + `toJsonRpcException()` from a
 * connection layer.
 */
export {
  Dispatcher,
  RESERVED_PREFIX,
  type AddMethodsOptions,
  type DispatcherOptions,
  type FallbackHandler,
  type HandlerMapping,
} from './dispatcher.js';
export { method, type MethodDecorator } from './decorators.js';
export {
  DISCOVER_METHOD,
  OPENRPC_VERSION,
  type DiscoveryOptions,
  type OpenRpcDocument,
  type OpenRpcInfo,
  type OpenRpcMethod,
} from './discovery.js';
export type { Middleware, MiddlewareCall } from './middleware.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export { ResultValidationError, MAX_REPORTED_ISSUES, type ValidationIssue } from './validation.js';
export type { AnyClass } from './method-lookup.js';
export { handle, respondBatch, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_CONCURRENCY, type HandleOptions } from './handle.js';
export { respond, type ContextFactory, type OptionsArgument, type RespondOptions } from './respond.js';
export {
  toJsonRpcException,
  type ErrorPolicy,
  type HandlerErrorInfo,
} from './error-policy.js';
export type {
  DeclaredError,
  DispatchContext,
  IsUntyped,
  MethodOptions,
  MethodParams,
  MethodResult,
  MethodSignature,
  MethodTable,
  NamedContextHandler,
  NamedMethodOptions,
  ParamsFor,
  ParamsSchemaFor,
  PlainHandler,
  PlainMethodOptions,
  PositionalContextHandler,
  PositionalMethodOptions,
  SchemaHandler,
  SchemaMethodOptions,
  UntypedHandler,
  UntypedMethods,
} from './types.js';
