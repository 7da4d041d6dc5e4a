/**
 * Conflict resolution over decrypted item fields, without this module ever holding the
 * vault key: the engine passes a codec that decrypts a record's ciphertext to a flat
 * field map and encrypts one back. The rule never loses an edit:
 *
 * - three-way merge per field against the common ancestor (the version both edits
 *   started from): a field only one side changed takes that side's value;
 * - a field both sides changed differently cannot be merged: the remote version wins in
 *   the original record and the whole local version is kept as a new copy;
 * - edit vs delete: the edit wins (a deleted record comes back with the edit);
 * - delete vs delete: nothing to keep.
 */
import type { SyncRecord } from '../../shared/contracts/sync';

export type FieldValue = string | number | boolean | null | readonly FieldValue[] | { readonly [k: string]: FieldValue };
export type FieldMap = { readonly [field: string]: FieldValue };

export interface ConflictInput {
  readonly id: string;
  /** The version the local edit started from; null when the record was new locally. */
  readonly base: { readonly version: number; readonly deleted: boolean; readonly ciphertext: string } | null;
  readonly local: { readonly deleted: boolean; readonly ciphertext: string };
  /** The server's current record (version 0 + deleted when the server has none). */
  readonly remote: SyncRecord;
}

/**
 * - merged: push this content on top of the remote version; the resolver has already
 *   stored it locally.
 * - take-remote: drop the local change; the client applies the remote record.
 * - keep-both: the client applies the remote record and pushes `copy` as a new record.
 */
export type ConflictResolution =
  | { readonly kind: 'merged'; readonly deleted: boolean; readonly ciphertext: string }
  | { readonly kind: 'take-remote' }
  | { readonly kind: 'keep-both'; readonly copy: { readonly id: string; readonly ciphertext: string } };

export type ConflictResolver = (c: ConflictInput) => Promise<ConflictResolution>;

function same(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Three-way merge of flat field maps; `conflicts` lists fields changed differently on both sides. */
export function mergeFields(base: FieldMap | null, local: FieldMap, remote: FieldMap): { merged: Record<string, FieldValue>; conflicts: string[] } {
  const merged: Record<string, FieldValue> = {};
  const conflicts: string[] = [];
  const keys = new Set([...Object.keys(local), ...Object.keys(remote), ...Object.keys(base ?? {})]);
  for (const k of [...keys].sort()) {
    const b = base?.[k];
    const l = local[k];
    const r = remote[k];
    let v: FieldValue | undefined;
    if (same(l, r)) v = l;
    else if (same(l, b)) v = r;
    else if (same(r, b)) v = l;
    else {
      conflicts.push(k);
      v = r;
    }
    if (v !== undefined) merged[k] = v;
  }
  return { merged, conflicts };
}

export interface FieldCodec {
  decode(id: string, ciphertext: string): Promise<FieldMap>;
  /** Encrypts fields as record `id` (ids are bound into the ciphertext). */
  encode(id: string, fields: FieldMap): Promise<string>;
  /** Stores the merged (or restored) item in the local vault. */
  storeLocal(id: string, fields: FieldMap): Promise<void>;
  /** A fresh record id for a kept copy. */
  newId(): string;
}

/** The default resolver: field-by-field merge, keep-both when a field truly conflicts. */
export function fieldMergeResolver(codec: FieldCodec): ConflictResolver {
  return async ({ id, base, local, remote }) => {
    if (local.deleted) return { kind: 'take-remote' }; // remote edit (or delete) wins over our delete
    const localFields = await codec.decode(id, local.ciphertext);
    if (remote.deleted) {
      // Their delete vs our edit: keep the edit.
      return { kind: 'merged', deleted: false, ciphertext: local.ciphertext };
    }
    const remoteFields = await codec.decode(id, remote.ciphertext);
    const baseFields = base && !base.deleted && base.ciphertext !== '' ? await codec.decode(id, base.ciphertext) : null;
    const { merged, conflicts } = mergeFields(baseFields, localFields, remoteFields);
    if (conflicts.length === 0) {
      await codec.storeLocal(id, merged);
      return { kind: 'merged', deleted: false, ciphertext: await codec.encode(id, merged) };
    }
    const copyId = codec.newId();
    await codec.storeLocal(copyId, localFields);
    return { kind: 'keep-both', copy: { id: copyId, ciphertext: await codec.encode(copyId, localFields) } };
  };
}
