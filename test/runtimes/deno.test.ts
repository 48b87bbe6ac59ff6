/** The behaviour suite under Deno (the `deno` dev dependency), against the built portable entry. */
import { join } from 'node:path';

import { checkElsewhere, devBinary, root, runMain } from './elsewhere.js';

checkElsewhere('Deno', 'deno', async () => {
  const relayWorker = join(root, 'dist', 'test', 'runtimes', 'relay-worker.js');
  // No prompt (a permission it lacks fails at once), no deno.lock written into the project; the
  // permissions: reading the relay worker's module (a Worker's module is read as a file), and
  // reaching the WebSocket relay server.
  return runMain(devBinary('deno'), (relay) => ['run', '--no-prompt', '--no-lock', `--allow-read=${relayWorker}`, `--allow-net=127.0.0.1:${relay.port}`]);
});
