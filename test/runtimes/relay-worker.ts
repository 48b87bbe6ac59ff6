/**
 * A Worker that relays between the two MessagePorts it is sent (pairs.ts `overWorkerRelay`):
 * whatever arrives on one is posted on the other, as it came.
 */
interface RelayPort {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
}
interface WorkerScope {
  addEventListener(type: 'message', listener: (event: { ports: readonly RelayPort[] }) => void): void;
}

(globalThis as unknown as WorkerScope).addEventListener('message', ({ ports: [one, other] }) => {
  one!.onmessage = ({ data }) => other!.postMessage(data);
  other!.onmessage = ({ data }) => one!.postMessage(data);
});
