/**
 * The package as a user gets it: `npm pack` a copy of the project (so this run's dist/ is not
 * rebuilt under the other tests), install the tarball into a scratch project, and use it there:
 * import every entry of `exports`, run the bin, and type-check a TypeScript file against the
 * shipped declarations with `moduleResolution: NodeNext`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackedFile {
  path: string;
}

test('npm pack ships the built code, LICENSE and no source maps; the installed package works', { timeout: 180_000 }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'jsonrpc-wire-pack-'));
  t.after(() => rm(work, { recursive: true, force: true }));

  // A copy of what a clean checkout has (no dist/), with this checkout's dev dependencies.
  const project = join(work, 'project');
  await mkdir(project);
  for (const entry of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'src']) {
    await cp(join(root, entry), join(project, entry), { recursive: true });
  }
  await symlink(join(root, 'node_modules'), join(project, 'node_modules'), 'dir');

  const packed = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: project, maxBuffer: 16 << 20 });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: PackedFile[] }>;
  const files = info.files.map((f) => f.path);
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    name: string;
    license: string;
    exports: Record<string, { default: string } | string>;
    bin: Record<string, string>;
  };
  for (const target of Object.values(pkg.exports)) {
    const path = typeof target === 'string' ? target : target.default;
    assert.ok(files.includes(path.replace(/^\.\//, '')), `the tarball has ${path}`);
  }
  for (const bin of Object.values(pkg.bin)) assert.ok(files.includes(bin.replace(/^\.\//, '')), `the tarball has the bin ${bin}`);
  assert.ok(files.includes('LICENSE'));
  assert.match(await readFile(join(root, 'LICENSE'), 'utf8'), new RegExp(`^${pkg.license} License`));
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'no source maps without their sources');
  assert.deepEqual(files.filter((f) => f.startsWith('dist/') && !f.startsWith('dist/src/')), [], 'only dist/src is shipped');

  // A scratch project installs the tarball (no dependencies: works offline).
  const scratch = join(work, 'scratch');
  await mkdir(scratch);
  await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  await run(npm, ['install', '--offline', '--no-audit', '--no-fund', join(work, info.filename)], { cwd: scratch });

  // Every entry imports; the root and /core have what their docs promise.
  const entries = Object.keys(pkg.exports).map((key) => key.replace(/^\./, pkg.name));
  const imported = await run(process.execPath, [
    '--input-type=module',
    '-e',
    `for (const name of ${JSON.stringify(entries)}) { const m = await import(name, name.endsWith(".json") ? { with: { type: "json" } } : undefined); console.log(name, Object.keys(m).length); }
     const root = await import('jsonrpc-wire'); const core = await import('jsonrpc-wire/core');
     console.log(typeof root.connect, typeof root.Dispatcher, typeof core.JsonRpcPeer, typeof core.createFramer('auto').push);`,
  ], { cwd: scratch });
  const lines = imported.stdout.trim().split('\n');
  assert.equal(lines.length, entries.length + 1);
  assert.equal(lines.at(-1), 'function function function function');

  // The bin runs: --version, and a real call to a server started with the installed bin.
  const bin = join(scratch, 'node_modules', '.bin', 'jsonrpc-wire');
  const versionOut = await run(bin, ['--version'], { cwd: scratch });
  assert.equal(versionOut.stdout, `${JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version}\n`);
  await writeFile(join(scratch, 'methods.mjs'), 'export function add(a, b) { return a + b; }\n');
  const called = await run(bin, ['call', 'add', '[2, 40]', '--stdio', '--', bin, 'serve', '--stdio', '--methods', 'methods.mjs'], { cwd: scratch });
  assert.equal(called.stdout, '42\n');

  // The shipped declarations type-check under NodeNext, and a type error in their use is caught.
  await symlink(join(root, 'node_modules', '@types'), join(scratch, 'node_modules', '@types'), 'dir');
  await writeFile(join(scratch, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
    include: ['*.ts'],
  }));
  await writeFile(join(scratch, 'use.ts'), [
    "import { connect, Dispatcher, type JsonRpcConnection } from 'jsonrpc-wire';",
    "import { JsonRpcPeer, createFramer, type FramingName } from 'jsonrpc-wire/core';",
    "const framing: FramingName = 'auto';",
    'const peer = new JsonRpcPeer({ framing });',
    "const bytes: Uint8Array = peer.notify('ping');",
    "const d = new Dispatcher().add('add', (a: number, b: number) => a + b);",
    'export const used: [typeof connect, JsonRpcConnection | undefined, unknown, Uint8Array, unknown] = [connect, undefined, d, bytes, createFramer];',
    '',
  ].join('\n'));
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  await run(tsc, ['-p', scratch], { cwd: scratch });
  await writeFile(join(scratch, 'wrong.ts'), "import { JsonRpcPeer } from 'jsonrpc-wire/core';\nnew JsonRpcPeer({ framing: 'xml' });\n");
  await assert.rejects(run(tsc, ['-p', scratch], { cwd: scratch }), (err: { stdout?: string }) => /wrong\.ts.*"xml"/s.test(err.stdout ?? ''));
});
