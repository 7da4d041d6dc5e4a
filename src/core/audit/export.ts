/**
 * Export formats (docs/audit-format.md §7): JSON lines — one record per line, in the
 * server's log order, the only form that can be verified — and CSV for people and
 * spreadsheets. Plus the public-keys file the offline verifier takes.
 */
import { csvRow } from '../../shared/encoding/csv';
import { z } from 'zod';
import { fromBase64url } from '../crypto/bytes';
import { hexToBytes } from '@noble/hashes/utils.js';
import { LatchkeyError } from '../../shared/errors';
import { tryParseStrictJson } from '../../shared/encoding/strict-json';
import type { AuditEvent } from '../../shared/contracts/audit-event';
import { auditRecordSchema, type AuditRecord } from './record';
import { auditSealSchema, isSealShaped, type AuditSeal } from './seal';

/** One line of a JSON-lines export: a record, or (v3) a device's seal. */
export type AuditExportItem = AuditRecord | AuditSeal;

/** Parses one export line's value as a seal (it has `"type":"seal"`) or a record; undefined if neither. */
export function parseExportItem(value: unknown): AuditExportItem | undefined {
  const r = isSealShaped(value) ? auditSealSchema.safeParse(value) : auditRecordSchema.safeParse(value);
  return r.success ? r.data : undefined;
}

export type JsonLinesResult =
  | { readonly ok: true; readonly values: unknown[]; /** 1-based source line of each value */ readonly lines: number[] }
  | { readonly ok: false; readonly line: number; readonly message: string };

/**
 * Parses JSON lines; blank lines are skipped. Reports the first line that is not strict
 * JSON: a repeated member name (`"outcome":"denied"` then `"outcome":"success"`) is
 * refused, never read last-value-wins (docs/audit-format.md "Parsing rules").
 */
export function parseJsonLines(text: string): JsonLinesResult {
  const values: unknown[] = [];
  const lines: number[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.replace(/\r$/, '');
    if (row.trim() === '') continue;
    const parsed = tryParseStrictJson(row);
    if (!parsed.ok) {
      return { ok: false, line: i + 1, message: parsed.reason === 'syntax' ? `Line ${i + 1} is not valid JSON.` : `Line ${i + 1}: ${parsed.message}` };
    }
    values.push(parsed.value);
    lines.push(i + 1);
  }
  return { ok: true, values, lines };
}

export function recordsToJsonLines(records: readonly AuditExportItem[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : '');
}

const AUDIT_CSV_COLUMNS = [
  'v',
  'seq',
  'time',
  'device',
  'actor_type',
  'actor_id',
  'action',
  'outcome',
  'reason',
  'target_item',
  'target_slot',
  'target_origin',
  'target_field',
  'target_device',
  'prev_hash',
  'hash',
  'sig',
  // Added after `sig` so a reader that picks the first 17 columns by position still works.
  'target_tool',
  'target_command',
  'target_method',
  'target_server',
  'target_server_tool',
  'target_policy_key',
  'target_dlp_rule',
] as const;

/** The CSV header line, CRLF-terminated. */
export const AUDIT_CSV_HEADER = AUDIT_CSV_COLUMNS.join(',') + '\r\n';

/** A whole CSV export: the header, then one row per record. */
export function recordsToCsv(items: readonly AuditExportItem[]): string {
  return AUDIT_CSV_HEADER + recordsToCsvRows(items);
}

/**
 * CRLF-terminated rows without the header, for a writer that streams pages. Records
 * only: a seal is a signature over records, nothing a reader looks up (the JSON lines hold them).
 */
export function recordsToCsvRows(items: readonly AuditExportItem[]): string {
  const out: string[] = [];
  for (const r of items) {
    if ('type' in r) continue;
    // A v1 record's target has fewer members; read every record through the widest one.
    const t: AuditEvent['target'] = r.target;
    out.push(
      csvRow([
        r.v,
        r.seq,
        r.time,
        r.device,
        r.actor.type,
        r.actor.id,
        r.action,
        r.outcome,
        r.reason,
        t?.itemId,
        t?.slotId,
        t?.origin,
        t?.field,
        t?.deviceId,
        r.prevHash,
        r.hash,
        'sig' in r ? r.sig : undefined,
        t?.tool,
        t?.command,
        t?.method,
        t?.server,
        t?.serverTool,
        t?.policyKeyId,
        t?.dlpRule,
      ]),
    );
  }
  return out.length === 0 ? '' : out.join('\r\n') + '\r\n';
}

const keyText = z.string().regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9_-]{43})$/, '32-byte Ed25519 public key as 64 hex digits or 43 base64url characters');

/** `--pubkeys FILE`: trusted keys, obtained out of band (not from the export itself). */
export const auditPublicKeysFileSchema = z.strictObject({
  /** Device id -> that device's Ed25519 public key. */
  devices: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), keyText),
  /** Org server checkpoint keys (several while a key is rotated). */
  server: z.array(keyText).max(16).optional(),
});

export function parsePublicKeyText(text: string): Uint8Array {
  const bytes = text.length === 64 ? hexToBytes(text.toLowerCase()) : fromBase64url(text);
  if (bytes.length !== 32) throw new LatchkeyError('invalid_input', 'An Ed25519 public key is 32 bytes.');
  return bytes;
}
