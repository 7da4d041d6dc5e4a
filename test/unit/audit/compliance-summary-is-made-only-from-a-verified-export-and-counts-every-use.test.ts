/**
 * `latchkey audit summary`: IT's one-page report for a period, made from an export that
 * verifies (real v3 device logs, real signatures, the real CLI entry) and from nothing
 * else. The page is self-contained (no script, nothing loaded from anywhere) and its
 * figures are the export's own: uses per agent and per credential, refusals by reason,
 * echo events and destinations a credential reached for the first time.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { recordsToJsonLines, type AuditEventInput, type AuditRecord, type AuditSeal } from '../../../src/core/audit';
import { run as auditCli, type CliIo } from '../../../src/cli/commands/audit';
import { createSummaryBuilder } from '../../../src/core/audit/summary';
import { esc, renderSummaryHtml } from '../../../src/core/audit/summary-html';
import type { AuditReason } from '../../../src/shared/contracts/audit-event';
import { makeV3Device } from './fixtures';

const GITHUB = 'G'.repeat(22);
const STRIPE = 'S'.repeat(22);
const use = (agent: string, itemId: string, origin: string, outcome: AuditEventInput['outcome'], reason?: AuditReason): AuditEventInput => ({
  action: 'credential.use',
  actor: { type: 'agent', id: agent },
  target: { itemId, origin, tool: 'http_request' },
  outcome,
  ...(reason ? { reason } : {}),
});

let dir: string;
let exportFile: string;
let keysFile: string;
let lines: (AuditRecord | AuditSeal)[];

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (l) => err.push(l) }, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-summary-'));
  const a = makeV3Device('device-a', 41);
  const b = makeV3Device('device-b', 42);
  const events: [typeof a, AuditEventInput][] = [
    [a, { action: 'vault.unlock', actor: { type: 'person' }, outcome: 'success', reason: 'password' }],
    [a, use('claude-desktop', GITHUB, 'https://api.github.com', 'success', 'approved_once')],
    [a, use('claude-desktop', GITHUB, 'https://api.github.com', 'success', 'session')],
    [b, use('cursor', STRIPE, 'https://api.stripe.com', 'success', 'always')],
    [b, use('cursor', GITHUB, 'https://evil.example', 'denied', 'destination_refused')],
    [a, use('claude-desktop', GITHUB, 'https://uploads.github.com', 'failure', 'echo_detected')],
    [b, use('cursor', STRIPE, 'https://api.stripe.com', 'denied', 'approval_denied')],
    [a, use('claude-desktop', GITHUB, 'https://uploads.github.com', 'success', 'approved_once')],
  ];
  lines = [];
  for (const [d, e] of events) lines.push(await d.log.append(e));
  for (const d of [a, b]) lines.push((await d.log.seal())!);
  exportFile = join(dir, 'export.jsonl');
  keysFile = join(dir, 'keys.json');
  await writeFile(exportFile, recordsToJsonLines(lines));
  await writeFile(keysFile, JSON.stringify({ devices: { 'device-a': bytesToHex(a.publicKey), 'device-b': bytesToHex(b.publicKey) } }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('latchkey audit summary', () => {
  it('writes one self-contained page whose figures are the verified export’s own', async () => {
    const out = join(dir, 'summary.html');
    const c = capture();
    expect(await auditCli(['summary', exportFile, '--pubkeys', keysFile, '--out', out], c.io)).toBe(0);
    expect(c.err.join('\n')).toMatch(/wrote the summary of 8 verified record\(s\)/);
    const html = await readFile(out, 'utf8');

    // Self-contained: nothing runs, nothing is fetched.
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i);
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).toContain('Verified before counting: 8 record(s) from 2 device(s) verified; no checkpoints given.');

    const figure = (label: string) => new RegExp(`<span class="n">(\\d+)</span><span class="label">${label}</span>`).exec(html)?.[1];
    expect(figure('Records in the period')).toBe('8');
    expect(figure('Devices')).toBe('2');
    expect(figure('Credential uses')).toBe('7');
    expect(figure('Refused uses')).toBe('2');
    expect(figure('Echo events')).toBe('1');
    expect(figure('Canary events')).toBe('0');
    // github at api.github.com, stripe at api.stripe.com, github at uploads.github.com (its first *successful* use).
    expect(figure('New destinations')).toBe('3');
    expect(html).toContain('<tr><td>destination_refused</td><td>1</td></tr>');
    expect(html).toContain('<tr><td>approval_denied</td><td>1</td></tr>');
    // The evil origin was refused, so it is not a destination the credential reached.
    expect(html).not.toMatch(/<td>https:\/\/evil\.example<\/td><td>/);
  });

  it('counts only the period asked for, and a destination used before it is not new', async () => {
    const records = lines.filter((l): l is AuditRecord => !('type' in l));
    const from = records[3]!.time; // from the first stripe use on
    const b = createSummaryBuilder({ from });
    for (const l of lines) b.add(l);
    const s = b.finish();
    expect(s.records).toBe(5);
    expect(s.perAgent.get('cursor')).toEqual({ success: 1, failure: 0, denied: 2 });
    expect(s.perAgent.get('claude-desktop')).toEqual({ success: 1, failure: 1, denied: 0 });
    expect(s.perCredential.get(GITHUB)).toEqual({ success: 1, failure: 1, denied: 1 });
    expect(s.newDestinations.map((d) => `${d.itemId.slice(0, 1)} ${d.origin}`)).toEqual(['S https://api.stripe.com', 'G https://uploads.github.com']);
    expect(s.echoEvents.total).toBe(1);
    expect(s.echoEvents.listed[0]).toMatchObject({ agent: 'claude-desktop', itemId: GITHUB, origin: 'https://uploads.github.com', device: 'device-a' });

    const c = capture();
    const until = join(dir, 'until.html');
    expect(await auditCli(['summary', exportFile, '--pubkeys', keysFile, '--until', '2000-01-01', '--out', until], c.io)).toBe(0);
    expect(await readFile(until, 'utf8')).toContain('<span class="n">0</span><span class="label">Credential uses</span>');
  });

  it('writes nothing for an export that does not verify, and names the first bad record', async () => {
    const tampered = lines.slice();
    const r = tampered[4] as AuditRecord;
    tampered[4] = { ...r, outcome: 'success' };
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, recordsToJsonLines(tampered));
    const out = join(dir, 'bad.html');
    const c = capture();
    expect(await auditCli(['summary', bad, '--pubkeys', keysFile, '--out', out], c.io)).toBe(1);
    expect(c.out.join('')).toMatch(/^FAIL: first bad record: line 5, device device-b, seq 2/);
    expect(c.err.join('\n')).toContain('no summary written: the export does not verify');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a period it cannot read, and one that ends before it starts', async () => {
    for (const args of [
      ['--since', 'last week'],
      ['--since', '2026-13-01'],
      ['--since', '2026-02-01', '--until', '2026-01-01'],
    ]) {
      const c = capture();
      expect(await auditCli(['summary', exportFile, '--pubkeys', keysFile, ...args], c.io)).toBe(2);
      expect(c.err.join('\n')).toMatch(/--since/);
    }
  });

  it('escapes everything it prints', () => {
    expect(esc(`<b a="1">&'`)).toBe('&lt;b a=&quot;1&quot;&gt;&amp;&#39;');
    const html = renderSummaryHtml(createSummaryBuilder({}).finish(), { verified: '<x>', source: 'a"<script>.jsonl', generatedAt: 'now' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('a&quot;&lt;script&gt;.jsonl');
    expect(html).toContain('No credential uses in this period.');
  });
});
