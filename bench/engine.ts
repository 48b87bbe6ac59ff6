/**
 * The protocol engine's cost per message on the serving hot path, against today's peer.
 *
 *   node dist/bench/engine.js [--quick] [--rounds N]
 *
 * Every contender serves the same framed requests, cut into the same 64 KiB chunks, answering each
 * with a result at once (a synchronous handler), and produces the same framed answers:
 *
 * - peer: `JsonRpcPeer.parse(chunk)`, then `respondWithResultText()` per request (no scheduling,
 *   no in-flight ids: what the node-streams connection builds on today);
 * - engine (pull): `receive(chunk)`, then `next()` until undefined, `respond()` per request: the
 *   same parse and encode, plus duplicate-id tracking, the handler bound and the state record;
 * - engine (array): the same, collecting every event of a chunk into an array first (the shape an
 *   events-array API would have), then answering them.
 *
 * Rounds are interleaved and timed in CPU time; figures are medians with the min..max spread, and
 * the ratio is engine / peer time per message within the same round.
 */
import { JsonRpcPeer } from '../src/peer.js';
import { ProtocolEngine } from '../src/protocol/engine.js';
import type { ProtocolEvent } from '../src/protocol/events.js';
import type { FramingName } from '../src/framing/types.js';
import { fmt, fmtRatio, interleave, pairedRatios, printGrid, progress, summarize } from './harness.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 5 : 15;
const MESSAGES = quick ? 20_000 : 100_000;
const CHUNK = 64 * 1024;

interface Workload {
  readonly name: string;
  readonly framing: FramingName;
  readonly chunks: readonly Uint8Array[];
}

function workload(name: string, framing: FramingName, params: unknown): Workload {
  const framer = new JsonRpcPeer({ framing });
  const texts: string[] = [];
  for (let id = 1; id <= MESSAGES; id++) {
    texts.push(framer.frameText(JSON.stringify({ jsonrpc: '2.0', id, method: 'add', params })));
  }
  const bytes = new TextEncoder().encode(texts.join(''));
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK) chunks.push(bytes.subarray(at, at + CHUNK));
  return { name, framing, chunks };
}

interface Contender {
  readonly name: string;
  /** Serves every chunk; returns the characters written (so nothing is optimised away). */
  run(w: Workload): number;
}

const peer: Contender = {
  name: 'peer',
  run(w) {
    const p = new JsonRpcPeer({ framing: w.framing, trackPending: false });
    let written = 0;
    for (const chunk of w.chunks) {
      const messages = p.parse(chunk);
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        if (m.kind === 'request') written += p.respondWithResultText(m, 3).length;
      }
    }
    return written;
  },
};

const enginePull: Contender = {
  name: 'engine (pull)',
  run(w) {
    const e = new ProtocolEngine({ framing: w.framing });
    let written = 0;
    for (const chunk of w.chunks) {
      e.receive(chunk);
      for (let event = e.next(); event !== undefined; event = e.next()) {
        if (event.kind === 'request') written += e.respond(event, 3)!.length;
      }
    }
    return written;
  },
};

const engineArray: Contender = {
  name: 'engine (array)',
  run(w) {
    const e = new ProtocolEngine({ framing: w.framing, maxConcurrentHandlers: Infinity });
    let written = 0;
    for (const chunk of w.chunks) {
      e.receive(chunk);
      const events: ProtocolEvent<unknown>[] = [];
      for (let event = e.next(); event !== undefined; event = e.next()) events.push(event);
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        if (event.kind === 'request') written += e.respond(event, 3)!.length;
      }
    }
    return written;
  },
};

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function main(): Promise<void> {
  const workloads = [
    workload('newline, small requests', 'newline', [1, 2]),
    workload('content-length, small requests', 'content-length', [1, 2]),
    workload('newline, ~1 KB params', 'newline', { text: 'x'.repeat(1000) }),
  ];
  const contenders = [peer, enginePull, engineArray];
  const body: string[][] = [];
  for (const w of workloads) {
    progress(`[engine] ${w.name}: ${MESSAGES} messages, ${w.chunks.length} chunks, ${ROUNDS} rounds`);
    const expected = peer.run(w);
    for (const c of contenders) {
      if (c.run(w) !== expected) throw new Error(`${c.name} wrote different output for ${w.name}`);
    }
    const results = await interleave(contenders, ROUNDS, async (c) => {
      const start = cpuMs();
      c.run(w);
      return ((cpuMs() - start) * 1e6) / MESSAGES; // ns per message
    });
    const base = results.get(peer.name)!;
    for (const c of contenders) {
      const ns = summarize(results.get(c.name)!);
      const ratio = pairedRatios(results.get(c.name)!, base);
      body.push([w.name, c.name, fmt(ns.median), `${fmt(ns.min)}..${fmt(ns.max)}`, fmtRatio(ratio.median)]);
    }
  }
  printGrid(['case', 'contender', 'ns/msg', 'min..max', 'vs peer'], body, new Set([2, 3, 4]));
}

void main();
