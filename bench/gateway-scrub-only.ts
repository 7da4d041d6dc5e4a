/**
 * Runs only the "Gateway — scrubbing responses" section of bench/gateway.bench.ts (the
 * result screen with and without DLP, the scrubber vs npm Aho–Corasick, the stream
 * scrubber), for work on the scrub and DLP path without the gateway's call overhead rows
 * (the section's table states the load average before and after):
 *   node --import tsx bench/gateway-scrub-only.ts [--quick]
 */
import { Bench } from './lib/harness';
import { renderSection } from './lib/report';
import { scrubbing } from './gateway.bench';

const bench = new Bench({ quick: process.argv.includes('--quick'), log: (l) => console.log(l) });
await bench.section('Gateway — scrubbing responses', () => scrubbing(bench));
for (const s of bench.sections) console.log(`\n${renderSection(s)}`);
