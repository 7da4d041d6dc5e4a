/**
 * A real engine whose audit sink is the real signed AuditLog (format v3, on
 * fake-indexeddb), and that log as an export file: records in order, each seal on the
 * line after the record it ends on (docs/audit-format.md §7), with the keys file a
 * verifier trusts. For promise tests that check what `latchkey audit verify` says.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { auditSinkFor, createAuditLog, createEd25519Signer, generateEd25519SecretKey, type AuditLog } from '../../src/core/audit';
import { createDexieAuditStore } from '../../src/core/audit/audit-store.dexie';
import type { AuditExportItem } from '../../src/core/audit/export';
import { freshDbName, makeHarness, type Harness } from '../unit/core/helpers';

export const DEVICE_ID = 'receipts-device';

export interface SignedDevice {
  readonly h: Harness;
  readonly log: AuditLog;
  readonly publicKey: Uint8Array;
  /** Seals the head, then the whole chain as export items in file order. */
  exportItems(): Promise<AuditExportItem[]>;
  /** `{"devices": {id: hex key}}`, the keys file of §7. */
  keysJson(): string;
  close(): void;
}

export function signedDevice(): SignedDevice {
  const store = createDexieAuditStore({ name: `${freshDbName()}-audit` });
  const secretKey = generateEd25519SecretKey();
  const signer = createEd25519Signer(secretKey);
  const log = createAuditLog({ store, signer, deviceId: DEVICE_ID });
  const h = makeHarness({ extra: { audit: auditSinkFor(log) } });
  return {
    h,
    log,
    publicKey: signer.publicKey,
    async exportItems() {
      await log.seal();
      const records = await store.range(1, 100_000);
      const seals = await store.seals(1, Number.MAX_SAFE_INTEGER);
      const bySeq = new Map(seals.map((s) => [s.seq, s] as const));
      const out: AuditExportItem[] = [];
      for (const r of records) {
        out.push(r);
        const s = bySeq.get(r.seq);
        if (s) out.push(s);
      }
      return out;
    },
    keysJson: () => JSON.stringify({ devices: { [DEVICE_ID]: bytesToHex(signer.publicKey) } }),
    close() {
      h.store.close();
      store.close();
      signer.dispose();
      secretKey.fill(0);
    },
  };
}
