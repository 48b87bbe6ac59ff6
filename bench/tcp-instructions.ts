/**
 * End-to-end TCP cost in machine instructions per request, counted by valgrind's callgrind: a
 * TCP contender's server and client in ONE process over loopback (both sides' user-space work;
 * the kernel's is not counted), 256 requests in flight, as bench/tcp.ts's pipelined phase.
 *
 *   node dist/bench/tcp-instructions.js [--only ceiling,ceiling-content-length,ours-newline,ours-content-length] [--dist DIR]
 *   node dist/bench/tcp-instructions.js --only ours-newline --ab BASE_DIST
 *
 * `--dist` measures another build (a saved copy of dist/, with node_modules reachable from it),
 * for an A/B of two trees: run both at the same time, since the count moves with the machine's
 * load (see below). `--ab BASE_DIST` does that pairing itself: the short runs of both builds side
 * by side, then their long runs side by side (two callgrind processes at a time), and prints each
 * build's count and the difference, which the load moves far less than either count. Its runs
 * start the old generation at AB_OLD_SPACE_MB, so that no mark-compact collection comes during
 * them: a run has only one or two otherwise, and one more in the long run than in the short one
 * moved a build's count by ~2,000 per request (what a change does to promotion still shows in
 * the scavenges; how often the old generation is collected does not).
 *
 * How: each contender runs twice, WARM_UP + FEW and WARM_UP + MANY requests; the difference of
 * the totals over MANY - FEW requests leaves out start-up and warm-up. The two runs go side by
 * side. NODE_FLAGS are harness.ts's CALLGRIND_NODE_FLAGS plus `--predictable` and `--no-minor-gc-task`:
 * without the last, scavenges run from a task whose turn depends on the clock, and the count of a
 * run took one of two values ~1.5% apart. Even so, the long run's count moves by a few % with the
 * machine's load (the short one's does not), so compare trees only with runs made together.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CALLGRIND_NODE_FLAGS, callgrindInstructions, fmt, progress } from './harness.js';
import type { RpcClient } from './servers/contender.js';

const NODE_FLAGS = ['--predictable', '--no-minor-gc-task', ...CALLGRIND_NODE_FLAGS];
const WARM_UP = 20_000;
const FEW = 10_000;
const MANY = 40_000;
const INFLIGHT = 256;
/** `--ab`'s initial old generation (MB): larger than a run promotes, so it is never collected during one (see above). */
const AB_OLD_SPACE_MB = 256;

/** Keeps INFLIGHT requests outstanding until `count` have been answered. */
function pipelined(client: RpcClient, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const issue = (): void => {
      const a = sent++;
      client.add(a, 1).then((value) => {
        if (value !== a + 1) return reject(new Error(`add(${a}, 1) returned ${value}`));
        done++;
        if (sent < count) issue();
        else if (done === sent) resolve();
      }, reject);
    };
    for (let i = 0; i < Math.min(INFLIGHT, count); i++) issue();
  });
}

/** Worker: the contender's server and client in this process, warm-up then `requests` more. */
async function runWorker(dist: string, id: string, requests: number): Promise<void> {
  const { loadContender } = (await import(pathToFileURL(`${dist}/bench/servers/contender.js`).href)) as typeof import('./servers/contender.js');
  const contender = await loadContender(id);
  const server = await contender.serve(0);
  const client = await contender.connect(server.port);
  await pipelined(client, WARM_UP);
  (globalThis as { gc?: () => void }).gc?.();
  await pipelined(client, requests);
  await client.close();
  await server.close();
  process.exit(0);
}

const SELF = fileURLToPath(import.meta.url);
const OWN_DIST = fileURLToPath(new URL('..', import.meta.url));

function countInstructions(dist: string, id: string, requests: number, flags: readonly string[] = []): Promise<number> {
  return callgrindInstructions([...NODE_FLAGS, ...flags, SELF, '--worker', dist, id, String(requests)], id);
}

/** Per request of `base` and of `dist`, each pair of runs (short, then long) made side by side. */
async function pairedCounts(base: string, dist: string, id: string): Promise<[number, number]> {
  const count = (tree: string, requests: number) => countInstructions(tree, id, requests, [`--initial-old-space-size=${AB_OLD_SPACE_MB}`]);
  const [baseFew, few] = await Promise.all([count(base, FEW), count(dist, FEW)]);
  const [baseMany, many] = await Promise.all([count(base, MANY), count(dist, MANY)]);
  return [(baseMany - baseFew) / (MANY - FEW), (many - few) / (MANY - FEW)];
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--worker') return runWorker(argv[1], argv[2], Number(argv[3]));
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const ids = (value('--only') ?? 'ceiling,ceiling-content-length,ours-newline,ours-content-length').split(',');
  const dist = value('--dist') ?? OWN_DIST;
  const base = value('--ab');
  if (base !== undefined) {
    progress(`tcp-instructions: ${dist} against ${base}, ${ids.length} contenders, runs paired (~2 min each)`);
    for (const id of ids) {
      const [before, after] = await pairedCounts(base, dist, id);
      const delta = `${after >= before ? '+' : ''}${fmt(after - before)}`;
      console.log(`${id.padEnd(22)} base ${fmt(before).padStart(8)}  new ${fmt(after).padStart(8)}  delta ${delta.padStart(7)} per request`);
    }
    return;
  }
  progress(`tcp-instructions: ${dist}, ${ids.length} contenders, two callgrind runs each side by side (~1 min)`);
  for (const id of ids) {
    const [few, many] = await Promise.all([countInstructions(dist, id, FEW), countInstructions(dist, id, MANY)]);
    console.log(`${id.padEnd(22)} ${fmt((many - few) / (MANY - FEW)).padStart(8)} instructions per request (both sides)`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
