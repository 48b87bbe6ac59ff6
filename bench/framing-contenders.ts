/**
 * bench/framing.ts's contenders: each turns a workload's bytes (the same messages, framed per its
 * framing, cut into the same chunks) into parsed messages and returns how many it saw.
 *
 * - The limit (JSON.parse on the pre-split strings), parseMessage on them, and a bare reader
 *   (decode + split + parseMessage, nothing else).
 * - Ours: push() + parseMessage() per frame (JSON.parse plus JSON-RPC validation, as the peer does),
 *   with Node's natives injected, as a Node connection builds its framers.
 * - With `--baseline`, the same loops over another build.
 * - split2 + JSON.parse and stream-json's JSONL parser (newline bytes, driven through their Node
 *   streams as they are used); stream-json's tokenizer + Assembler with jsonStreaming
 *   (concatenated bytes, driven synchronously: its best case); vscode-jsonrpc's
 *   StreamMessageReader (its ReadableStreamMessageReader over a Node stream) fed through a
 *   PassThrough (content-length bytes).
 */
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import split2 from 'split2';
import jsonlParser from 'stream-json/jsonl/parser.js';
import { jsonParser } from 'stream-json/core/parser.js';
import Assembler from 'stream-json/core/assembler.js';
import { StreamMessageReader } from 'vscode-jsonrpc/node';
import {
  ContentLengthFramer,
  JsonStreamFramer,
  NewlineFramer,
  type FrameEvent,
  type FramerNatives,
  type FramerOptions,
  type FramingName,
} from '../src/framing/index.js';
import { parseMessage } from '../src/parser/messages.js';
import { nodeFramerNatives } from '../src/node-streams/framer-natives.js';
import { concatBytes } from './framing-workloads.js';

export const LIMIT = 'JSON.parse pre-split (limit)';
/**
 * A bare newline reader, the work every reader on Node does: each chunk's whole lines decoded in
 * one call with Node's decoders (framer-natives.ts), cut at '\n' and parsed; a line cut by a chunk
 * joined and decoded on its own. No bounds, no errors, no BOM, no small-chunk tricks. Ours against
 * it is what framing costs beyond decoding and parsing (where decoding dominates, as in non-ASCII
 * text, no framer on this runtime can do much better than it).
 */
export const BARE_READER = 'bare reader: decode + split + parseMessage';

export const OURS = (framing: FramingName) => `jsonrpc-wire ${framing}`;

export interface Workload {
  name: string;
  messages: string[];
  /** The stream in each framing, cut into chunks. */
  chunks: Record<FramingName, Uint8Array[]>;
}

export interface Contender {
  name: string;
  /** Parses the whole workload; resolves with the number of messages seen. */
  run(w: Workload): number | Promise<number>;
}

/*
 * Each contender's framer, stream or reader from its last round, kept alive until its next round.
 * The harness forces a full GC before every round; if no instance of a class is alive at that
 * moment, V8 collects the class's hidden classes (held weakly) and throws away all optimized code
 * that depends on them ("deoptimization, reason: weak objects", ~45 times in a 3 s run), so every
 * round would start cold. A real connection's framer lives as long as the connection; this keeps
 * the bench measuring that, for every contender alike. (Measured, content-length + parseMessage in
 * isolation: 0.27M msg/s fresh-after-GC vs 0.47M msg/s retained.)
 */
const retained = new Map<string, unknown>();
export function retain<T>(contender: string, state: T): T {
  retained.set(contender, state);
  return state;
}

/*
 * Our contenders, one loop per framer class. A single shared loop would see all three classes at
 * its push() call site and go megamorphic, which costs ~30% here and never happens in a peer (one
 * framer per connection), so the loop is written out three times.
 */
function countFrames(event: FrameEvent): number {
  if (event.kind !== 'frame') throw event.error;
  if (parseMessage(event.text).kind === 'invalid') throw new Error('invalid message');
  return 1;
}

/** Our framers as the Node connection builds them: with Node's UTF-8 decoding injected. */
const NODE = { natives: nodeFramerNatives };

const OUR_CONTENDERS: Contender[] = [
  {
    name: OURS('newline'),
    run(w) {
      const framer = retain(OURS('newline'), new NewlineFramer(NODE));
      let n = 0;
      for (const chunk of w.chunks.newline) for (const e of framer.push(chunk)) n += countFrames(e);
      framer.end();
      return n;
    },
  },
  {
    name: OURS('content-length'),
    run(w) {
      const framer = retain(OURS('content-length'), new ContentLengthFramer(NODE));
      let n = 0;
      for (const chunk of w.chunks['content-length']) for (const e of framer.push(chunk)) n += countFrames(e);
      framer.end();
      return n;
    },
  },
  {
    name: OURS('json-stream'),
    run(w) {
      const framer = retain(OURS('json-stream'), new JsonStreamFramer(NODE));
      let n = 0;
      for (const chunk of w.chunks['json-stream']) for (const e of framer.push(chunk)) n += countFrames(e);
      framer.end();
      return n;
    },
  },
];

/**
 * `--baseline <dir>`: the same three loops over another build of this package (a `dist/` directory,
 * e.g. of the previous commit), as contenders in the same rounds, so before/after figures share
 * the machine's load round by round. Written out again (not made by a factory) for the same
 * reason as above: closures from one function literal share their type feedback.
 */
interface Build {
  framing: typeof import('../src/framing/index.js');
  parser: typeof import('../src/parser/messages.js');
  /** The build's framers as its Node connection builds them: with its natives, if it has them. */
  options: FramerOptions;
}

export async function loadBuild(dir: string): Promise<Build> {
  const load = (file: string) => import(pathToFileURL(join(resolve(dir), file)).href);
  const natives = await load('src/node-streams/framer-natives.js').then(
    (m: { nodeFramerNatives?: FramerNatives }) => m.nodeFramerNatives,
    () => undefined, // a build from before the natives
  );
  return { framing: await load('src/framing/index.js'), parser: await load('src/parser/messages.js'), options: { natives } };
}

export const BASELINE = (framing: FramingName) => `baseline ${framing}`;

export function baselineContenders(b: Build): Contender[] {
  const parse = b.parser.parseMessage;
  return [
    {
      name: BASELINE('newline'),
      run(w) {
        const framer = retain(BASELINE('newline'), new b.framing.NewlineFramer(b.options));
        let n = 0;
        for (const chunk of w.chunks.newline) {
          for (const e of framer.push(chunk)) {
            if (e.kind !== 'frame' || parse(e.text).kind === 'invalid') throw new Error('baseline: not a message');
            n++;
          }
        }
        framer.end();
        return n;
      },
    },
    {
      name: BASELINE('content-length'),
      run(w) {
        const framer = retain(BASELINE('content-length'), new b.framing.ContentLengthFramer(b.options));
        let n = 0;
        for (const chunk of w.chunks['content-length']) {
          for (const e of framer.push(chunk)) {
            if (e.kind !== 'frame' || parse(e.text).kind === 'invalid') throw new Error('baseline: not a message');
            n++;
          }
        }
        framer.end();
        return n;
      },
    },
    {
      name: BASELINE('json-stream'),
      run(w) {
        const framer = retain(BASELINE('json-stream'), new b.framing.JsonStreamFramer(b.options));
        let n = 0;
        for (const chunk of w.chunks['json-stream']) {
          for (const e of framer.push(chunk)) {
            if (e.kind !== 'frame' || parse(e.text).kind === 'invalid') throw new Error('baseline: not a message');
            n++;
          }
        }
        framer.end();
        return n;
      },
    },
  ];
}

/** Writes every chunk into a Node stream and counts what comes out until it ends. */
function throughStream(name: string, stream: NodeJS.ReadWriteStream, chunks: readonly Uint8Array[]): Promise<number> {
  retain(name, stream);
  return new Promise((resolve, reject) => {
    let n = 0;
    stream.on('data', () => n++);
    stream.on('end', () => resolve(n));
    stream.on('error', reject);
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}

export const CONTENDERS: Contender[] = [
  {
    name: LIMIT,
    run(w) {
      let n = 0;
      for (const m of w.messages) if (JSON.parse(m) !== null) n++;
      return n;
    },
  },
  {
    name: 'parseMessage pre-split',
    run(w) {
      let n = 0;
      for (const m of w.messages) if (parseMessage(m).kind !== 'invalid') n++;
      return n;
    },
  },
  {
    name: BARE_READER,
    run(w) {
      const { decode, indexOf, lastIndexOf } = nodeFramerNatives;
      const parseLines = (text: string | null) => {
        if (text === null) throw new Error('not UTF-8');
        let n = 0;
        for (let start = 0; ; ) {
          const end = text.indexOf('\n', start);
          if (parseMessage(end === -1 ? text.slice(start) : text.slice(start, end)).kind === 'invalid') throw new Error('invalid message');
          n++;
          if (end === -1) return n;
          start = end + 1;
        }
      };
      let held: Uint8Array[] = [];
      let n = 0;
      for (const chunk of w.chunks.newline) {
        const last = lastIndexOf(chunk, 0x0a);
        if (last === -1) {
          held.push(chunk);
          continue;
        }
        if (held.length === 0) n += parseLines(decode(chunk.subarray(0, last)));
        else {
          const first = indexOf(chunk, 0x0a, 0);
          held.push(chunk.subarray(0, first));
          n += parseLines(decode(concatBytes(held)));
          held = [];
          if (last > first) n += parseLines(decode(chunk.subarray(first + 1, last)));
        }
        if (last + 1 < chunk.length) held.push(chunk.subarray(last + 1));
      }
      return n;
    },
  },
  ...OUR_CONTENDERS,
  { name: 'split2 + JSON.parse', run: (w) => throughStream('split2 + JSON.parse', split2(JSON.parse), w.chunks.newline) },
  { name: 'stream-json JSONL', run: (w) => throughStream('stream-json JSONL', jsonlParser.asStream(), w.chunks.newline) },
  {
    name: 'stream-json concatenated',
    run(w) {
      const tokenize = jsonParser({ jsonStreaming: true });
      const assembler = new Assembler();
      const decoder = new TextDecoder();
      retain('stream-json concatenated', { tokenize, assembler, decoder });
      let n = 0;
      const consume = (out: unknown) => {
        const tokens = (out as { values?: Parameters<Assembler['consume']>[0][] }).values;
        if (tokens === undefined) return;
        for (const token of tokens) {
          assembler.consume(token);
          if (assembler.done) n++;
        }
      };
      for (const chunk of w.chunks['json-stream']) consume(tokenize(decoder.decode(chunk, { stream: true })));
      return n;
    },
  },
  {
    name: 'vscode-jsonrpc reader',
    run(w) {
      return new Promise<number>((resolve) => {
        const input = new PassThrough();
        const reader = new StreamMessageReader(input);
        retain('vscode-jsonrpc reader', { input, reader });
        let n = 0;
        reader.listen(() => {
          if (++n === w.messages.length) {
            reader.dispose();
            resolve(n);
          }
        });
        for (const chunk of w.chunks['content-length']) input.write(chunk);
      });
    },
  },
];

