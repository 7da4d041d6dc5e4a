/**
 * The bench harness: every figure beside a baseline that does the same work for
 * real, run interleaved in the same process so load, thermal state and GC hit both
 * alike.
 *
 *   await bench.compare({
 *     name: 'unlock → overviews ready, 10k items (Node)',
 *     unit: 'ms',
 *     rounds: 7, warmup: 1,
 *     subject:  { name: 'Latchkey (overview pages)', before: () => engine.lock(), run: () => engine.unlockWithRecoveryCode(code) },
 *     baseline: { name: 'per-item rows, read + decrypt each', run: () => perItemUnlock() },
 *     goals: [{ metric: 'wall', stat: 'p50', op: '<=', value: 150, unit: 'ms' }],
 *   });
 *
 * Rules it enforces (issue 15):
 * - Order is subject, baseline, subject, baseline… (ABAB), warm-up rounds included;
 *   `before`/`after` hooks run outside the timed part.
 * - At least 5 rounds (MIN_ROUNDS); fewer is refused, not silently accepted.
 * - Wall and CPU are separate figures; each goal names exactly one metric
 *   ('wall' or 'cpu' = thread CPU, see clock.ts) and one statistic.
 * - A goal's unit must equal the figure's unit ('×' for a ratio goal), checked when
 *   the comparison is declared.
 * - No baseline → no ratio and no "added" figure; a ratio or added goal without a
 *   baseline is refused. "Added" is the median (or pXX) of per-round paired
 *   differences subject_i − baseline_i, never a difference of two medians, and it is
 *   not clamped.
 */
import { loadavg } from 'node:os';
import { realClock, type Clock } from './clock';
import { pairedDifferences, pick, summarize, type Stat, type Summary } from './stats';

export const MIN_ROUNDS = 5;

export type TimeUnit = 'ms' | 'µs';
export type RateUnit = 'MB/s' | 'records/s';
export type FigureUnit = TimeUnit | RateUnit | 'MiB';
export type Metric = 'wall' | 'cpu';

export interface Goal {
  readonly metric: Metric;
  readonly stat: Stat;
  /** What the goal is about: the subject's figure (default), subject − baseline per round, or subject / baseline. */
  readonly of?: 'subject' | 'added' | 'ratio';
  readonly op: '<=' | '>=';
  readonly value: number;
  readonly unit: FigureUnit | '×';
  /** Where the goal comes from, e.g. "issue 15". */
  readonly source?: string;
}

export interface Workload<T = unknown> {
  readonly name: string;
  /** The timed work. */
  run(): T | Promise<T>;
  /** Untimed set-up before each run (e.g. lock the vault). */
  before?(): unknown;
  /** Untimed check after each run (e.g. the item count is right). */
  after?(result: T): unknown;
}

export interface CompareSpec {
  readonly name: string;
  readonly unit: TimeUnit | RateUnit;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each workload picks its own result type; the harness never reads it
  readonly subject: Workload<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  readonly baseline?: Workload<any>;
  readonly rounds: number;
  readonly warmup?: number;
  /** Operations one run performs; time figures are per operation. Default 1. */
  readonly opsPerRun?: number;
  /** For rate units: bytes (MB/s, 10^6 B) or records one run processes. */
  readonly work?: number;
  readonly goals?: readonly Goal[];
  readonly notes?: readonly string[];
}

/** A figure that is not a timing (memory, a count): given samples, no ratio unless a baseline sample is given. */
export interface RecordSpec {
  readonly name: string;
  readonly unit: FigureUnit;
  readonly subjectName: string;
  readonly samples: readonly number[];
  readonly baseline?: { readonly name: string; readonly samples: readonly number[] };
  readonly goals?: readonly Goal[];
  readonly notes?: readonly string[];
}

export interface Figure {
  readonly wall: Summary;
  /** Thread CPU; undefined where the clock cannot read it. */
  readonly cpu?: Summary;
  readonly processCpu?: Summary;
}

export interface GoalResult {
  readonly goal: Goal;
  readonly figure: number;
  readonly baselineFigure?: number;
  readonly ratio?: number;
  readonly met: boolean;
}

export interface Result {
  readonly section: string;
  readonly name: string;
  readonly unit: FigureUnit;
  readonly rounds: number;
  readonly subjectName: string;
  readonly subject: Figure;
  readonly baselineName?: string;
  readonly baseline?: Figure;
  /** Paired per-round differences subject − baseline (time units only). */
  readonly added?: Figure;
  readonly goals: readonly GoalResult[];
  readonly notes: readonly string[];
}

export interface Skip {
  readonly section: string;
  readonly name: string;
  readonly reason: string;
}

export interface SectionLog {
  readonly title: string;
  readonly loadBefore: readonly number[];
  loadAfter: readonly number[];
  readonly notes: string[];
  readonly results: Result[];
  readonly skips: Skip[];
  seconds: number;
}

interface RawSample {
  wall: number;
  cpu: number | undefined;
  processCpu: number;
}

export interface BenchOptions {
  readonly quick?: boolean;
  readonly clock?: Clock;
  readonly loadavg?: () => readonly number[];
  readonly log?: (line: string) => void;
}

export class Bench {
  readonly quick: boolean;
  readonly sections: SectionLog[] = [];
  private readonly clock: Clock;
  private readonly load: () => readonly number[];
  private readonly log: (line: string) => void;
  private current: SectionLog | undefined;

  constructor(opts: BenchOptions = {}) {
    this.quick = opts.quick ?? false;
    this.clock = opts.clock ?? realClock;
    this.load = opts.loadavg ?? loadavg;
    this.log = opts.log ?? (() => undefined);
  }

  /** Groups the figures `fn` produces under one title, with the load average before and after. */
  async section(title: string, fn: () => Promise<void> | void): Promise<void> {
    const s: SectionLog = { title, loadBefore: this.load(), loadAfter: [], notes: [], results: [], skips: [], seconds: 0 };
    this.sections.push(s);
    const prev = this.current;
    this.current = s;
    const t = this.clock.wall();
    try {
      await fn();
    } finally {
      s.seconds = (this.clock.wall() - t) / 1000;
      s.loadAfter = this.load();
      this.current = prev;
    }
  }

  note(text: string): void {
    this.need().notes.push(text);
  }

  /** An anchor or figure that could not run here, with the reason printed in the report. */
  skip(name: string, reason: string): void {
    const s = this.need();
    s.skips.push({ section: s.title, name, reason });
    this.log(`  skipped: ${name} — ${reason}`);
  }

  rounds(full: number, quick = MIN_ROUNDS): number {
    return Math.max(MIN_ROUNDS, this.quick ? Math.min(full, quick) : full);
  }

  async compare(spec: CompareSpec): Promise<Result> {
    const section = this.need();
    validate(spec);
    const a: RawSample[] = [];
    const b: RawSample[] = [];
    const warm = spec.warmup ?? 1;
    for (let i = 0; i < warm; i++) {
      await this.sample(spec.subject);
      if (spec.baseline) await this.sample(spec.baseline);
    }
    for (let i = 0; i < spec.rounds; i++) {
      a.push(await this.sample(spec.subject));
      if (spec.baseline) b.push(await this.sample(spec.baseline));
    }
    const conv = converter(spec);
    const subject = figure(a, conv);
    const baseline = spec.baseline ? figure(b, conv) : undefined;
    const added = spec.baseline && !isRate(spec.unit) ? addedFigure(a, b, conv) : undefined;
    const result: Result = {
      section: section.title,
      name: spec.name,
      unit: spec.unit,
      rounds: spec.rounds,
      subjectName: spec.subject.name,
      subject,
      ...(spec.baseline ? { baselineName: spec.baseline.name, baseline } : {}),
      ...(added ? { added } : {}),
      goals: (spec.goals ?? []).map((g) => evaluate(g, subject, baseline, added)),
      notes: [...(spec.notes ?? [])],
    };
    section.results.push(result);
    this.log(`  ${spec.name}: ${summaryLine(result)}`);
    return result;
  }

  record(spec: RecordSpec): Result {
    const section = this.need();
    for (const g of spec.goals ?? []) checkGoalUnit(g, spec.unit, spec.baseline !== undefined);
    const subject: Figure = { wall: summarize(spec.samples) };
    const baseline: Figure | undefined = spec.baseline ? { wall: summarize(spec.baseline.samples) } : undefined;
    const result: Result = {
      section: section.title,
      name: spec.name,
      unit: spec.unit,
      rounds: spec.samples.length,
      subjectName: spec.subjectName,
      subject,
      ...(spec.baseline ? { baselineName: spec.baseline.name, baseline } : {}),
      goals: (spec.goals ?? []).map((g) => evaluate(g, subject, baseline, undefined)),
      notes: [...(spec.notes ?? [])],
    };
    section.results.push(result);
    this.log(`  ${spec.name}: ${summaryLine(result)}`);
    return result;
  }

  get results(): Result[] {
    return this.sections.flatMap((s) => s.results);
  }

  private need(): SectionLog {
    if (!this.current) throw new Error('bench.compare/record/note/skip must run inside bench.section()');
    return this.current;
  }

  private async sample(w: Workload): Promise<RawSample> {
    await w.before?.();
    const c0 = this.clock.threadCpu();
    const p0 = this.clock.processCpu();
    const t0 = this.clock.wall();
    const out = await w.run();
    const t1 = this.clock.wall();
    const c1 = this.clock.threadCpu();
    const p1 = this.clock.processCpu();
    await w.after?.(out);
    return { wall: t1 - t0, cpu: c0 === undefined || c1 === undefined ? undefined : c1 - c0, processCpu: p1 - p0 };
  }
}

function isRate(u: FigureUnit): u is RateUnit {
  return u === 'MB/s' || u === 'records/s';
}

function validate(spec: CompareSpec): void {
  if (!Number.isInteger(spec.rounds) || spec.rounds < MIN_ROUNDS) throw new RangeError(`${spec.name}: at least ${MIN_ROUNDS} rounds, got ${spec.rounds}`);
  if (isRate(spec.unit) && !(spec.work && spec.work > 0)) throw new RangeError(`${spec.name}: a rate needs the work per run`);
  if (spec.opsPerRun !== undefined && !(spec.opsPerRun >= 1)) throw new RangeError(`${spec.name}: opsPerRun must be ≥ 1`);
  for (const g of spec.goals ?? []) checkGoalUnit(g, spec.unit, spec.baseline !== undefined);
}

function checkGoalUnit(g: Goal, unit: FigureUnit, hasBaseline: boolean): void {
  const of = g.of ?? 'subject';
  if ((of === 'added' || of === 'ratio') && !hasBaseline) throw new Error(`a goal on the ${of} figure needs a real baseline`);
  if (of === 'added' && isRate(unit)) throw new Error('an added goal needs a time unit');
  const want = of === 'ratio' ? '×' : unit;
  if (g.unit !== want) throw new Error(`goal unit ${g.unit} does not match the figure's unit ${want}`);
}

/** ms per run → the figure's unit (per-op time, or a rate from the run's work). */
function converter(spec: CompareSpec): (ms: number) => number {
  const ops = spec.opsPerRun ?? 1;
  switch (spec.unit) {
    case 'ms':
      return (ms) => ms / ops;
    case 'µs':
      return (ms) => (ms * 1000) / ops;
    case 'MB/s':
      return (ms) => spec.work! / 1e6 / (ms / 1000);
    case 'records/s':
      return (ms) => spec.work! / (ms / 1000);
  }
}

function figure(samples: readonly RawSample[], conv: (ms: number) => number): Figure {
  const cpu = samples.every((s) => s.cpu !== undefined) ? summarize(samples.map((s) => conv(s.cpu!))) : undefined;
  return {
    wall: summarize(samples.map((s) => conv(s.wall))),
    ...(cpu ? { cpu } : {}),
    processCpu: summarize(samples.map((s) => conv(s.processCpu))),
  };
}

function addedFigure(a: readonly RawSample[], b: readonly RawSample[], conv: (ms: number) => number): Figure {
  const wall = summarize(
    pairedDifferences(
      a.map((s) => conv(s.wall)),
      b.map((s) => conv(s.wall)),
    ),
  );
  const hasCpu = [...a, ...b].every((s) => s.cpu !== undefined);
  const cpu = hasCpu
    ? summarize(
        pairedDifferences(
          a.map((s) => conv(s.cpu!)),
          b.map((s) => conv(s.cpu!)),
        ),
      )
    : undefined;
  return {
    wall,
    ...(cpu ? { cpu } : {}),
    processCpu: summarize(
      pairedDifferences(
        a.map((s) => conv(s.processCpu)),
        b.map((s) => conv(s.processCpu)),
      ),
    ),
  };
}

function metricOf(f: Figure, m: Metric): Summary {
  const s = m === 'wall' ? f.wall : f.cpu;
  if (!s) throw new Error('thread CPU is not readable on this machine; state the goal against wall time');
  return s;
}

export function evaluate(goal: Goal, subject: Figure, baseline: Figure | undefined, added: Figure | undefined): GoalResult {
  const of = goal.of ?? 'subject';
  const s = pick(metricOf(subject, goal.metric), goal.stat);
  const base = baseline ? pick(metricOf(baseline, goal.metric), goal.stat) : undefined;
  const ratio = base !== undefined ? s / base : undefined;
  let fig: number;
  if (of === 'subject') fig = s;
  else if (of === 'ratio') fig = ratio!;
  else fig = pick(metricOf(added!, goal.metric), goal.stat);
  const met = goal.op === '<=' ? fig <= goal.value : fig >= goal.value;
  return { goal, figure: fig, ...(base !== undefined ? { baselineFigure: base, ratio } : {}), met };
}

export function summaryLine(r: Result): string {
  const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
  const base = r.baseline ? ` | ${r.baselineName}: ${f(r.baseline.wall.p50)} ${r.unit} | ratio ${(r.subject.wall.p50 / r.baseline.wall.p50).toFixed(2)}` : '';
  return `${r.subjectName}: ${f(r.subject.wall.p50)} ${r.unit} wall p50 [${f(r.subject.wall.min)}–${f(r.subject.wall.max)}]${base}`;
}
