/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
 * tools/conformance) against a gateway URL. The suite needs Node 22 (fs.globSync) while
 * the project stays on Node 20, so tools/conformance is a package of its own that pins
 * the npm `node` package: its binary runs the suite as a child process, and nothing of
 * the project's own toolchain changes (docs/gateway.md §17).
 *
 * Also reads docs/gateway.md §17's table, the one list of what each scenario is expected
 * to do, so the documentation and the test cannot drift apart.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TOOL_DIR = path.join(ROOT, 'tools/conformance');
const NODE_BIN = path.join(TOOL_DIR, 'node_modules/.bin/node');
const SUITE_DIR = path.join(TOOL_DIR, 'node_modules/@modelcontextprotocol/conformance');
const SUITE_CLI = path.join(SUITE_DIR, 'dist/index.js');
const INSTALL_HINT = 'Run `npm ci --prefix tools/conformance` (the README set-up does it) and run the tests again.';

const pinsSchema = z.object({ dependencies: z.object({ node: z.string(), '@modelcontextprotocol/conformance': z.string() }) });
const versionSchema = z.object({ version: z.string() });

export interface SuiteInstall {
  node: string;
  cli: string;
  nodeVersion: string;
  suiteVersion: string;
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the gateway under test runs in this same process and must keep answering.
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() } }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(new Error(`${path.basename(file)} did not run to the end (${err.message}).`));
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

/**
 * The Node 22 binary and the suite's CLI, checked against tools/conformance/package.json's
 * pins; a missing or stale install is an error naming the command that fixes it (never a skip).
 */
export async function locateSuite(): Promise<SuiteInstall> {
  const pins = pinsSchema.parse(JSON.parse(readFileSync(path.join(TOOL_DIR, 'package.json'), 'utf8')));
  if (!existsSync(NODE_BIN) || !existsSync(SUITE_CLI)) {
    throw new Error(`The MCP conformance suite is not installed (tools/conformance/node_modules is missing or incomplete). ${INSTALL_HINT}`);
  }
  const suiteVersion = versionSchema.parse(JSON.parse(readFileSync(path.join(SUITE_DIR, 'package.json'), 'utf8'))).version;
  const nodeVersion = (await run(NODE_BIN, ['--version'], 30_000)).stdout.trim();
  if (suiteVersion !== pins.dependencies['@modelcontextprotocol/conformance'] || nodeVersion !== `v${pins.dependencies.node}`) {
    throw new Error(
      `tools/conformance's install (suite ${suiteVersion}, Node ${nodeVersion}) is not the pinned one (suite ${pins.dependencies['@modelcontextprotocol/conformance']}, Node v${pins.dependencies.node}). ${INSTALL_HINT}`,
    );
  }
  return { node: NODE_BIN, cli: SUITE_CLI, nodeVersion, suiteVersion };
}

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
const checksSchema = z.array(z.object({ id: z.string(), status: z.enum(['SUCCESS', 'FAILURE', 'WARNING', 'INFO', 'SKIPPED']), errorMessage: z.string().optional() }).loose());

export interface ScenarioResult {
  scenario: string;
  /** The suite's own rule (its --expected-failures baseline): any FAILURE or WARNING check fails the scenario. */
  passed: boolean;
  checks: Array<{ id: string; status: CheckStatus; errorMessage?: string }>;
}

export interface SuiteRun {
  code: number;
  output: string;
  results: ScenarioResult[];
}

// The suite saves each scenario as <output-dir>/server-<scenario>-<ISO time with dashes>/checks.json.
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

/** Runs the suite's server scenarios (the active suite, or one scenario) against url. */
export async function runServerScenarios(suite: SuiteInstall, url: string, opts: { scenario?: string; expectedFailures?: string[] } = {}): Promise<SuiteRun> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'lk-conformance-'));
  try {
    const args = [suite.cli, 'server', '--url', url, '--output-dir', path.join(out, 'results')];
    if (opts.scenario) args.push('--scenario', opts.scenario);
    if (opts.expectedFailures) {
      // The suite's baseline file: it then exits non-zero on an unexpected failure and on a listed scenario that now passes.
      const file = path.join(out, 'expected-failures.yml');
      writeFileSync(file, `server: ${JSON.stringify(opts.expectedFailures)}\n`);
      args.push('--expected-failures', file);
    }
    const r = await run(suite.node, args, 300_000);
    const dir = path.join(out, 'results');
    const results: ScenarioResult[] = (existsSync(dir) ? readdirSync(dir) : []).sort().map((name) => {
      const m = RESULT_DIR.exec(name);
      if (!m) throw new Error(`The suite wrote an unexpected result folder "${name}".`);
      const checks = checksSchema.parse(JSON.parse(readFileSync(path.join(dir, name, 'checks.json'), 'utf8')));
      return { scenario: m[1]!, passed: !checks.some((c) => c.status === 'FAILURE' || c.status === 'WARNING'), checks };
    });
    return { code: r.code, output: r.stdout + r.stderr, results };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * The suite's server scenarios connect with no way to add a header (no CLI option, no
 * environment variable), and every gateway request needs the agent's bearer token. This
 * loopback relay adds `Authorization: Bearer <token>` when a request carries none and
 * forwards everything else untouched — Host and Origin included, so the suite's
 * DNS-rebinding scenario meets the gateway's own checks, not the relay's.
 */
export async function startTokenRelay(target: string, token: string): Promise<{ url: string; close(): Promise<void> }> {
  const t = new URL(target);
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers };
    headers.authorization ??= `Bearer ${token}`;
    const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    // localhost, as the suite's own examples use: the gateway accepts every loopback name.
    url: `http://localhost:${port}${t.pathname}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type Category = 'passes' | 'not offered';
export interface DocumentedScenario {
  scenario: string;
  category: Category;
}

/** docs/gateway.md §17's table rows: | `scenario` | passes / not offered | why |. */
export function documentedScenarios(): DocumentedScenario[] {
  const doc = readFileSync(path.join(ROOT, 'docs/gateway.md'), 'utf8');
  const start = doc.indexOf('<!-- conformance-scenarios:start -->');
  const end = doc.indexOf('<!-- conformance-scenarios:end -->');
  if (start < 0 || end < start) throw new Error('docs/gateway.md has no conformance scenario table (its conformance-scenarios markers are missing).');
  const rows: DocumentedScenario[] = [];
  for (const line of doc.slice(start, end).split('\n')) {
    const m = /^\| `([a-z0-9-]+)` \| (passes|not offered) \|/.exec(line);
    if (m) rows.push({ scenario: m[1]!, category: m[2] as Category });
    else if (/^\| `/.test(line)) throw new Error(`docs/gateway.md's conformance table has a row it cannot read: ${line}`);
  }
  return rows;
}
