#!/usr/bin/env node
/**
 * `latchkey <command> …`. Each command lives in ./commands/<name>.ts and exports
 * `run(argv: string[]): Promise<number>` (the exit code) and a one-line `summary`.
 * Commands are loaded on demand so `latchkey mcp` starts without loading the rest;
 * a stdio MCP command must write nothing but protocol to stdout.
 */
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  mcp: () => import('./commands/mcp'),
  audit: () => import('./commands/audit'),
  policy: () => import('./commands/policy'),
  server: () => import('./commands/server'),
  run: () => import('./commands/run'),
  inject: () => import('./commands/inject'),
};

export interface CliCommand {
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name === undefined ? undefined : COMMANDS[name];
  if (!load) {
    const lines = ['usage: latchkey <command> [options]', '', 'commands:'];
    for (const [n, l] of Object.entries(COMMANDS)) {
      const summary = await l()
        .then((c) => c.summary)
        .catch(() => '(unavailable)');
      lines.push(`  ${n.padEnd(8)} ${summary}`);
    }
    process.stderr.write(lines.join('\n') + '\n');
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Only our typed errors carry messages written for people; anything else may quote input.
    const message = err instanceof Error && err.name === 'LatchkeyError' ? err.message : 'unexpected failure';
    process.stderr.write(`latchkey: ${message}\n`);
    process.exitCode = 1;
  },
);
