/** The behaviour suite under Deno (the `deno` dev dependency), against the built portable entry. */
import { join } from 'node:path';

import { checkElsewhere, devBinary, root, runMain } from './elsewhere.js';

checkElsewhere('Deno', 'deno', async () => {
  const relayWorker = join(root, 'dist', 'test', 'runtimes', 'relay-worker.js');
  // No prompt (a permission it lacks fails at once), no deno.lock written into the project; the
  // permissions: reading the relay worker's module (a Worker's module is read as a file), and
  // loopback (the WebSocket relay server; Deno.serve and fetch for the HTTP cases). And
  // Deno.serve's coming behaviour, where request.signal aborts only when the client goes away
  // (createFetchHandler hands it to handlers as that): without it Deno aborts it after every
  // response too, and prints a notice on stderr the first time a handler reads it.
  return runMain(devBinary('deno'), () => [
    'run', '--no-prompt', '--no-lock', `--allow-read=${relayWorker}`, '--allow-net=127.0.0.1', '--unstable-no-legacy-abort',
  ]);
});
