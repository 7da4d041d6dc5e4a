/**
 * Only the gateway's MCP-over-HTTP rows, through the same harness as `npm run bench`
 * (interleaved ABAB, medians, paired differences), for working on that path alone:
 *   npx tsx bench/gateway-mcp.row.ts [--quick]
 *   node --cpu-prof --import tsx bench/gateway-mcp.row.ts --loop gateway|plain|plain2|tool|direct [N]
 *   npx tsx bench/gateway-mcp.row.ts --loop gateway [N] --profile out.cpuprofile
 * `--loop` runs N calls of one side only (no harness), so a CPU profile shows that side alone;
 * `--profile` records one around the N timed calls only (node:inspector), without the vault's
 * set-up and the warm-up, so a function's share of it reads as its share of a call.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { overhead, type OverheadCalls } from './gateway.bench';
import { Bench } from './lib/harness';
import { renderSection } from './lib/report';

const argv = process.argv.slice(2);
const bench = new Bench({ quick: argv.includes('--quick'), log: (l) => console.log(l) });
const loop = argv.indexOf('--loop');
console.log(
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')}`,
);
if (loop >= 0) {
  const side = argv[loop + 1] ?? 'gateway';
  const n = Number(argv[loop + 2] ?? 2000);
  await bench.section('loop', () =>
    overhead(bench, async (calls: OverheadCalls) => {
      const fn =
        side === 'plain' ? calls.plainMcp : side === 'plain2' ? calls.plainV2Mcp : side === 'tool' ? calls.gatewayTool : side === 'direct' ? calls.direct : calls.gatewayMcp;
      for (let i = 0; i < 100; i++) await fn();
      const profile = argv.indexOf('--profile');
      const session = profile >= 0 ? new Session() : null;
      if (session) {
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 250 });
        await session.post('Profiler.start');
      }
      const t = performance.now();
      const c = process.cpuUsage();
      for (let i = 0; i < n; i++) await fn();
      const cpu = process.cpuUsage(c);
      if (session) {
        const { profile: recorded } = await session.post('Profiler.stop');
        writeFileSync(argv[profile + 1] ?? `${side}.cpuprofile`, JSON.stringify(recorded));
        session.disconnect();
      }
      console.log(
        `${side}: ${((performance.now() - t) / n).toFixed(3)} ms wall, ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms process CPU per call (mean of ${n}, sequential)`,
      );
    }),
  );
} else {
  await bench.section('Gateway — MCP over HTTP only', () => overhead(bench, 'mcp'));
  for (const s of bench.sections) console.log(`\n${renderSection(s)}`);
}
