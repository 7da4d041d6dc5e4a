/**
 * A fixed piece of CPU work timed at the start and at the end of a bench run, so two
 * runs' figures can be compared: the same code measured on the same "2-core machine"
 * has read 2–3× apart between days (a VM's host changes), and the load average does not
 * show that. One native job (node:crypto SHA-256, OpenSSL) and one pure-JS job (JSON
 * round trips: parser, strings, allocation, GC), each the median of several runs.
 */
import { createHash } from 'node:crypto';
import { percentile } from './stats';

export interface SpeedAnchor {
  /** node:crypto SHA-256 of 64 MiB, ms (median). */
  readonly sha256Ms: number;
  /** JSON.parse + JSON.stringify of a 1 MiB document, 10 times, ms (median). */
  readonly jsonMs: number;
}

const RUNS = 7;
const block = Buffer.alloc(1 << 20, 0x5a);
const doc = JSON.stringify(Array.from({ length: 13_000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'], ok: i % 2 === 0, v: i / 7 })));

function timed(work: () => void): number {
  const t = performance.now();
  work();
  return performance.now() - t;
}

export function measureSpeedAnchor(): SpeedAnchor {
  const sha: number[] = [];
  const json: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    sha.push(
      timed(() => {
        const h = createHash('sha256');
        for (let i = 0; i < 64; i++) h.update(block);
        h.digest();
      }),
    );
    json.push(
      timed(() => {
        for (let i = 0; i < 10; i++) JSON.stringify(JSON.parse(doc));
      }),
    );
  }
  return { sha256Ms: percentile(sha, 50), jsonMs: percentile(json, 50) };
}

export function describeSpeedAnchors(before: SpeedAnchor, after: SpeedAnchor): string {
  const f = (x: number): string => x.toFixed(0);
  return (
    `Machine speed anchor (fixed work, median of ${RUNS}, at the start / at the end of the run): node:crypto SHA-256 of 64 MiB ${f(before.sha256Ms)} / ${f(after.sha256Ms)} ms; ` +
    `JSON.parse + stringify of a 1 MiB document ×10 ${f(before.jsonMs)} / ${f(after.jsonMs)} ms. ` +
    'Figures from runs whose anchors differ much are not comparable: the same code runs that much faster or slower.'
  );
}
