/**
 * recordJcs writes a record's canonical text member by member (the hot path of every
 * append and verification); a verifier written from docs/audit-format.md uses a general
 * RFC 8785 canonicalizer. The two must give the same bytes for every record, or hashes
 * would differ between implementations: compared here on records with awkward strings
 * (escapes, non-ASCII, astral characters, U+2028), absent and present optional members,
 * odd target members, every version; and node:crypto's hasher must equal noble's.
 */
import { describe, expect, it } from 'vitest';
import { canonicalizeJcs, type JsonValue } from '../../../src/core/audit/jcs';
import { nobleSha256Hex, recordJcs, unsignedPart, type UnsignedAuditRecord } from '../../../src/core/audit/record';
import { nodeSha256 } from '../../../src/node/verify.node.js';

const awkward = ['plain', 'quote " and \\ backslash', 'tab\tnew\nline\u0001', 'é ü ß 中文', '😀 astral', 'line\u2028sep\u2029', '', '/slash', '\u007f del'];

function* records(): Generator<UnsignedAuditRecord> {
  let i = 0;
  for (const v of [1, 2, 3] as const) {
    for (const s of awkward) {
      i++;
      const base = { v, seq: i, time: '2026-01-02T03:04:05.678Z', device: `dev-${i}`, action: 'credential.use', outcome: 'success', prevHash: '0'.repeat(64) };
      yield { ...base, actor: { type: 'agent', id: s } } as unknown as UnsignedAuditRecord;
      yield { ...base, actor: { type: 'person' }, reason: s, target: { origin: s, itemId: 'AAAA', tool: 'http_request' } } as unknown as UnsignedAuditRecord;
      yield { ...base, actor: { type: 'system' }, target: { [s || 'k']: s, b: 'x', a: 'y', zz: 7 } } as unknown as UnsignedAuditRecord;
      // An optional member present as undefined is the same as absent.
      yield { ...base, actor: { type: 'person', id: undefined }, target: { itemId: s, field: undefined }, reason: undefined } as unknown as UnsignedAuditRecord;
    }
  }
}

describe('record canonical JSON', () => {
  it('is byte for byte the general RFC 8785 canonicalizer on every record shape', () => {
    let n = 0;
    for (const r of records()) {
      expect(recordJcs(r)).toBe(canonicalizeJcs(unsignedPart(r) as unknown as JsonValue));
      n++;
    }
    expect(n).toBe(108);
  });

  it('refuses a lone surrogate like the general canonicalizer (no silent U+FFFD)', () => {
    const r = { v: 3, seq: 1, time: '2026-01-02T03:04:05.678Z', device: 'd', action: 'a', actor: { type: 'agent', id: 'x\uD800y' }, outcome: 'success', prevHash: '0'.repeat(64) };
    expect(() => recordJcs(r as unknown as UnsignedAuditRecord)).toThrow(/lone UTF-16 surrogate/);
  });

  it('falls back to the general path for members that are not flat strings', () => {
    const r = { v: 3, seq: 1, time: 't', device: 'd', action: 'a', actor: { type: 'agent', nested: { b: 1, a: [true, null] } }, outcome: 'o', prevHash: 'p' };
    expect(recordJcs(r as unknown as UnsignedAuditRecord)).toBe(canonicalizeJcs(unsignedPart(r as unknown as UnsignedAuditRecord) as unknown as JsonValue));
  });

  it('hashes with node:crypto exactly as with noble', () => {
    for (const r of records()) expect(nodeSha256(recordJcs(r))).toBe(nobleSha256Hex(recordJcs(r)));
  });
});
