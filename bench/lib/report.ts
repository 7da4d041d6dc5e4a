/**
 * Shared shape for benchmark output: every figure sits beside a baseline measured
 * in the same run, with their ratio, so a reader can tell a slow machine from a
 * slow change.
 */
export interface BenchRow {
  /** What we measure, e.g. "unlock → overviews ready, 10k items (Node)". */
  readonly name: string;
  readonly ours: number;
  readonly baselineName: string;
  readonly baseline: number;
  /** Unit of both figures, e.g. "ms", "MB/s", "records/s". */
  readonly unit: string;
  /** Goal from the issue, as text ("≤ 150 ms"); empty when the issue sets none. */
  readonly goal?: string;
}

export interface BenchSection {
  readonly title: string;
  readonly rows: readonly BenchRow[];
  readonly notes?: readonly string[];
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Renders a section as a Markdown table (readable in a terminal and in docs/). */
export function renderSection(section: BenchSection): string {
  const lines = [
    `### ${section.title}`,
    '',
    '| measure | ours | baseline | baseline figure | ratio (ours/baseline) | goal |',
    '| --- | ---: | --- | ---: | ---: | --- |',
  ];
  for (const r of section.rows) {
    const ratio = r.baseline === 0 ? '—' : (r.ours / r.baseline).toFixed(2);
    lines.push(
      `| ${r.name} | ${formatNumber(r.ours)} ${r.unit} | ${r.baselineName} | ${formatNumber(r.baseline)} ${r.unit} | ${ratio} | ${r.goal ?? ''} |`,
    );
  }
  for (const note of section.notes ?? []) lines.push('', note);
  return lines.join('\n');
}

/** Median and percentiles of a sample, in the sample's unit. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}
