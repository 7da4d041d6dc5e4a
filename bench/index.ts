/**
 * `npm run bench` runs every bench/*.bench.ts (or those named: `npm run bench -- vault`)
 * through the harness (bench/lib/harness.ts) and prints each section, then every goal
 * in one final table.
 *
 *   --quick        fewer rounds and sizes (a smoke run; figures still interleaved, ≥ 5 rounds)
 *   --write-docs   also write docs/performance.md from this run's output (whole runs only)
 *
 * Each bench module default-exports `(bench: Bench) => Promise<void>` and calls
 * bench.section / bench.compare / bench.record / bench.skip.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench } from './lib/harness';
import { renderGoals, renderReport, renderSection } from './lib/report';
import { describeSpeedAnchors, measureSpeedAnchor } from './lib/speed-anchor';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const writeDocs = args.includes('--write-docs');
const filters = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.replace('.bench.ts', '') === x))
  .sort();

const started = performance.now();
const loadBefore = loadavg();
const anchorBefore = measureSpeedAnchor();
const bench = new Bench({ quick, log: (l) => console.log(l) });
const failures: string[] = [];
console.log(
  `# Latchkey benchmarks — ${new Date().toISOString()} — node ${process.version} — ${availableParallelism()} CPUs — load ${loadBefore.map((x) => x.toFixed(2)).join(' / ')}${quick ? ' — quick' : ''}`,
);
for (const file of files) {
  console.log(`\n## ${file}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: (b: Bench) => Promise<void> };
  const before = bench.sections.length;
  try {
    await mod.default(bench);
  } catch (e) {
    // A broken bench must show in the report, not silently drop its goals.
    failures.push(`${file}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    console.error(`\n${file} FAILED:`, e);
    process.exitCode = 1;
  }
  for (const s of bench.sections.slice(before)) console.log(`\n${renderSection(s)}`);
}
const speed = describeSpeedAnchors(anchorBefore, measureSpeedAnchor());
console.log(`\n${speed}\n\n## Goals\n\n${renderGoals(bench.results)}`);

if (writeDocs) {
  if (filters.length > 0) {
    console.error('--write-docs needs the whole bench (no file filter): docs/performance.md covers every goal.');
    process.exitCode = 2;
  } else {
    const text = renderReport(bench, {
      when: new Date().toISOString(),
      node: process.version,
      nproc: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadBefore,
      loadAfter: loadavg(),
      speed,
      command: `npm run bench --${quick ? ' --quick' : ''} --write-docs`,
      seconds: (performance.now() - started) / 1000,
      failures,
    });
    writeFileSync(join(here, '..', 'docs', 'performance.md'), text);
    console.log('\nwrote docs/performance.md');
  }
}
