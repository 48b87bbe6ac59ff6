/**
 * Opening the connection a `call` talks over: a TCP or Unix socket, or a spawned command's stdio.
 * Failures to connect become `CliFailure`s with the connection exit code and a one-line message.
 */
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { FramingName } from '../framing/types.js';
import { spawnConnection } from '../node-streams/child-process.js';
import type { ConnectionContext, JsonRpcConnection } from '../node-streams/connection.js';
import { connectTcp } from '../node-streams/tcp.js';
import { EXIT, type Endpoint } from './args.js';

/** A failure with the exit code it earns and a one-line message for stderr. */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OpenConnection {
  readonly connection: JsonRpcConnection;
  /** Closes the connection (and waits for a spawned server to exit). */
  close(): Promise<void>;
}

export interface EndpointOptions {
  framing: FramingName;
  dispatcher: Dispatcher<never, ConnectionContext>;
  /** Show a spawned server's stderr (true) or keep it for error messages (false). */
  passStderr: boolean;
}

export function describeEndpoint(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'tcp':
      return `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    case 'socket':
      return endpoint.path;
    case 'stdio':
      return [endpoint.command ?? 'stdio', ...endpoint.args].join(' ');
  }
}

export async function openEndpoint(endpoint: Endpoint, options: EndpointOptions): Promise<OpenConnection> {
  const connectOptions = { framing: options.framing, dispatcher: options.dispatcher as Dispatcher };
  if (endpoint.kind === 'stdio') {
    if (endpoint.command === undefined) throw new CliFailure(EXIT.usage, 'call --stdio needs a command after --');
    const child = spawnConnection(endpoint.command, endpoint.args, {
      ...connectOptions,
      stderr: options.passStderr ? 'inherit' : 'capture',
    });
    return {
      connection: child.connection,
      close: async () => {
        await child.close();
      },
    };
  }
  const address = endpoint.kind === 'tcp' ? { host: endpoint.host, port: endpoint.port } : { path: endpoint.path };
  try {
    const connection = await connectTcp(address, connectOptions);
    return { connection, close: () => connection.close() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ECONNREFUSED' ? 'connection refused (is the server running?)' : (err as Error).message;
    throw new CliFailure(EXIT.connection, `cannot connect to ${describeEndpoint(endpoint)}: ${why}`);
  }
}
