/**
 * Workloads for bench/framing.ts: deterministic message sets and chunkings (a seeded generator, so
 * every run measures the same bytes).
 */

/** A small deterministic PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ~200-byte messages as a language server exchanges them: requests, notifications, responses. */
export function lspMessages(count: number, seed = 1): string[] {
  const rnd = random(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const line = Math.floor(rnd() * 5000);
    const uri = `file:///home/dev/project/src/module${Math.floor(rnd() * 90)}/file${i % 97}.ts`;
    switch (i % 4) {
      case 0:
        out.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'textDocument/completion', params: { textDocument: { uri }, position: { line, character: 12 } } }));
        break;
      case 1:
        out.push(JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri, version: i }, contentChanges: [{ text: 'const x = "y";\n' }] } }));
        break;
      case 2:
        out.push(JSON.stringify({ jsonrpc: '2.0', id: i - 2, result: { contents: { kind: 'markdown', value: '```ts\nfunction f(a: number): string\n```' }, range: { start: { line, character: 4 }, end: { line, character: 9 } } } }));
        break;
      default:
        out.push(JSON.stringify({ jsonrpc: '2.0', method: '$/progress', params: { token: `t${i}`, value: { kind: 'report', message: `${i}/1000 files`, percentage: i % 100 } } }));
    }
  }
  return out;
}

const UNICODE_WORDS = ['naïve', 'café', 'Größe', 'ĉapelo', '東京', '日本語のテキスト', 'русский', 'ελληνικά', '😀', '🚀✨', 'a\\"quoted\\"', 'line\\nbreak', 'plain ascii words'];

/** ~2 KB messages whose strings mix ASCII, accented Latin, CJK, Cyrillic, emoji and escapes. */
export function unicodeMessages(count: number, seed = 2): string[] {
  const rnd = random(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const items: Array<{ label: string; detail: string; sortText: string }> = [];
    let size = 0;
    while (size < 1800) {
      const pick = () => UNICODE_WORDS[Math.floor(rnd() * UNICODE_WORDS.length)];
      const item = { label: `${pick()} ${pick()}`, detail: `${pick()} ${pick()} ${pick()}`, sortText: String(items.length) };
      items.push(item);
      size += 60;
    }
    // The escapes in UNICODE_WORDS are literal backslashes here; JSON.stringify escapes them again.
    out.push(JSON.stringify({ jsonrpc: '2.0', id: i, result: { isIncomplete: false, items } }));
  }
  return out;
}

/** ~1 MB messages: a didOpen of a large file (a long string with escapes) and a large result. */
export function megabyteMessages(count: number, seed = 3): string[] {
  const rnd = random(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const lines: string[] = [];
      let size = 0;
      while (size < 1_000_000) {
        const line = `  const value${Math.floor(rnd() * 1e6)} = "text with \\"quotes\\" and tabs\\t";`;
        lines.push(line);
        size += line.length + 1;
      }
      out.push(JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///big.ts', languageId: 'typescript', version: 1, text: lines.join('\n') } } }));
    } else {
      const symbols: unknown[] = [];
      let size = 0;
      while (size < 1_000_000) {
        const line = Math.floor(rnd() * 1e5);
        symbols.push({ name: `symbol${symbols.length}`, kind: 12, location: { uri: 'file:///big.ts', range: { start: { line, character: 0 }, end: { line, character: 20 } } } });
        size += 130;
      }
      out.push(JSON.stringify({ jsonrpc: '2.0', id: i, result: symbols }));
    }
  }
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Cuts `bytes` into chunks of `size`, as views (no copies, like a socket's reads). */
export function fixedChunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

/** Cuts `bytes` into chunks of random sizes in min..max. */
export function randomChunks(bytes: Uint8Array, min: number, max: number, seed = 4): Uint8Array[] {
  const rnd = random(seed);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const size = min + Math.floor(rnd() * (max - min + 1));
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return chunks;
}
