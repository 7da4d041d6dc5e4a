/**
 * Property: change any single character of any record in an exported log (as JSON
 * lines) and verification fails at exactly that record — whatever field it hits,
 * since the hash covers every field but hash and sig, and the signature covers the hash.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { verifyChain } from '../../../src/core/audit';
import { createNodeEd25519Verifier } from '../../../src/node/verify.node.js';
import { interleavedLog, keysOf, makeDevice } from './fixtures';

const a = makeDevice('device-a', 81);
const b = makeDevice('device-b', 82);
const log = await interleavedLog([a, b], 5);
const lines = log.map((r) => JSON.stringify(r));
const publicKeyFor = keysOf([a, b]);
const verifier = createNodeEd25519Verifier();

describe('a one-character edit anywhere in the export', () => {
  it('is detected at the edited record (or the line no longer parses)', () => {
    fc.assert(
      fc.property(fc.nat({ max: lines.length - 1 }), fc.nat(), fc.integer({ min: 0x20, max: 0x7e }), (row, pos, code) => {
        const line = lines[row]!;
        const at = pos % line.length;
        const ch = String.fromCharCode(code);
        fc.pre(line[at] !== ch);
        const edited = line.slice(0, at) + ch + line.slice(at + 1);
        let parsed: unknown;
        try {
          parsed = JSON.parse(edited);
        } catch {
          return; // the CLI reports this line as malformed JSON
        }
        const records: unknown[] = lines.map((l, i) => (i === row ? parsed : JSON.parse(l)));
        const r = verifyChain(records, { publicKeyFor, verifier });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.index).toBe(row);
      }),
      { numRuns: 400 },
    );
  });
});
