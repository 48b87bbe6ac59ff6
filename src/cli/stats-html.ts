/**
 * `stats --html`: the summary as one self-contained page: inline CSS and SVG, no script, nothing
 * fetched from anywhere, so it can be mailed or attached to a bug. Every string from the log is
 * escaped: method names come off the wire and may be anything.
 */
import { describeMessage, formatBytes, formatMs, methodTable, UNANSWERED_LISTED } from './stats-format.js';
import { MAX_TIMELINE_CALLS, percentile, type SessionSummary, type TimelineCall } from './stats-summary.js';

/** Histogram bucket upper bounds in ms (log scale); the last bucket takes everything above. */
const BUCKETS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];
/** Methods given their own lane in the timeline; the rest share one. */
const MAX_LANES = 16;
const WIDTH = 1000;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderHtml(s: SessionSummary, source: string): string {
  const total = s.messages['to-server'] + s.messages['to-client'];
  const seconds = s.startTime === undefined || s.endTime === undefined ? 0 : (s.endTime - s.startTime) / 1000;
  const title = s.command === undefined ? source : s.command.join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>jsonrpc-wire stats: ${escapeHtml(title)}</title>
<style>${STYLE}</style></head>
<body>
<h1>JSON-RPC session <code>${escapeHtml(title)}</code></h1>
<p class="lede">${total} messages (${s.messages['to-server']} to the server, ${s.messages['to-client']} to the client) over ${seconds.toFixed(1)} s
${s.startTime === undefined ? '' : `from ${escapeHtml(new Date(s.startTime).toISOString())}`}${exitText(s)}.
${s.unansweredTotal === 0 ? 'Every request was answered.' : `<strong class="bad">${s.unansweredTotal} request(s) never answered.</strong>`}</p>
${problems(s)}
<h2>Latency</h2>
${histogram(s)}
<h2>Timeline</h2>
${timeline(s, seconds * 1000)}
<h2>Methods</h2>
${methodsHtml(s)}
<h2>Largest messages</h2>
${s.largest.length === 0 ? '<p>None.</p>' : htmlTable(['size', 'direction', 'message', 'time'], s.largest.map((l) => [formatBytes(l.size), l.dir, describeMessage(l), l.time]))}
${s.unansweredTotal === 0 ? '' : `<h2>Requests never answered</h2>\n${htmlTable(['direction', 'method', 'id', 'sent at'], s.unanswered.slice(0, UNANSWERED_LISTED).map((l) => [l.dir, l.method ?? '', JSON.stringify(l.id), l.time]), () => false)}${s.unansweredTotal > UNANSWERED_LISTED ? `<p>… and ${s.unansweredTotal - UNANSWERED_LISTED} more.</p>` : ''}`}
<footer>Made by <code>jsonrpc-wire stats ${escapeHtml(source)} --html</code>.</footer>
</body></html>
`;
}

function exitText(s: SessionSummary): string {
  if (s.exit === undefined) return '';
  return s.exit.signal ? `; the server was killed by ${escapeHtml(s.exit.signal)}` : `; the server exited with code ${s.exit.code}`;
}

function problems(s: SessionSummary): string {
  const items: string[] = [];
  if (s.unmatched > 0) items.push(`${s.unmatched} response(s) to no request seen`);
  if (s.invalid.count > 0) items.push(`${s.invalid.count} invalid message(s); first: ${s.invalid.first ?? ''}`);
  if (s.unreadable.count > 0) items.push(`${s.unreadable.count} time(s) unreadable bytes; first: ${s.unreadable.first ?? ''}`);
  if (s.droppedLines > 0 || s.skippedBytes > 0) items.push(`the log could not keep up: ${s.droppedLines} line(s), ${s.skippedBytes} byte(s) not logged`);
  return items.length === 0 ? '' : `<ul class="problems">${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
}

function htmlTable(header: string[], rows: string[][], numeric: (column: number) => boolean = (c) => c === 0): string {
  const cell = (tag: string, text: string, i: number): string => `<${tag}${numeric(i) ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  return `<table><thead><tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>
${rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}
</tbody></table>`;
}

function methodsHtml(s: SessionSummary): string {
  const { header, rows } = methodTable(s);
  return htmlTable(header, rows, (c) => c > 0);
}

function histogram(s: SessionSummary): string {
  const all = s.methods.flatMap((m) => m.latencies);
  if (all.length === 0) return '<p>No request was answered.</p>';
  const counts = new Array<number>(BUCKETS.length + 1).fill(0);
  for (const ms of all) {
    const at = BUCKETS.findIndex((bound) => ms <= bound);
    counts[at === -1 ? BUCKETS.length : at]++;
  }
  const first = counts.findIndex((c) => c > 0);
  const last = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
  const shown = counts.slice(first, last + 1);
  const peak = Math.max(...shown);
  const height = 180;
  const barWidth = Math.min(80, (WIDTH - 60) / shown.length);
  const bars = shown.map((count, i) => {
    const bucket = first + i;
    const label = bucket === BUCKETS.length ? `>${BUCKETS[BUCKETS.length - 1]}` : `≤${BUCKETS[bucket]}`;
    const h = count === 0 ? 0 : Math.max(2, (count / peak) * (height - 40));
    const x = 40 + i * barWidth;
    return `<g><title>${count} request(s) answered in ${label} ms</title>` +
      `<rect class="bar" x="${x + 2}" y="${height - 20 - h}" width="${barWidth - 4}" height="${h}"/>` +
      `<text x="${x + barWidth / 2}" y="${height - 24 - h}" class="count">${count}</text>` +
      `<text x="${x + barWidth / 2}" y="${height - 6}" class="axis">${label}</text></g>`;
  });
  return `<figure><svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="latency histogram">
<line x1="40" y1="${height - 20}" x2="${40 + shown.length * barWidth}" y2="${height - 20}" class="rule"/>
${bars.join('\n')}
</svg><figcaption>Requests by time to answer, in ms (${all.length} answered; p50 ${formatMs(percentile([...all].sort((a, b) => a - b), 0.5))} ms).</figcaption></figure>`;
}

function timeline(s: SessionSummary, spanMs: number): string {
  if (s.calls.length === 0) return '<p>No messages.</p>';
  const lanes = s.methods.slice(0, MAX_LANES).map((m) => m.method);
  const hasOther = s.methods.length > MAX_LANES;
  const laneOf = (call: TimelineCall): number => {
    const i = lanes.indexOf(call.method);
    return i === -1 ? lanes.length : i;
  };
  const left = 220;
  const lane = 22;
  const height = (lanes.length + (hasOther ? 1 : 0)) * lane + 30;
  const span = Math.max(spanMs, 1);
  const x = (ms: number): number => left + (ms / span) * (WIDTH - left - 10);
  const marks = s.calls.map((call) => {
    const y = 10 + laneOf(call) * lane;
    const tip = `<title>${escapeHtml(call.method)} ${call.dir}${call.notification ? ' (notification)' : call.end === undefined ? ', never answered' : `, ${formatMs(call.end - call.start)} ms`} at +${(call.start / 1000).toFixed(3)} s</title>`;
    if (call.notification) return `<circle class="note ${call.dir}" cx="${x(call.start).toFixed(1)}" cy="${y + lane / 2 - 2}" r="3">${tip}</circle>`;
    const end = call.end ?? span;
    const cls = call.end === undefined ? 'unanswered' : call.error === true ? 'error' : call.dir;
    const width = Math.max(2, x(end) - x(call.start));
    return `<rect class="call ${cls}" x="${x(call.start).toFixed(1)}" y="${y + 2}" width="${width.toFixed(1)}" height="${lane - 8}">${tip}</rect>`;
  });
  const names = [...lanes, ...(hasOther ? [`(${s.methods.length - MAX_LANES} other methods)`] : [])].map(
    (name, i) => `<text x="${left - 8}" y="${10 + i * lane + lane / 2 + 2}" class="lane">${escapeHtml(name.length > 32 ? `${name.slice(0, 31)}…` : name)}</text>`,
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const anchor = f === 0 ? ' style="text-anchor: start"' : f === 1 ? ' style="text-anchor: end"' : '';
    return `<text x="${x(f * span).toFixed(1)}" y="${height - 4}" class="axis"${anchor}>+${((f * span) / 1000).toFixed(2)} s</text>`;
  });
  const more = s.callsNotShown > 0 ? ` Only the first ${MAX_TIMELINE_CALLS} calls are drawn (${s.callsNotShown} more).` : '';
  return `<figure><svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="timeline of the session">
${names.join('\n')}
<line x1="${left}" y1="${height - 18}" x2="${WIDTH - 10}" y2="${height - 18}" class="rule"/>
${ticks.join('\n')}
${marks.join('\n')}
</svg><figcaption>Each request is a bar from when it was sent to when it was answered:
<span class="key to-server">to the server</span> <span class="key to-client">to the client</span>
<span class="key error">error</span> <span class="key unanswered">never answered</span>; dots are notifications.${more}</figcaption></figure>`;
}

const STYLE = `
:root { --fg: #1d2430; --muted: #5d6778; --line: #d5dae3; --server: #2f6fd6; --client: #8a4bd1; --error: #d33a2c; --open: #e39a1f; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); max-width: 1080px; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h1 code { font-size: 1.1rem; color: var(--muted); }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.lede { color: var(--muted); } .bad { color: var(--error); }
.problems { background: #fff4e5; border: 1px solid #f3c98b; border-radius: 6px; padding: .5rem 1.5rem; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; } .num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(odd) { background: #f6f8fb; }
figure { margin: 0; } svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 13px; margin-top: .25rem; }
.bar { fill: var(--server); } .rule { stroke: var(--line); }
text { font: 11px system-ui, sans-serif; fill: var(--muted); } .count, .axis { text-anchor: middle; } .lane { text-anchor: end; fill: var(--fg); }
.call.to-server, .note.to-server { fill: var(--server); } .call.to-client, .note.to-client { fill: var(--client); }
.call.error { fill: var(--error); } .call.unanswered { fill: var(--open); opacity: .6; }
.key::before { content: ""; display: inline-block; width: .8em; height: .8em; margin: 0 .3em 0 .6em; vertical-align: -1px; border-radius: 2px; }
.key.to-server::before { background: var(--server); } .key.to-client::before { background: var(--client); }
.key.error::before { background: var(--error); } .key.unanswered::before { background: var(--open); }
footer { margin-top: 2.5rem; color: var(--muted); font-size: 13px; }
`;
