/**
 * The newest records of this device's own chain, checked before anyone sees them (the
 * Activity page, through the engine worker's EngineAuditContract). Each returned
 * record's hash is recomputed, its signature verified under the device key, and its
 * link to the record before it checked — including the one just before the page, so
 * a page cannot be cut loose from the chain it belongs to. The first failure turns the
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
    const rows = await deps.store.range(from, hi - from + 1);
    // Where the chain is taken on trust: the anchor's own link (it is checked itself).
    let previous: ReadonlyMap<string, ChainHead> | undefined;
    if (from > 1) {
      const anchor = rows[0] as { prevHash?: unknown } | undefined;
      if (anchor === undefined || typeof anchor.prevHash !== 'string') return failed(`record ${from} is missing or unreadable.`, from);
      previous = new Map([[deps.deviceId, { seq: from - 1, hash: anchor.prevHash }]]);
    }
    const check = verifyChain(rows, {
      publicKeyFor: (d) => (d === deps.deviceId ? deps.publicKey : undefined),
      verifier: remembering,
      ...(previous ? { previous } : {}),
    });
    if (!check.ok) return failed(check.message, check.seq);
    if (rows.length !== hi - from + 1) return failed(`records ${from} to ${hi} should all be there, but ${hi - from + 1 - rows.length} are missing.`, hi);
    const entries = check.records
      .filter((r) => r.seq >= lo)
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
