import { describe, expect, it } from 'vitest';
import { Bench, MIN_ROUNDS } from '../../../bench/lib/harness';
import { renderGoals, renderSection } from '../../../bench/lib/report';
import { FakeClock } from './fake-clock';

function setup(quick = false) {
  const clock = new FakeClock();
  const order: string[] = [];
  const bench = new Bench({ clock, quick, loadavg: () => [0.5, 0.4, 0.3] });
  return { clock, order, bench };
}

describe('bench harness', () => {
  it('runs subject and baseline in ABAB order, warm-up rounds included, hooks outside the timed part', async () => {
    const { clock, order, bench } = setup();
    await bench.section('s', async () => {
      await bench.compare({
        name: 'x',
        unit: 'ms',
        rounds: 5,
        warmup: 2,
        subject: {
          name: 'A',
          before: () => {
            order.push('a-before');
            clock.advance(100);
          },
          run: () => {
            order.push('A');
            clock.advance(3);
          },
          after: () => {
            order.push('a-after');
            clock.advance(100);
          },
        },
        baseline: {
          name: 'B',
          run: () => {
            order.push('B');
            clock.advance(2);
          },
        },
      });
    });
    const runs = order.filter((x) => x === 'A' || x === 'B');
    expect(runs).toEqual(Array.from({ length: 7 }, () => ['A', 'B']).flat());
    expect(order.slice(0, 4)).toEqual(['a-before', 'A', 'a-after', 'B']);
    // The 100 ms hooks are not in the figure.
    const r = bench.results[0]!;
    expect(r.subject.wall.p50).toBe(3);
    expect(r.baseline!.wall.p50).toBe(2);
  });

  it('omits the ratio and the added figure when there is no baseline, and refuses ratio or added goals without one', async () => {
    const { clock, bench } = setup();
    await bench.section('s', async () => {
      const r = await bench.compare({
        name: 'alone',
        unit: 'ms',
        rounds: 5,
        subject: { name: 'A', run: () => clock.advance(4) },
        goals: [{ metric: 'wall', stat: 'p50', op: '<=', value: 5, unit: 'ms' }],
      });
      expect(r.baseline).toBeUndefined();
      expect(r.added).toBeUndefined();
      expect(r.goals[0]!.ratio).toBeUndefined();
      expect(r.goals[0]!.met).toBe(true);
      await expect(
        bench.compare({
          name: 'bad',
          unit: 'ms',
          rounds: 5,
          subject: { name: 'A', run: () => undefined },
          goals: [{ metric: 'wall', stat: 'p50', of: 'ratio', op: '<=', value: 1.2, unit: '×' }],
        }),
      ).rejects.toThrow(/real baseline/);
      await expect(
        bench.compare({
          name: 'bad',
          unit: 'ms',
          rounds: 5,
          subject: { name: 'A', run: () => undefined },
          goals: [{ metric: 'wall', stat: 'p50', of: 'added', op: '<=', value: 1, unit: 'ms' }],
        }),
      ).rejects.toThrow(/real baseline/);
    });
    const section = renderSection(bench.sections[0]!);
    const row = section.split('\n').find((l) => l.startsWith('| alone'))!;
    expect(row).toContain('— (none)');
    expect(row.split('|').map((c) => c.trim())[10]).toBe('—');
    expect(renderGoals(bench.results)).toMatch(/\| — \(none\) \| — \|/);
  });

  it('computes "added" from per-round paired differences, unclamped, not from a difference of medians', async () => {
    const { clock, bench } = setup();
    // Subject and baseline share a per-round drift (load); the subject is 1 ms faster on odd rounds.
    const drift = [10, 50, 12, 60, 11];
    const subj = [10, 49, 12, 59, 11];
    let i = 0;
    let j = 0;
    await bench.section('s', async () => {
      await bench.compare({
        name: 'paired',
        unit: 'ms',
        rounds: 5,
        warmup: 0,
        subject: { name: 'A', run: () => clock.advance(subj[i++]!) },
        baseline: { name: 'B', run: () => clock.advance(drift[j++]!) },
        goals: [{ metric: 'wall', stat: 'p50', of: 'added', op: '<=', value: 1, unit: 'ms' }],
      });
    });
    const r = bench.results[0]!;
    expect(r.added!.wall.min).toBe(-1); // negative differences are kept
    expect(r.added!.wall.p50).toBe(0);
    expect(r.goals[0]!.figure).toBe(0);
    expect(r.goals[0]!.met).toBe(true);
  });

  it('keeps wall and thread CPU apart and judges each goal on the metric it names', async () => {
    const { clock, bench } = setup();
    await bench.section('s', async () => {
      await bench.compare({
        name: 'io-bound',
        unit: 'ms',
        rounds: 5,
        subject: { name: 'A', run: () => clock.advance(200, 50, 80) },
        baseline: { name: 'B', run: () => clock.advance(100, 40, 40) },
        goals: [
          { metric: 'wall', stat: 'p50', op: '<=', value: 150, unit: 'ms' },
          { metric: 'cpu', stat: 'p50', op: '<=', value: 150, unit: 'ms' },
          { metric: 'wall', stat: 'p50', of: 'ratio', op: '<=', value: 1.2, unit: '×' },
        ],
      });
    });
    const r = bench.results[0]!;
    expect(r.subject.wall.p50).toBe(200);
    expect(r.subject.cpu!.p50).toBe(50);
    expect(r.subject.processCpu!.p50).toBe(80);
    expect(r.goals.map((g) => g.met)).toEqual([false, true, false]);
    expect(r.goals[2]!.figure).toBe(2);
  });

  it('turns run times into rates in the unit the goal names (MB/s is 10^6 bytes)', async () => {
    const { clock, bench } = setup();
    await bench.section('s', async () => {
      const r = await bench.compare({
        name: 'scrub',
        unit: 'MB/s',
        work: 2_000_000,
        rounds: 5,
        subject: { name: 'A', run: () => clock.advance(20) },
        baseline: { name: 'B', run: () => clock.advance(10) },
        goals: [{ metric: 'wall', stat: 'p50', op: '>=', value: 50, unit: 'MB/s' }],
      });
      expect(r.subject.wall.p50).toBe(100);
      expect(r.baseline!.wall.p50).toBe(200);
      expect(r.goals[0]!.ratio).toBe(0.5);
      await expect(
        bench.compare({
          name: 'mismatch',
          unit: 'MB/s',
          work: 1,
          rounds: 5,
          subject: { name: 'A', run: () => clock.advance(1) },
          goals: [{ metric: 'wall', stat: 'p50', op: '>=', value: 50, unit: 'MiB' }],
        }),
      ).rejects.toThrow(/does not match/);
    });
  });

  it('divides per-run time by the operations a run performs', async () => {
    const { clock, bench } = setup();
    await bench.section('s', async () => {
      const r = await bench.compare({ name: 'batch', unit: 'µs', opsPerRun: 1000, rounds: 5, subject: { name: 'A', run: () => clock.advance(2) } });
      expect(r.subject.wall.p50).toBe(2);
    });
  });

  it(`refuses fewer than ${MIN_ROUNDS} rounds, also in --quick`, async () => {
    const { bench } = setup(true);
    expect(bench.rounds(30, 2)).toBe(MIN_ROUNDS);
    expect(bench.rounds(30, 7)).toBe(7);
    await bench.section('s', async () => {
      await expect(bench.compare({ name: 'few', unit: 'ms', rounds: 3, subject: { name: 'A', run: () => undefined } })).rejects.toThrow(/at least 5 rounds/);
    });
  });

  it('records the load average around a section and prints skipped anchors with their reason', async () => {
    const { bench } = setup();
    await bench.section('anchors', () => bench.skip('KeePassXC', 'keepassxc-cli is not installed'));
    const text = renderSection(bench.sections[0]!);
    expect(text).toContain('before 0.50 / 0.40 / 0.30');
    expect(text).toContain('**Skipped:** KeePassXC — keepassxc-cli is not installed');
  });
});
