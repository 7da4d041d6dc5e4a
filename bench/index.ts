/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line,
 * e.g. `npm run bench -- vault`) and prints one Markdown table per section.
 * Each bench module default-exports `() => Promise<BenchSection[]>`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderSection, type BenchSection } from './lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const out: string[] = [`# Latchkey benchmarks — ${new Date().toISOString()} — node ${process.version}`, ''];
console.log(out[0]);
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<BenchSection[]> };
  const started = performance.now();
  const sections = await mod.default();
  for (const s of sections) {
    const text = renderSection(s);
    console.log(`\n${text}`);
    out.push(text, '');
  }
  console.log(`\n_(${file}: ${((performance.now() - started) / 1000).toFixed(1)} s)_`);
}
