/**
 * The compliance summary as one self-contained HTML page (docs/audit-format.md §9):
 * inline CSS, charts as inline SVG, no script, no external resource — a CSP meta tag
 * forbids loading anything, so the file can be attached to an audit and opened anywhere.
 * Every value that came from the log is escaped; the log holds ids, origins and reason
 * tokens only, never a secret, so neither does the page.
 */
import type { AuditSummary, GuardEvents, UseCounts } from './summary';

export interface SummaryProvenance {
  /** What verification established, e.g. "5 records from 1 device verified; 1 signed checkpoint matches". */
  readonly verified: string;
  /** The export file's name as the person gave it. */
  readonly source: string;
  readonly generatedAt: string;
}

const COLORS = { success: '#2f7d4f', failure: '#b8860b', denied: '#b23b3b' } as const;
const OUTCOMES = ['success', 'failure', 'denied'] as const;
const ROWS_MAX = 25;

export function renderSummaryHtml(s: AuditSummary, p: SummaryProvenance): string {
  const period = `${s.period.from ?? 'the beginning'} to ${s.period.to ?? 'the end of the export'}`;
  const uses = [...s.perAgent.values()].reduce((n, c) => n + c.success + c.failure + c.denied, 0);
  const denied = [...s.denials.values()].reduce((n, c) => n + c, 0);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Latchkey audit summary — ${esc(period)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Latchkey audit summary</h1>
<p class="period">${esc(period)}</p>
<p class="provenance">Generated ${esc(p.generatedAt)} from <code>${esc(p.source)}</code>. Verified before counting: ${esc(p.verified)}</p>
</header>
<section class="figures">
${figure('Records in the period', s.records)}${figure('Devices', s.devices)}${figure('Credential uses', uses)}${figure('Refused uses', denied)}${figure('Echo events', s.echoEvents.total)}${figure('Canary events', s.canaryEvents.total)}${figure('New destinations', s.newDestinations.length)}
</section>
<section>
<h2>Credential uses per day</h2>
${s.perDay.size === 0 ? '<p class="none">No credential uses in this period.</p>' : dayChart(s.perDay)}
${legend()}
</section>
<section>
<h2>Uses per agent</h2>
${s.perAgent.size === 0 ? '<p class="none">No credential uses in this period.</p>' : barChart(s.perAgent, 'agent')}
</section>
<section>
<h2>Uses per credential</h2>
${s.perCredential.size === 0 ? '<p class="none">No credential uses in this period.</p>' : barChart(s.perCredential, 'credential')}
</section>
<section>
<h2>Refused uses by reason</h2>
${table(
  ['Reason', 'Uses refused'],
  [...s.denials].sort((a, b) => b[1] - a[1]).map(([reason, n]) => [reason, String(n)]),
  'No use was refused.',
)}
</section>
<section>
<h2>Echo events</h2>
<p class="note">A destination sent the credential back; Latchkey withheld the response and asks again next time.</p>
${guardTable(s.echoEvents, 'No destination echoed a credential.')}
</section>
<section>
<h2>Canary events</h2>
<p class="note">Someone tried to use a canary credential, or its value appeared in a result.</p>
${guardTable(s.canaryEvents, 'No canary credential was touched.')}
</section>
<section>
<h2>New destinations</h2>
<p class="note">The first successful use of a credential at an origin, in this export.</p>
${table(
  ['First use', 'Credential', 'Origin', 'By'],
  s.newDestinations.map((d) => [d.time, d.itemId, d.origin, d.agent]),
  'No credential reached a new destination.',
)}
</section>
</body>
</html>
`;
}

function figure(label: string, n: number): string {
  return `<div class="figure"><span class="n">${n}</span><span class="label">${esc(label)}</span></div>`;
}

function legend(): string {
  return `<p class="legend">${OUTCOMES.map((o) => `<span><i style="background:${COLORS[o]}"></i>${o}</span>`).join(' ')}</p>`;
}

/** Stacked columns, one per day, scaled to the busiest day. */
function dayChart(perDay: ReadonlyMap<string, UseCounts>): string {
  const days = [...perDay];
  const max = Math.max(1, ...days.map(([, c]) => total(c)));
  const colW = Math.max(4, Math.min(28, Math.floor(720 / days.length)));
  const h = 160;
  const w = colW * days.length + 40;
  const bars = days
    .map(([day, c], i) => {
      let y = h;
      const x = 40 + i * colW;
      const parts = OUTCOMES.filter((o) => c[o] > 0).map((o) => {
        const bh = Math.max(1, Math.round((c[o] / max) * (h - 10)));
        y -= bh;
        return `<rect x="${x}" y="${y}" width="${colW - 1}" height="${bh}" fill="${COLORS[o]}"><title>${esc(day)}: ${c[o]} ${o}</title></rect>`;
      });
      return parts.join('');
    })
    .join('');
  const first = days[0]![0];
  const last = days[days.length - 1]![0];
  return `<svg role="img" aria-label="Credential uses per day" viewBox="0 0 ${w} ${h + 20}" width="${w}" height="${h + 20}">
<text x="0" y="12" class="axis">${max}</text><text x="0" y="${h}" class="axis">0</text>${bars}
<text x="40" y="${h + 16}" class="axis">${esc(first)}</text><text x="${w}" y="${h + 16}" class="axis" text-anchor="end">${esc(last)}</text>
</svg>`;
}

/** Horizontal stacked bars for the busiest keys; the rest summed in one line. */
function barChart(map: ReadonlyMap<string, UseCounts>, what: string): string {
  const rows = [...map].sort((a, b) => total(b[1]) - total(a[1]));
  const shown = rows.slice(0, ROWS_MAX);
  const max = Math.max(1, ...shown.map(([, c]) => total(c)));
  const labelW = 200;
  const barW = 480;
  const rowH = 22;
  const bars = shown
    .map(([key, c], i) => {
      const y = i * rowH;
      let x = labelW;
      const parts = OUTCOMES.filter((o) => c[o] > 0).map((o) => {
        const bw = Math.max(1, Math.round((c[o] / max) * barW));
        const rect = `<rect x="${x}" y="${y + 3}" width="${bw}" height="${rowH - 6}" fill="${COLORS[o]}"><title>${c[o]} ${o}</title></rect>`;
        x += bw;
        return rect;
      });
      return `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" class="key">${esc(clip(key))}</text>${parts.join('')}<text x="${x + 6}" y="${y + 15}" class="axis">${total(c)}</text>`;
    })
    .join('');
  const rest = rows.length - shown.length;
  const more = rest > 0 ? `<p class="note">and ${rest} more ${what}${rest === 1 ? '' : 's'} with fewer uses.</p>` : '';
  const h = shown.length * rowH;
  return `<svg role="img" aria-label="Uses per ${esc(what)}" viewBox="0 0 ${labelW + barW + 60} ${h}" width="${labelW + barW + 60}" height="${h}">${bars}</svg>${more}`;
}

function guardTable(events: GuardEvents, none: string): string {
  const rows = events.listed.map((e) => [e.time, e.agent, e.itemId ?? '—', e.origin ?? '—', `${e.device} #${e.seq}`]);
  const cut = events.total > events.listed.length ? `<p class="note">${events.total} in all; the first ${events.listed.length} are listed.</p>` : '';
  return table(['Time', 'Agent', 'Credential', 'Origin', 'Record'], rows, none) + cut;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], none: string): string {
  if (rows.length === 0) return `<p class="none">${esc(none)}</p>`;
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function total(c: UseCounts): number {
  return c.success + c.failure + c.denied;
}

function clip(s: string): string {
  return s.length > 28 ? s.slice(0, 27) + '…' : s;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1f23;margin:2rem auto;max-width:980px;padding:0 1rem}
h1{font-size:1.6rem;margin:0}h2{font-size:1.1rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.25rem}
.period{font-size:1.1rem;margin:.25rem 0}.provenance,.note{color:#555}.none{color:#777;font-style:italic}
.figures{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
.figure{border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem;min-width:8rem;display:flex;flex-direction:column}
.figure .n{font-size:1.5rem;font-weight:600}.figure .label{color:#555;font-size:.85rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;font-variant-numeric:tabular-nums}
th{background:#f6f6f6}code{font-size:.9em}svg{max-width:100%;height:auto}svg text{font-size:11px;fill:#333}
.legend span{margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
@media print{body{margin:0}section{break-inside:avoid}}
`;
