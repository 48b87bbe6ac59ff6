/**
 * One side of a message-channel measurement, in a worker thread (bench/channels.ts starts two):
 * the server serves add(a, b) with one contender and says `ready` (with its URL for a WebSocket);
 * the client calls it with `inflight` requests in flight, first for `warmupMs`, then for
 * `targetMs`, checks every result, and posts its count.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';

import { CHANNEL_CONTENDERS, type Add } from './channel-contenders.js';

export interface ChannelWorkload {
  inflight: number;
  warmupMs: number;
  targetMs: number;
}

export interface ChannelChildData {
  role: 'server' | 'client';
  id: string;
  port?: MessagePort;
  url?: string;
  workload?: ChannelWorkload;
}

export type ChannelChildMessage =
  | { kind: 'ready'; url?: string }
  | { kind: 'result'; reqPerSec: number; requests: number };

/** Keeps `inflight` calls going until `ms` have passed: how many completed, and in how long. */
async function phase(add: Add, inflight: number, ms: number): Promise<{ count: number; ms: number }> {
  const started = performance.now();
  const end = started + ms;
  let next = 0;
  let count = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const a = next++;
      const sum = await add(a, 1);
      if (sum !== a + 1) throw new Error(`add(${a}, 1) answered ${String(sum)}`);
      count++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
  return { count, ms: performance.now() - started };
}

async function main(): Promise<void> {
  const data = workerData as ChannelChildData;
  const contender = CHANNEL_CONTENDERS[data.id];
  if (contender === undefined) throw new Error(`unknown channel contender ${data.id}`);
  if (data.role === 'server') {
    const url = await contender.serve(data.port);
    parentPort!.postMessage({ kind: 'ready', url } satisfies ChannelChildMessage);
    return;
  }
  const w = data.workload!;
  const add = await contender.connect(data.port ?? data.url!);
  await phase(add, w.inflight, w.warmupMs);
  const { count, ms } = await phase(add, w.inflight, w.targetMs);
  parentPort!.postMessage({ kind: 'result', reqPerSec: (count / ms) * 1000, requests: count } satisfies ChannelChildMessage);
}

main().catch((error: unknown) => {
  throw error instanceof Error ? error : new Error(String(error));
});
