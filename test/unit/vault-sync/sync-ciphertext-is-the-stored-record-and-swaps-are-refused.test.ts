/**
 * The sync ciphertext is the stored record in dump form (docs/sync-protocol.md §6.1):
 * it decodes back to the identical record, and a server that moves one record's
 * ciphertext under another id (or kind) gets it refused (null -> 'integrity'), as does
 * a payload with a repeated member name (strict JSON: no last-value-wins).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { bytesToUtf8, fromBase64url, toBase64url, utf8ToBytes } from '../../../src/core/crypto/bytes';
import { changesOfBatch, decodeRecord, itemSyncId, slotSyncId } from '../../../src/core/vault-sync';
import type { ItemRecord, SlotRecord } from '../../../src/core/store/records';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const item = (id: string): ItemRecord => ({ id, version: 3, key: bytes(72, 1), overview: bytes(90, 2), details: bytes(120, 3) });
const slot: SlotRecord = { id: 'S'.repeat(22), kind: 'password', label: 'Password', createdAt: 1, params: { salt: 'abc', m: 8 }, wrappedKey: bytes(72, 4), digest: bytes(32, 5) };
const A = 'A'.repeat(22);
const B = 'B'.repeat(22);

describe('vault records as sync ciphertext', () => {
  it('round-trips every record kind byte for byte and queues tombstones for deletes', () => {
    const changes = changesOfBatch({ putItems: [item(A)], putSlots: [slot], deleteItems: [B], deleteSlots: ['old'] });
    expect(changes.map((c) => [c.id, c.deleted])).toEqual([
      [slotSyncId('old'), true],
      [slotSyncId(slot.id), false],
      [itemSyncId(B), true],
      [itemSyncId(A), false],
    ]);
    const it = changes.find((c) => c.id === itemSyncId(A))!;
    expect(decodeRecord(it.id, it.ciphertext)).toEqual({ kind: 'item', record: item(A) });
    const sl = changes.find((c) => c.id === slotSyncId(slot.id))!;
    expect(decodeRecord(sl.id, sl.ciphertext)).toEqual({ kind: 'slot', record: slot });
  });

  it('does not queue pages, nor meta except with a new vault', () => {
    const meta = { key: 'vault' as const, formatVersion: 1, vaultId: A, createdAt: 5, rebuildPages: true };
    expect(changesOfBatch({ meta, putPages: [{ page: 0, generation: 1, envelope: bytes(40, 1) }] })).toEqual([]);
    const [m] = changesOfBatch({ clear: true, meta });
    expect(decodeRecord(m!.id, m!.ciphertext)).toEqual({ kind: 'meta', record: { key: 'vault', formatVersion: 1, vaultId: A, createdAt: 5 } });
  });

  it('refuses a ciphertext moved under another record id or kind, and garbage', () => {
    const [c] = changesOfBatch({ putItems: [item(A)] });
    expect(decodeRecord(itemSyncId(B), c!.ciphertext)).toBeNull();
    expect(decodeRecord(slotSyncId(A), c!.ciphertext)).toBeNull();
    expect(decodeRecord('vault:settings', c!.ciphertext)).toBeNull();
    expect(decodeRecord(itemSyncId(A), 'bm90IGpzb24')).toBeNull();
    expect(decodeRecord(itemSyncId(A), c!.ciphertext.slice(0, -8))).toBeNull();
  });

  it('refuses a payload with a repeated member name, which JSON.parse would read last-value-wins', () => {
    const [c] = changesOfBatch({ putItems: [item(A)] });
    const text = bytesToUtf8(fromBase64url(c!.ciphertext));
    expect(text).toContain('"version":3');
    // The same record with an older version first: a lenient parser keeps the last one.
    const twice = text.replace('"version":3', '"version":1,"version":3');
    expect((JSON.parse(twice) as { record: { version: number } }).record.version).toBe(3);
    expect(decodeRecord(itemSyncId(A), toBase64url(utf8ToBytes(twice)))).toBeNull();
    const twiceKind = text.replace('"kind":"item"', '"kind":"slot","kind":"item"');
    expect(decodeRecord(itemSyncId(A), toBase64url(utf8ToBytes(twiceKind)))).toBeNull();
  });
});
