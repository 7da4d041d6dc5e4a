/**
 * Renders the harness's results as Markdown: one table per section (subject and
 * baseline side by side, wall and thread CPU in separate columns, spread as
 * min–max), then every goal in one final table. docs/performance.md is this text and
 * nothing else (see bench/index.ts --write-docs).
 */
import { PROCESS_CPU_LABEL, THREAD_CPU_LABEL } from './clock';
import type { Bench, Goal, GoalResult, Result, SectionLog } from './harness';
import type { Summary } from './stats';

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' / ');

function spread(s: Summary | undefined, unit: string): string {
  if (!s) return 'n/a';
  return `${formatNumber(s.p50)} ${unit} [${formatNumber(s.min)}–${formatNumber(s.max)}]`;
}

function p50(s: Summary | undefined, unit: string): string {
  return s ? `${formatNumber(s.p50)} ${unit}` : 'n/a';
}

export function renderSection(s: SectionLog): string {
  const lines = [
    `### ${s.title}`,
    '',
    `_Load average (1/5/15 min) before ${load(s.loadBefore)}, after ${load(s.loadAfter)}; ${s.seconds.toFixed(1)} s._`,
    '',
    '| measure | rounds | subject | wall p50 [min–max] | thread CPU p50 | process CPU p50 | baseline | wall p50 [min–max] | thread CPU p50 | ratio (wall p50) | added per round, wall p50 [min–max] |',
    '| --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of s.results) {
    const u = r.unit;
    const b = r.baseline;
    lines.push(
      `| ${r.name} | ${r.rounds} | ${r.subjectName} | ${spread(r.subject.wall, u)} | ${p50(r.subject.cpu, u)} | ${p50(r.subject.processCpu, u)} | ${r.baselineName ?? '— (none)'} | ${b ? spread(b.wall, u) : '—'} | ${b ? p50(b.cpu, u) : '—'} | ${b ? (r.subject.wall.p50 / b.wall.p50).toFixed(2) : '—'} | ${r.added ? spread(r.added.wall, u) : '—'} |`,
    );
  }
  const withTails = s.results.filter((r) => r.rounds >= 100);
  if (withTails.length > 0) {
    lines.push(
      '',
      'Tails (wall): ' +
        withTails
          .map(
            (r) =>
              `${r.name}: subject p99 ${formatNumber(r.subject.wall.p99)} ${r.unit}${r.baseline ? `, baseline p99 ${formatNumber(r.baseline.wall.p99)} ${r.unit}` : ''}${r.added ? `, added p99 ${formatNumber(r.added.wall.p99)} ${r.unit}` : ''}`,
          )
          .join('; ') +
        '.',
    );
  }
  for (const k of s.skips) lines.push('', `**Skipped:** ${k.name} — ${k.reason}`);
  for (const r of s.results) for (const n of r.notes) lines.push('', `${r.name}: ${n}`);
  for (const n of s.notes) lines.push('', n);
  return lines.join('\n');
}

export function describeGoal(g: Goal): string {
  const of = g.of ?? 'subject';
  const what = of === 'added' ? 'added over baseline' : of === 'ratio' ? 'subject / baseline' : 'figure';
  const metric = g.unit === 'MiB' ? 'sample' : g.metric === 'wall' ? 'wall' : 'thread CPU';
  return `${what}, ${metric} ${g.stat} ${g.op === '<=' ? '≤' : '≥'} ${formatNumber(g.value)} ${g.unit}`;
}

function goalRow(r: Result, g: GoalResult): string {
  const unit = (g.goal.of ?? 'subject') === 'ratio' ? '×' : r.unit;
  const base = g.baselineFigure !== undefined ? `${r.baselineName}: ${formatNumber(g.baselineFigure)} ${r.unit}` : '— (none)';
  const ratio = g.ratio !== undefined ? g.ratio.toFixed(2) : '—';
  return `| ${r.section} — ${r.name} | ${formatNumber(g.figure)} ${unit} | ${base} | ${ratio} | ${describeGoal(g.goal)} | ${g.met ? 'met' : '**not met**'} |`;
}

export function renderGoals(results: readonly Result[]): string {
  const lines = ['| figure | value | baseline (same stat, same run) | ratio | goal | met? |', '| --- | ---: | --- | ---: | --- | --- |'];
  for (const r of results) for (const g of r.goals) lines.push(goalRow(r, g));
  return lines.join('\n');
}

export interface MachineInfo {
  readonly when: string;
  readonly node: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  /** The machine speed anchors' sentence (speed-anchor.ts), when the run took them. */
  readonly speed?: string;
  readonly command: string;
  readonly seconds: number;
  /** Bench files that threw; their goals are missing from the table. */
  readonly failures?: readonly string[];
}

const HOW_TO_READ = [
  'How the figures are taken (bench/lib/harness.ts):',
  '',
  '- Each subject and its baseline run **interleaved in the same process** (subject, baseline, subject, baseline…, after warm-up rounds done the same way), at least 5 rounds each.',
  '- Every time figure is the **median with its min–max spread** over rounds. Wall time and CPU time are separate columns; each goal names the one it is judged on.',
  `- CPU columns: ${THREAD_CPU_LABEL}; ${PROCESS_CPU_LABEL}. Node 20 has no per-thread CPU API of its own.`,
  '- A baseline always does the same work for real (no modelled costs). "Added per round" is the median of per-round paired differences (subject_i − baseline_i), never a difference of medians from separate phases, and is not clamped. Without a baseline no ratio is printed.',
  '- Rates are MB/s = 10^6 bytes per second.',
  '- This file is generated by `npm run bench -- --write-docs`; do not edit it by hand.',
].join('\n');

export function renderReport(bench: Bench, m: MachineInfo): string {
  const out = [
    '# Performance',
    '',
    `<!-- Generated by \`${m.command}\` — edit bench/**, not this file. -->`,
    '',
    `Run ${m.when} — Node ${m.node}, ${m.nproc} CPUs (${m.cpuModel}) — load average (1/5/15 min) before ${load(m.loadBefore)}, after ${load(m.loadAfter)} — ${(m.seconds / 60).toFixed(1)} min${bench.quick ? ' — **--quick** (fewer rounds and sizes)' : ''}.`,
    '',
    ...(m.speed ? [m.speed, ''] : []),
    HOW_TO_READ,
    '',
    '## Goals',
    '',
    renderGoals(bench.results),
    ...(m.failures && m.failures.length > 0
      ? ['', '**Bench files that failed in this run (their figures are missing):**', '', ...m.failures.map((f) => '    ' + f.split('\n').slice(0, 3).join('\n    '))]
      : []),
    '',
    '## Sections',
  ];
  for (const s of bench.sections) out.push('', renderSection(s));
  return out.join('\n') + '\n';
}
