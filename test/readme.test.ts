/**
 * Every ```js and ```ts example in README.md runs here, so the README cannot rot. TypeScript
 * examples are type-checked with the project's tsc first (so `@ts-expect-error` lines prove the
 * types reject what they should), then run.
 *
 * A block whose first line is `// file: NAME` is written as NAME and only used by other blocks (a
 * server that an example spawns, say). Every other block is run with node and must exit 0; the
 * examples assert what they show. Files are written inside the package, so `import ... from
 * 'jsonrpc-wire'` resolves to this build through the package's self-reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const workDir = join(root, 'dist', 'readme-examples');

interface Block {
  line: number;
  code: string;
  lang: 'js' | 'ts';
  file?: string;
}

function jsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^```(js|ts)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    const lang = m[1] as 'js' | 'ts';
    const code = m[2];
    const line = markdown.slice(0, m.index).split('\n').length;
    const named = /^\/\/ file: (\S+)\n/.exec(code);
    blocks.push(named === null ? { line, code, lang } : { line, code, lang, file: named[1] });
  }
  return blocks;
}

const blocks = jsBlocks(readme);

test('the README has runnable examples', () => {
  assert.ok(blocks.filter((b) => b.file === undefined).length >= 5, 'expected at least five runnable ```js examples');
});

rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
for (const block of blocks) if (block.file !== undefined) writeFileSync(join(workDir, block.file), block.code);

const tsBlocks = blocks.filter((b) => b.lang === 'ts' && b.file === undefined);
const tsReady: Promise<void> = tsBlocks.length === 0 ? Promise.resolve() : compileTs(tsBlocks);
tsReady.catch(() => undefined); // reported by each TypeScript example's test

/** Writes the TypeScript examples and compiles them in one tsc run, next to the JS examples. */
async function compileTs(ts: Block[]): Promise<void> {
  for (const block of ts) writeFileSync(join(workDir, `example-line-${block.line}.ts`), block.code);
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
      types: ['node'], skipLibCheck: true, rootDir: '.', outDir: 'out',
    },
    include: ts.map((b) => `example-line-${b.line}.ts`),
  }));
  try {
    await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', workDir], { cwd: workDir });
  } catch (err) {
    const { stdout } = err as { stdout?: string };
    throw new Error(`The README's TypeScript examples do not compile:\n${stdout ?? String(err)}`);
  }
}

for (const block of blocks.filter((b) => b.file === undefined)) {
  const title = block.code.split('\n').find((l) => l.startsWith('// '))?.slice(3) ?? `example at line ${block.line}`;
  test(`README line ${block.line} (${block.lang}): ${title}`, async () => {
    const file = block.lang === 'ts' ? join(workDir, 'out', `example-line-${block.line}.js`) : join(workDir, `example-line-${block.line}.mjs`);
    if (block.lang === 'ts') await tsReady;
    else writeFileSync(file, block.code);
    try {
      await run(process.execPath, [file], { cwd: workDir, timeout: 30_000 });
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string };
      assert.fail(`README example at line ${block.line} failed:\n${stderr ?? ''}\n${stdout ?? ''}`);
    }
  });
}
