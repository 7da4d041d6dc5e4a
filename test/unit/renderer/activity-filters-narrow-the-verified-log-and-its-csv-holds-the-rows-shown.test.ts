/**
 * Activity's filters (who, credential, outcome, period) narrow the verified entries, and
 * the CSV download holds exactly the rows shown, in the page's plain words, safe to
 * open in a spreadsheet (no formula runs). A "Never" grant's refusal reads as such,
 * not as "failure (not_found)".
 */
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/shared/contracts/engine-audit';
import { activityCsv, applyFilter, choices, isFiltered, NO_FILTER } from '../../../src/renderer/views/activity-filter';
import { outcomeWords } from '../../../src/renderer/views/activity-words';

const NOW = Date.parse('2026-12-03T12:00:00.000Z');
const GH = 'G'.repeat(22);
const ST = 'S'.repeat(22);
const at = (hoursAgo: number) => new Date(NOW - hoursAgo * 3_600_000).toISOString();
const entries: AuditEntry[] = [
  {
    seq: 6,
    time: at(1),
    action: 'credential.use',
    actor: { type: 'agent', id: 'agent-a' },
    target: { itemId: GH, origin: 'https://api.github.com', tool: 'http_request' },
    outcome: 'success',
    reason: 'approved_once',
  },
  { seq: 5, time: at(2), action: 'credential.use', actor: { type: 'agent', id: 'agent-b' }, target: { itemId: ST, tool: 'http_request' }, outcome: 'failure', reason: 'not_found' },
  {
    seq: 4,
    time: at(30),
    action: 'credential.use',
    actor: { type: 'agent', id: 'agent-a' },
    target: { itemId: ST, origin: 'https://evil.example', tool: 'http_request' },
    outcome: 'denied',
    reason: 'destination_refused',
  },
  { seq: 3, time: at(24 * 10), action: 'item.reveal', actor: { type: 'person' }, target: { itemId: GH, field: 'secret' }, outcome: 'success' },
  { seq: 2, time: at(24 * 40), action: 'vault.unlock', actor: { type: 'person' }, outcome: 'success', reason: 'password' },
];
const seqs = (xs: AuditEntry[]) => xs.map((e) => e.seq);

describe('Activity filters', () => {
  it('narrow by who, credential, outcome and period, together', () => {
    expect(seqs(applyFilter(entries, NO_FILTER, NOW))).toEqual([6, 5, 4, 3, 2]);
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(seqs(applyFilter(entries, { ...NO_FILTER, who: 'agent-a' }, NOW))).toEqual([6, 4]);
    expect(seqs(applyFilter(entries, { ...NO_FILTER, who: 'person' }, NOW))).toEqual([3, 2]);
    expect(seqs(applyFilter(entries, { ...NO_FILTER, credential: ST }, NOW))).toEqual([5, 4]);
    expect(seqs(applyFilter(entries, { ...NO_FILTER, outcome: 'denied' }, NOW))).toEqual([4]);
    expect(seqs(applyFilter(entries, { ...NO_FILTER, period: 'day' }, NOW))).toEqual([6, 5]);
    expect(seqs(applyFilter(entries, { ...NO_FILTER, period: 'week' }, NOW))).toEqual([6, 5, 4]);
    expect(seqs(applyFilter(entries, { ...NO_FILTER, period: 'month' }, NOW))).toEqual([6, 5, 4, 3]);
    expect(seqs(applyFilter(entries, { who: 'agent-a', credential: GH, outcome: 'success', period: 'day' }, NOW))).toEqual([6]);
    expect(choices(entries)).toEqual({ agents: ['agent-a', 'agent-b'], credentials: [GH, ST] });
  });

  it('the CSV holds the rows shown, in plain words, and no cell can run as a formula', () => {
    const shown = applyFilter(entries, { ...NO_FILTER, who: 'agent-a' }, NOW);
    const csv = activityCsv(shown, 'device-1', { who: () => '=HYPERLINK("http://x")', details: (e) => (e.target?.itemId === GH ? 'GitHub, to https://api.github.com' : 'Stripe') });
    const rows = csv.split('\r\n').filter((r) => r !== '');
    expect(rows[0]).toBe('When (UTC),Who,What,Details,Outcome,Device,Seq');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toBe(`${at(1)},"'=HYPERLINK(""http://x"")",Used a credential,"GitHub, to https://api.github.com",Allowed: you approved it once,device-1,6`);
    expect(rows[2]).toContain('Refused: the address is not one the credential may go to');
  });

  it('says what a "Never" grant and a guard did, in words', () => {
    expect(outcomeWords(entries[1]!)).toBe('Failed: the agent may not use a credential of that name');
    expect(outcomeWords({ ...entries[0]!, outcome: 'failure', reason: 'echo_detected' })).toBe('Failed: the service sent the credential back, so the answer was withheld');
  });
});
