/**
 * Offline verification of an exported log (what `latchkey audit verify` runs): every
 * record's hash, signature and chain position, then every signed checkpoint against
 * the export in log order. Reports the first problem found.
 */
import { verifyChain, type ChainFailure, type ChainResult } from './chain';
import { verifyCheckpoints, type CheckpointFailure } from './checkpoint';
import { ReceiptChecker, receiptCounts, type ReceiptFailure } from './receipt-check';
import type { SignatureVerifier } from './signer';

export interface ExportCheckOptions {
  readonly deviceKeys: ReadonlyMap<string, Uint8Array>;
  readonly serverKeys?: readonly Uint8Array[];
  readonly checkpoints?: readonly unknown[];
  /** Expected log id (org id) of the checkpoints, if known. */
  readonly log?: string;
  readonly verifier?: SignatureVerifier;
}

export type ExportCheck =
  | {
      readonly ok: true;
      readonly records: number;
      readonly devices: number;
      readonly checkpoints: number;
      readonly coveredRecords: number;
      /** Approval receipts checked (§1.7), and how many of them carried a security key's touch. */
      readonly receipts?: number;
      readonly touches?: number;
    }
  | ({ readonly kind: 'record' } & ChainFailure)
  | ({ readonly kind: 'checkpoint' } & CheckpointFailure)
  | ({ readonly kind: 'receipt' } & ReceiptFailure);

export function verifyAuditExport(recordsInLogOrder: readonly unknown[], options: ExportCheckOptions): ExportCheck {
  const chain = verifyChain(recordsInLogOrder, {
    publicKeyFor: (d) => options.deviceKeys.get(d),
    ...(options.verifier ? { verifier: options.verifier } : {}),
  });
  return withCheckpoints(chain, options);
}

/** The first bad receipt in log order, once the chain and checkpoints verified; else the chain's verdict with the receipt counts. */
function withReceipts(result: ExportCheck, chain: ChainResult): ExportCheck {
  if (!result.ok || !chain.ok) return result;
  const checker = new ReceiptChecker();
  // index: the record's position among the export's records (seals not counted).
  for (let i = 0; i < chain.records.length; i++) {
    const bad = checker.step(chain.records[i]!, i);
    if (bad) return { kind: 'receipt', ...bad };
  }
  return { ...result, ...receiptCounts(checker) };
}

function withCheckpoints(chain: ChainResult, options: ExportCheckOptions): ExportCheck {
  return withReceipts(checkpointsOf(chain, options), chain);
}

function checkpointsOf(chain: ChainResult, options: ExportCheckOptions): ExportCheck {
  if (!chain.ok) return { kind: 'record', ...chain };
  const checkpoints = options.checkpoints ?? [];
  if (checkpoints.length === 0) {
    return { ok: true, records: chain.count, devices: chain.heads.size, checkpoints: 0, coveredRecords: 0 };
  }
  const cps = verifyCheckpoints(chain.records, checkpoints, {
    serverKeys: options.serverKeys ?? [],
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(options.verifier ? { verifier: options.verifier } : {}),
  });
  if (!cps.ok) return { kind: 'checkpoint', ...cps };
  return { ok: true, records: chain.count, devices: chain.heads.size, checkpoints: cps.verified, coveredRecords: cps.coveredRecords };
}
