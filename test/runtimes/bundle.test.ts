/**
 * The portable entry bundles for the browser with no Node polyfills: esbuild (platform browser,
 * ESM, minified) bundles dist/src/portable.js, and the bundle reaches no `node:` module or Node
 * built-in. Prints the bundle's size, minified and gzipped (the figure in README's "Runtimes").
 */
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import { build, type Plugin } from 'esbuild';

import { root } from './elsewhere.js';

const builtins = new Set(builtinModules);

/** Bundles `entry` for the browser; any import of a Node built-in is kept out of the bundle and listed. */
async function browserBundle(entry: { file: string } | { source: string }): Promise<{ code: string; nodeImports: string[] }> {
  const nodeImports: string[] = [];
  const refuseNode: Plugin = {
    name: 'refuse-node-builtins',
    setup(bundle) {
      bundle.onResolve({ filter: /.*/ }, ({ path, importer }) => {
        if (!path.startsWith('node:') && !builtins.has(path) && !builtins.has(path.split('/')[0]!)) return undefined;
        nodeImports.push(`${path} (from ${importer.slice(root.length + 1) || 'the entry'})`);
        return { path, external: true };
      });
    },
  };
  const result = await build({
    ...('file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.source, resolveDir: root, loader: 'js' } }),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    logLevel: 'silent',
    plugins: [refuseNode],
  });
  return { code: result.outputFiles[0]!.text, nodeImports };
}

describe('the browser bundle of jsonrpc-wire/portable', () => {
  it('reaches no node: module and no Node built-in; its size, minified and gzipped', async (t) => {
    const { code, nodeImports } = await browserBundle({ file: join(root, 'dist', 'src', 'portable.js') });
    assert.deepEqual(nodeImports, []);
    assert.match(code, /createConnection/, 'the bundle has the connection (its export list names it)');
    const bytes = new TextEncoder().encode(code).byteLength;
    const gzipped = gzipSync(code, { level: 9 }).byteLength;
    t.diagnostic(`jsonrpc-wire/portable for the browser: ${(bytes / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB minified and gzipped`);
  });

  it("a browser bundler importing the package's root gets the portable entry (the 'browser' condition)", async () => {
    const { code, nodeImports } = await browserBundle({ source: "export * from 'jsonrpc-wire';" });
    assert.deepEqual(nodeImports, []);
    assert.match(code, /createConnectionPair/);
  });

  it('the check sees what it must refuse: the Node entry (Node streams, the CLI) pulls in node: modules', async () => {
    const { nodeImports } = await browserBundle({ file: join(root, 'dist', 'src', 'index.js') });
    assert.ok(nodeImports.some((line) => line.startsWith('node:')), nodeImports.join('\n'));
  });
});
