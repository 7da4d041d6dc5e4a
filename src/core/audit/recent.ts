/**
 * The newest records of this device's own chain, checked before anyone sees them (the
 * Activity page, through the engine worker's EngineAuditContract). Each returned
 * record's hash is recomputed, its link to the record before it checked — including
 * the one just before the page, so a page cannot be cut loose from the chain it
 * belongs to — and its signature verified under the device key: its own (v1/v2) or
 * the first seal at or after it (v3; records past the page up to that seal are read
 * and checked too). Only the newest records, after the last seal, are not signed yet
 * (the log seals them within seconds, at lock and at the next start): they are
 * checked by hash and link alone. The first failure turns the
 * whole answer into `failed` with the chain's own plain-language message: an altered,
 * re-signed, missing or foreign record is never shown as fine.
 *
 * A page verifies only its own records (and that link): the full chain from record 1
 * is what `latchkey audit verify` checks on the server's export. Signatures already
 * verified in this process are remembered (by message and signature), so refreshing
 * the page costs hashing, not Ed25519.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { AUDIT_RECENT_MAX, type AuditRecentResult } from '../../shared/contracts/engine-audit';
import { isLatchkeyError } from '../../shared/errors';
import { verifyChain, type ChainHead } from './chain';
import { nobleEd25519Verify, type SignatureVerifier } from './signer';
import type { AuditStore } from './store';

interface AuditReaderDeps {
  readonly store: AuditStore;
  readonly deviceId: string;
  /** The device's 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  readonly verifier?: SignatureVerifier;
}

export interface AuditReader {
  recent(params: { beforeSeq?: number | undefined; limit?: number | undefined }): Promise<AuditRecentResult>;
}

const DEFAULT_LIMIT = 100;
/**
 * Most newest records shown while not sealed yet: the log seals every 256 records, so
 * a longer unsigned run means seals were removed (or the key is unreachable) and the
 * page is refused rather than shown on hashes alone.
 */
const MAX_UNSEALED_SHOWN = 1024;
/** Verified (message, signature) pairs remembered; cleared when full. */
const MAX_REMEMBERED = 20_000;

export function createAuditReader(deps: AuditReaderDeps): AuditReader {
  const verify = deps.verifier ?? nobleEd25519Verify;
  const good = new Set<string>();
  const remembering: SignatureVerifier = (signature, message, publicKey) => {
    const key = `${bytesToHex(message)}.${bytesToHex(signature)}`;
    if (good.has(key)) return true;
    if (!verify(signature, message, publicKey)) return false;
    if (good.size >= MAX_REMEMBERED) good.clear();
    good.add(key);
    return true;
  };
  const failed = (message: string, seq?: number): AuditRecentResult => ({
    state: 'failed',
    message: `This device's activity log did not verify, so none of this page is shown: ${message} Someone or something changed the stored log; if this device is enrolled with an organisation, tell your administrator.`,
    ...(seq !== undefined ? { seq } : {}),
  });

  return {
    async recent(params) {
      try {
        return await page(params);
      } catch (e) {
        // The store refuses to hand out a row it cannot parse: that too is a log that does not verify.
        if (isLatchkeyError(e) && e.code === 'integrity') return failed(e.message);
        throw e;
      }
    },
  };

  async function page(params: { beforeSeq?: number | undefined; limit?: number | undefined }): Promise<AuditRecentResult> {
    const limit = Math.min(AUDIT_RECENT_MAX, Math.max(1, params.limit ?? DEFAULT_LIMIT));
    const head = await deps.store.last();
    if (head === undefined) return { state: 'verified', deviceId: deps.deviceId, entries: [], total: 0, older: null };
    const total = head.seq;
    const hi = Math.min(total, (params.beforeSeq ?? total + 1) - 1);
    if (hi < 1) return { state: 'verified', deviceId: deps.deviceId, entries: [], total, older: null };
    const lo = Math.max(1, hi - limit + 1);
    // One more below the page, so the page's first record is checked against it.
    const from = Math.max(1, lo - 1);
    const pageRows = await deps.store.range(from, hi - from + 1);
    // The seal that covers the page's top (v3), and the records up to it.
    const inPage = await deps.store.seals(from, hi);
    const top = pageRows[pageRows.length - 1];
    const needsSeal = top !== undefined && top.v === 3 && (inPage[inPage.length - 1]?.seq ?? 0) < top.seq;
    const next = needsSeal ? (await deps.store.seals(hi + 1, Number.MAX_SAFE_INTEGER))[0] : undefined;
    if (needsSeal && !next) {
      // The page reaches into the unsealed newest records; a long such run means seals were removed.
      const sealedThrough = (await deps.store.lastSeal())?.seq ?? 0;
      if (total - sealedThrough > MAX_UNSEALED_SHOWN) {
        return failed(`records ${sealedThrough + 1} to ${total} are covered by no signature of this device.`, sealedThrough + 1);
      }
    }
    const rows = next ? [...pageRows, ...(await deps.store.range(hi + 1, next.seq - hi))] : pageRows;
    const seals = next ? [...inPage, next] : inPage;
    const items: unknown[] = [];
    let k = 0;
    for (const r of rows) {
      items.push(r);
      while (k < seals.length && seals[k]!.seq === r.seq) items.push(seals[k++]);
    }
    // Where the chain is taken on trust: the anchor's own link (it is checked itself).
    let previous: ReadonlyMap<string, ChainHead> | undefined;
    if (from > 1) {
      const anchor = rows[0] as { prevHash?: unknown } | undefined;
      if (anchor === undefined || typeof anchor.prevHash !== 'string') return failed(`record ${from} is missing or unreadable.`, from);
      previous = new Map([[deps.deviceId, { seq: from - 1, hash: anchor.prevHash }]]);
    }
    const check = verifyChain(items, {
      publicKeyFor: (d) => (d === deps.deviceId ? deps.publicKey : undefined),
      verifier: remembering,
      // Past the last seal (there is no `next`): the newest records, not sealed yet.
      unsealedTail: 'allow',
      ...(previous ? { previous } : {}),
    });
    if (!check.ok) return failed(check.message, check.seq);
    if (pageRows.length !== hi - from + 1) return failed(`records ${from} to ${hi} should all be there, but ${hi - from + 1 - pageRows.length} are missing.`, hi);
    const entries = check.records
      .filter((r) => r.seq >= lo && r.seq <= hi)
      .reverse()
      .map((r) => ({
        seq: r.seq,
        time: r.time,
        action: r.action,
        actor: r.actor,
        ...(r.target !== undefined ? { target: r.target } : {}),
        outcome: r.outcome,
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
      }));
    return { state: 'verified', deviceId: deps.deviceId, entries, total, older: lo > 1 ? lo : null };
  }
}
