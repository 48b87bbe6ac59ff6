/**
 * A Worker that relays between the two MessagePorts it is sent (pairs.ts `overWorkerRelay`):
 * whatever arrives on one is posted on the other, as it came, and when one closes (where the
 * runtime fires `close` on a port) the other is closed too, as the two ends of one channel would be.
 */
interface RelayPort {
  addEventListener(type: 'message' | 'close', listener: (event: { data?: unknown }) => void): void;
  start(): void;
  postMessage(message: unknown): void;
  close(): void;
}
interface WorkerScope {
  addEventListener(type: 'message', listener: (event: { ports: readonly RelayPort[] }) => void): void;
}

function forward(from: RelayPort, to: RelayPort): void {
  from.addEventListener('message', ({ data }) => to.postMessage(data));
  from.addEventListener('close', () => to.close());
  from.start();
}

(globalThis as unknown as WorkerScope).addEventListener('message', ({ ports: [one, other] }) => {
  forward(one!, other!);
  forward(other!, one!);
});
