/**
 * `npm run bench`: every benchmark in bench/, side by side, in one run.
 *
 *   node --expose-gc dist/bench/run.js [--quick] [--only framing|tcp|latency|flood|tap|tracing|channels[,...]] [--json FILE] [--rounds N]
 *
 * - framing: framing + parse throughput per framing and chunking (bench/framing.ts)
 * - tcp:     end-to-end TCP req/s (256 in flight) and one-at-a-time p50/p99 (bench/tcp.ts)
 * - latency: one at a time only, many rounds, every latency pooled: is a p99 ours? (bench/latency.ts)
 * - flood:   peak RSS of a receiver under a flood of notifications (bench/flood.ts)
 * - tap:     what `jsonrpc-wire tap` adds to a child's stdio: req/s and p50/p99 (bench/tap.ts)
 * - tracing: what diagnostics_channel and the trace option cost a connection (bench/tracing.ts)
 * - channels: pipelined req/s over a MessageChannel and a loopback WebSocket (bench/channels.ts)
 *
 * Progress lines go to stderr, tables to stdout. Ends with the project's targets, checked against
 * this run's figures.
 */
import { execFileSync } from 'node:child_process';
import {
  errorText, fmt, fmtRatio, isRow, pairedRatios, printGrid, printRows, progress, writeJson, type Row,
} from './harness.js';
import { runTcpBench, TCP_REFS } from './tcp.js';
import { runLatencyStudy } from './latency.js';
import { runFloodBench, FLOOD_REFS, FLOOR_MARGIN_MIB, FLOOR_NAME, VARIANTS, floodCaseName } from './flood.js';
import { runTapBench, TAP_REFS } from './tap.js';
import { runTracingBench, TRACING_REFS } from './tracing.js';
import { CHANNEL_CASES, CHANNEL_REFS, runChannelBench } from './channels.js';

const PARTS = ['framing', 'tcp', 'latency', 'flood', 'tap', 'tracing', 'channels'] as const;
type Part = (typeof PARTS)[number];

interface Args {
  quick: boolean;
  only: Part[];
  json?: string;
  rounds?: number;
}

function usage(message?: string): never {
  if (message) process.stderr.write(`run.js: ${message}\n`);
  process.stderr.write('usage: node --expose-gc dist/bench/run.js [--quick] [--only framing|tcp|latency|flood|tap|tracing|channels[,...]] [--json FILE] [--rounds N]\n');
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: [...PARTS] };
  // Accept both "--flag value" and "--flag=value".
  const tokens = argv.flatMap((a) => (a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a]));
  for (let i = 0; i < tokens.length; i++) {
    const arg = tokens[i];
    const next = () => tokens[++i] ?? usage(`${arg} needs a value`);
    if (arg === '--quick') args.quick = true;
    else if (arg === '--only') {
      const parts = next().split(',');
      for (const p of parts) if (!PARTS.includes(p as Part)) usage(`unknown part '${p}' (framing, tcp, latency, flood, tap, tracing or channels)`);
      args.only = parts as Part[];
    } else if (arg === '--json') args.json = next();
    else if (arg === '--rounds') {
      args.rounds = Number(next());
      if (!Number.isInteger(args.rounds) || args.rounds < 1) usage('--rounds needs a positive integer');
    } else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown option ${arg}`);
  }
  return args;
}

/** bench/framing.ts belongs to another engineer; load it by a non-literal specifier so a missing or renamed module is a note, not a build break. */
const FRAMING: string = './framing.js';

async function runFraming(quick: boolean): Promise<{ rows: Row[]; other: unknown[]; checks: Check[] }> {
  let mod: {
    runFramingBench?: (options?: { quick?: boolean }) => Promise<unknown[]>;
    framingTargets?: (rows: Row[]) => Check[];
  };
  try {
    mod = (await import(FRAMING)) as typeof mod;
  } catch (error) {
    throw new Error(`bench/framing.ts not available (${errorText(error).split('\n')[0]})`);
  }
  if (typeof mod.runFramingBench !== 'function') throw new Error('bench/framing.ts exports no runFramingBench()');
  const result = await mod.runFramingBench({ quick });
  const rows = result.filter(isRow);
  return { rows, other: result.filter((r) => !isRow(r)), checks: mod.framingTargets?.(rows) ?? [] };
}

/** Ratio columns for the framing tables: its ceiling and ours, whatever framing.ts calls them. */
function framingRefs(rows: Row[]): string[] {
  const names = [...new Set(rows.map((r) => r.contender))];
  const ceiling = names.filter((n) => /ceiling|pre-split|JSON\.parse only/i.test(n)).slice(0, 1);
  const ours = names.filter((n) => /jsonrpc-wire|\bours\b/i.test(n)).slice(0, 1);
  return [...ceiling, ...ours];
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

interface Check {
  target: string;
  measured: string;
  pass: boolean | undefined;
}

/** The project's targets, evaluated on this run's rows (only those whose figures exist). */
function targets(rows: Row[]): Check[] {
  const find = (suite: string, metric: string, contender: string) =>
    rows.find((r) => r.suite === suite && r.metric === metric && r.contender === contender && r.samples.length > 0);
  const checks: Check[] = [];
  // Each framing against the no-library ceiling of the same framing (Content-Length framing has a
  // cost of its own: the byte length of every message out, a header parsed for every message in),
  // and, for content-length, also against the newline ceiling, with the share of that cost that no
  // library can avoid: the content-length ceiling's own ratio to the newline one.
  const newlineCeiling = find('tcp', 'throughput', 'ceiling');
  const ratioCheck = (target: string, ours: Row | undefined, ceiling: Row | undefined, min: number | undefined) => {
    if (!ceiling) return;
    // Judged on the median of per-round ratios (each round measures both back to back).
    const paired = ours ? pairedRatios(ours.samples, ceiling.samples) : undefined;
    checks.push({
      target,
      measured:
        ours && paired
          ? `${fmtRatio(paired.median)} (rounds ${fmtRatio(paired.min)}..${fmtRatio(paired.max)}; medians ` +
            `${fmt(ours.median)} / ${fmt(ceiling.median)} = ${fmtRatio(ours.median / ceiling.median)})`
          : 'not measured',
      pass: paired && min !== undefined ? paired.median >= min : undefined,
    });
  };
  for (const framing of ['newline', 'content-length']) {
    const ceilingName = framing === 'newline' ? 'ceiling' : 'ceiling content-length';
    ratioCheck(
      `pipelined req/s, ${framing} >= 0.9x ${ceilingName} (median of per-round ratios)`,
      find('tcp', 'throughput', `jsonrpc-wire ${framing}`),
      find('tcp', 'throughput', ceilingName),
      0.9,
    );
  }
  ratioCheck('pipelined req/s, content-length vs the newline ceiling', find('tcp', 'throughput', 'jsonrpc-wire content-length'), newlineCeiling, undefined);
  ratioCheck('pipelined req/s, ceiling content-length vs the newline ceiling (what no library avoids)', find('tcp', 'throughput', 'ceiling content-length'), newlineCeiling, undefined);
  const libraries = ['json-rpc-2.0 (newline)', 'vscode-jsonrpc noDelay', 'vscode-jsonrpc Nagle', 'jayson'];
  for (const metric of ['p50 latency', 'p99 latency']) {
    const best = libraries
      .map((l) => find('tcp', metric, l))
      .filter((r): r is Row => r !== undefined)
      .sort((a, b) => a.median - b.median)[0];
    if (!best) continue;
    for (const framing of ['newline', 'content-length']) {
      const ours = find('tcp', metric, `jsonrpc-wire ${framing}`);
      checks.push({
        target: `sequential ${metric}, ${framing} <= best library (${best.contender})`,
        measured: ours ? `${fmt(ours.median)} us vs ${fmt(best.median)} us` : 'ours not measured',
        pass: ours ? ours.median <= best.median : undefined,
      });
    }
  }
  for (const framing of ['newline', 'content-length']) {
    for (const p of ['p50', 'p99']) {
      const metric = `pooled ${p} latency`;
      const ours = find('latency', metric, `jsonrpc-wire ${framing}`);
      const reference = find('latency', metric, 'json-rpc-2.0 (newline)');
      if (!ours || !reference) continue;
      checks.push({
        target: `one at a time, ${metric} of all rounds, ${framing} <= json-rpc-2.0's`,
        measured: `${fmt(ours.median)} us vs ${fmt(reference.median)} us (${ours.note ?? ''})`,
        pass: ours.median <= reference.median,
      });
    }
    // Whether the collector could set that tail: pauses per request, and the slowest 1% that met one.
    const gcOf = (contender: string) => ({
      pauses: find('latency', 'GC pauses per 1,000 requests, client + server', contender),
      share: find('latency', 'share of the slowest 1% that met a GC pause', contender),
    });
    const [ours, reference] = [gcOf(`jsonrpc-wire ${framing}`), gcOf('json-rpc-2.0 (newline)')];
    if (ours.pauses && ours.share && reference.pauses && reference.share) {
      checks.push({
        target: `one at a time, ${framing}: GC pauses per 1,000 requests; slowest 1% during a pause (vs json-rpc-2.0)`,
        measured: `${ours.pauses.median.toFixed(1)} vs ${reference.pauses.median.toFixed(1)}; ` +
          `${(100 * ours.share.median).toFixed(0)}% vs ${(100 * reference.share.median).toFixed(0)}%`,
        pass: undefined,
      });
    }
  }
  for (const variant of VARIANTS) {
    const caseName = floodCaseName(variant);
    const findFlood = (metric: string, contender: string) =>
      rows.find((r) => r.case === caseName && r.metric === metric && r.contender === contender && r.samples.length > 0);
    const vscodeTime = findFlood('time to handle all', 'vscode-jsonrpc');
    const floor = findFlood('peak RSS over idle', FLOOR_NAME);
    for (const framing of ['content-length', 'newline']) {
      const name = `jsonrpc-wire ${framing}`;
      const delta = findFlood('peak RSS over idle', name);
      const time = findFlood('time to handle all', name);
      if (!vscodeTime && !delta) continue;
      checks.push({
        target: `flood ${framing} [${variant.label}]: peak RSS growth <= the no-library floor's + ${FLOOR_MARGIN_MIB} MiB (medians)`,
        measured: delta && floor ? `+${fmt(delta.median)} MiB vs the floor's +${fmt(floor.median)} MiB` : 'ours or the floor not measured',
        pass: delta && floor ? delta.median <= floor.median + FLOOR_MARGIN_MIB : undefined,
      });
      checks.push({
        target: `flood ${framing} [${variant.label}]: every message handled, no slower than vscode-jsonrpc`,
        measured: time && vscodeTime ? `${fmt(time.median)} ms vs ${fmt(vscodeTime.median)} ms; ${time.note?.split(';')[0]}` : 'ours not measured',
        pass: time && vscodeTime ? time.median <= vscodeTime.median && /handled (\d+)\/\1\b/.test(time.note ?? '') : undefined,
      });
    }
  }
  checks.push(...tapTargets(rows));
  checks.push(...tracingTargets(rows));
  checks.push(...channelTargets(rows));
  return checks;
}

/** The bindings' targets: >= 3x each peer on the same channel, >= 0.8x the no-library ceiling. */
function channelTargets(rows: Row[]): Check[] {
  const checks: Check[] = [];
  const find = (channel: keyof typeof CHANNEL_CASES, contender: string) =>
    rows.find((r) => r.suite === 'channels' && r.case === CHANNEL_CASES[channel] && r.contender === contender && r.samples.length > 0);
  const pairs = [
    ['port', 'jsonrpc-wire connectMessagePort', 'vscode-jsonrpc browser', 'ceiling (raw postMessage)'],
    ['port', "jsonrpc-wire connectMessagePort 'json'", 'vscode-jsonrpc browser', 'ceiling (raw postMessage, JSON text)'],
    ['ws', 'jsonrpc-wire connectWebSocket', 'rpc-websockets', 'ceiling (raw ws echo)'],
  ] as const;
  // What no library can beat: the fastest no-library ceiling of the channel, against the peer.
  const ceilings = { port: ['ceiling (raw postMessage)', 'ceiling (raw postMessage, JSON text)'], ws: ['ceiling (raw ws echo)', 'ceiling (raw ws echo, corked per turn)'] };
  for (const [channel, oursName, peerName, ceilingName] of pairs) {
    const ours = find(channel, oursName);
    const peer = find(channel, peerName);
    const bound = peer ? Math.max(...ceilings[channel].map((name) => find(channel, name)).map((c) => (c ? pairedRatios(c.samples, peer.samples).median : 0))) : 0;
    for (const [other, factor, label] of [[peer, 3, peerName], [find(channel, ceilingName), 0.8, ceilingName]] as const) {
      if (!other) continue;
      const paired = ours ? pairedRatios(ours.samples, other.samples) : undefined;
      const note = other === peer && bound > 0 ? `; the fastest no-library ceiling reaches ${fmtRatio(bound)} ${peerName}` : '';
      checks.push({
        target: `${oursName} >= ${factor}x ${label} (median of per-round ratios)`,
        measured: paired ? `${fmtRatio(paired.median)} (rounds ${fmtRatio(paired.min)}..${fmtRatio(paired.max)})${note}` : 'ours not measured',
        pass: paired ? paired.median >= factor : undefined,
      });
    }
  }
  return checks;
}

/** diagnostics_channel costs nothing measurable while nobody subscribes. */
function tracingTargets(rows: Row[]): Check[] {
  const find = (metric: string, contender: string) =>
    rows.find((r) => r.suite === 'tracing' && r.metric === metric && r.contender === contender && r.samples.length > 0);
  const [without, unsubscribed] = [find('CPU per request', 'without channels'), find('CPU per request', 'channels, nobody subscribed')];
  if (!without || !unsubscribed) return [];
  const paired = pairedRatios(unsubscribed.samples, without.samples);
  return [
    {
      target: 'tracing: channels nobody subscribes to add <= 3% CPU per request (median of per-round ratios)',
      measured: `${fmtRatio(paired.median)} (rounds ${fmtRatio(paired.min)}..${fmtRatio(paired.max)}; ${fmt(unsubscribed.median)} vs ${fmt(without.median)} us)`,
      pass: paired.median <= 1.03,
    },
  ];
}

/** tap's overhead over a direct child pipe: at most ~5% of pipelined req/s and ~100 us of p50. */
function tapTargets(rows: Row[]): Check[] {
  const find = (metric: string, contender: string) => rows.find((r) => r.suite === 'tap' && r.metric === metric && r.contender === contender && r.samples.length > 0);
  const [direct, tapped] = [find('throughput', 'direct child pipe'), find('throughput', 'through tap (--log FILE)')];
  const [directP50, tappedP50] = [find('p50 latency', 'direct child pipe'), find('p50 latency', 'through tap (--log FILE)')];
  const checks: Check[] = [];
  if (direct && tapped) {
    const paired = pairedRatios(tapped.samples, direct.samples);
    checks.push({
      target: 'tap: pipelined req/s >= 0.95x a direct child pipe (median of per-round ratios)',
      measured: `${fmtRatio(paired.median)} (rounds ${fmtRatio(paired.min)}..${fmtRatio(paired.max)}; ${fmt(tapped.median)} / ${fmt(direct.median)} req/s)`,
      pass: paired.median >= 0.95,
    });
  }
  if (directP50 && tappedP50) {
    const added = tappedP50.median - directP50.median;
    checks.push({
      target: 'tap: adds <= 100 us to p50 latency',
      measured: `+${fmt(added)} us (${fmt(tappedP50.median)} vs ${fmt(directP50.median)} us)`,
      pass: added <= 100,
    });
  }
  return checks;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  let framingOther: unknown[] = [];
  let framingChecks: Check[] = [];
  progress(`jsonrpc-wire bench: ${args.only.join(', ')}${args.quick ? ' (quick)' : ''}; Node ${process.version}`);

  for (const part of args.only) {
    const t0 = performance.now();
    try {
      if (part === 'framing') {
        const { rows: framingRows, other, checks } = await runFraming(args.quick);
        framingChecks = checks;
        printRows(framingRows, { refs: framingRefs(framingRows) });
        framingOther = other;
        if (other.length > 0) {
          process.stdout.write('\n[framing]\n');
          console.table(other);
        }
        rows.push(...framingRows);
      } else if (part === 'tcp') {
        const tcpRows = await runTcpBench({ quick: args.quick, rounds: args.rounds });
        printRows(tcpRows.filter((r) => r.samples.length > 0), { refs: TCP_REFS, matrix: !args.quick });
        rows.push(...tcpRows);
      } else if (part === 'latency') {
        rows.push(...(await runLatencyStudy({ rounds: args.rounds ?? (args.quick ? 3 : 8) })));
      } else if (part === 'channels') {
        const channelRows = await runChannelBench({ quick: args.quick, rounds: args.rounds });
        printRows(channelRows.filter((r) => r.samples.length > 0), { refs: CHANNEL_REFS });
        rows.push(...channelRows);
      } else if (part === 'tap') {
        const tapRows = await runTapBench({ quick: args.quick, rounds: args.rounds });
        printRows(tapRows, { refs: TAP_REFS });
        rows.push(...tapRows);
      } else if (part === 'tracing') {
        const tracingRows = await runTracingBench({ quick: args.quick, rounds: args.rounds });
        printRows(tracingRows, { refs: TRACING_REFS });
        rows.push(...tracingRows);
      } else {
        const floodRows = await runFloodBench({ quick: args.quick, rounds: args.rounds });
        printRows(floodRows.filter((r) => r.samples.length > 0), { refs: FLOOD_REFS });
        rows.push(...floodRows);
      }
    } catch (error) {
      notes.push(`${part}: skipped: ${errorText(error).split('\n')[0]}`);
      progress(`[${part}] skipped: ${errorText(error)}`);
    }
    progress(`[${part}] done in ${fmt((performance.now() - t0) / 1000)} s`);
  }

  for (const r of rows) if (r.samples.length === 0 && r.note) notes.push(`${r.suite}: ${r.note}`);
  const checks = [...framingChecks, ...targets(rows)];
  if (checks.length > 0) {
    process.stdout.write('\nTargets (this run)\n');
    printGrid(
      ['target', 'measured', 'result'],
      checks.map((c) => [c.target, c.measured, c.pass === undefined ? (/not measured/.test(c.measured) ? 'n/a' : 'info') : c.pass ? 'PASS' : 'FAIL']),
    );
  }
  if (notes.length > 0) process.stdout.write('\nNotes\n' + notes.map((n) => `- ${n}\n`).join(''));

  const seconds = (performance.now() - started) / 1000;
  if (args.json) {
    writeJson(args.json, rows, {
      quick: args.quick, parts: args.only, commit: gitCommit(), seconds, targets: checks, notes,
      ...(framingOther.length > 0 ? { framingOther } : {}),
    });
    progress(`wrote ${args.json}`);
  }
  progress(`total ${fmt(seconds)} s`);
  if (notes.some((n) => n.includes('FAILED'))) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
