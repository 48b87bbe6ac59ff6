/** The protocol engine: the JSON-RPC protocol of one connection, pure. See docs/engine.md. */
export { ProtocolEngine, type EngineBatchCall, type ProtocolEngineOptions } from './engine.js';
export type { SchedulingOptions } from './options.js';
export {
  CANCEL_METHOD,
  LSP_CONVENTIONS,
  MCP_CONVENTIONS,
  NO_CONVENTIONS,
  PROGRESS_METHOD,
  resolveConventions,
  type CancelConvention,
  type Conventions,
  type ConventionsName,
  type ProgressConvention,
  type ProgressToken,
} from './conventions.js';
export type * from './events.js';
export type { ConnectionState, EndCause, Phase } from './state.js';
export type { EngineFraming } from './wire.js';
