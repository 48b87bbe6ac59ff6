/**
 * `jsonrpc-wire/portable` runs on any JavaScript runtime: nothing reachable from src/portable.ts
 * imports a `node:` module (or any package), or uses Node's globals.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Every module `entry` reaches through its imports and re-exports (type-only ones too), with its source. */
function reachable(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const todo = [resolve(root, entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    seen.set(file, source);
    for (const match of source.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\s*\(\s*'([^']+)'\s*\)|import\s+'([^']+)'/g)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (!specifier.startsWith('.')) {
        seen.set(`external:${specifier} (from ${file})`, '');
        continue;
      }
      todo.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
    }
  }
  return seen;
}

/** `code` uses `name` as a whole name (not the tail of a longer one). */
function usesName(code: string, name: string): boolean {
  return new RegExp(`(?<![\\w$])${name.replace(/[.(]/g, '\\$&')}`).test(code);
}

describe('jsonrpc-wire/portable', () => {
  const modules = reachable('src/portable.ts');

  it('reaches the codec, the engine and the connection', () => {
    const names = [...modules.keys()].map((file) => file.slice(root.length + 1));
    for (const expected of ['src/core.ts', 'src/protocol/engine.ts', 'src/connection/connection.ts', 'src/connection/pair.ts', 'src/web/web-streams.ts', 'src/web/message-port.ts', 'src/web/websocket.ts']) {
      assert.ok(names.includes(expected), `${expected} is reachable`);
    }
  });

  it('imports no node: module and no package', () => {
    assert.deepEqual([...modules.keys()].filter((file) => file.startsWith('external:')), []);
  });

  it("uses none of Node's globals (Buffer, process, require, setImmediate)", () => {
    const offenders: string[] = [];
    for (const [file, source] of modules) {
      // Comments may name them (to say why not); code may not.
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const word of ['Buffer', 'process.', 'require(', 'setImmediate', '__dirname']) {
        if (usesName(code, word)) offenders.push(`${file.slice(root.length + 1)}: ${word}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it("the globals check matches whole names: Node's Buffer, not the web's ArrayBuffer", () => {
    assert.equal(usesName('const b = Buffer.from(text);', 'Buffer'), true);
    assert.equal(usesName('if (data instanceof ArrayBuffer) {}', 'Buffer'), false);
    assert.equal(usesName('x = process.env', 'process.'), true);
  });

  it('the check sees an import it must refuse (a module importing node:stream is caught)', () => {
    const nodeStreams = reachable('src/node-streams/index.ts');
    assert.ok([...nodeStreams.keys()].some((file) => file.startsWith('external:node:')));
  });
});
