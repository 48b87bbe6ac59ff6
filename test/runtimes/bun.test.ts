/** The behaviour suite under Bun (the `bun` dev dependency), against the built portable entry. */
import { checkElsewhere, devBinary, runMain } from './elsewhere.js';

checkElsewhere('Bun', 'bun', async () => runMain(devBinary('bun'), () => ['run']));
