/**
 * Sealing and opening one item record (docs/vault-format.md §5). Three envelopes:
 *   key      = seal(itemWrap, itemKey)                     AAD part 'key'
 *   overview = seal(itemKey, JSON {createdAt, updatedAt, overview})  part 'overview'
 *   details  = seal(itemKey, JSON details)                 part 'details'
 * all with AAD {context 'item', vaultId, objectId = item id, version = item version}.
 * Any failure becomes LatchkeyError('integrity') naming the item, nothing else.
 */
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { itemOverviewSchema, storedItemDetailsSchema, type ItemOverview, type StoredItemDetails } from '../../shared/items';
import { open, seal, type AadFields } from '../crypto/aead';
import { bytesToUtf8, utf8ToBytes, wipe } from '../crypto/bytes';
import type { RandomSource } from '../crypto/random';
import type { ItemRecord } from '../store/records';

export interface OverviewPayload {
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly overview: ItemOverview;
}

const overviewPayloadSchema = z.object({ createdAt: z.number().int(), updatedAt: z.number().int(), overview: itemOverviewSchema });

function aad(vaultId: string, id: string, version: number, part: 'key' | 'overview' | 'details'): AadFields {
  return { context: 'item', vaultId, objectId: id, version, part };
}

export function integrityError(itemId: string): LatchkeyError {
  return new LatchkeyError('integrity', `Item ${itemId} failed its integrity check: its stored data was altered or damaged. Other items are unaffected.`, { itemId });
}

export function sealItem(
  itemWrap: Uint8Array,
  vaultId: string,
  id: string,
  version: number,
  itemKey: Uint8Array,
  overview: OverviewPayload,
  details: StoredItemDetails,
  random: RandomSource,
): ItemRecord {
  const ov = utf8ToBytes(JSON.stringify(overview));
  const dt = utf8ToBytes(JSON.stringify(details));
  try {
    return {
      id,
      version,
      key: seal(itemWrap, itemKey, aad(vaultId, id, version, 'key'), random),
      overview: seal(itemKey, ov, aad(vaultId, id, version, 'overview'), random),
      details: seal(itemKey, dt, aad(vaultId, id, version, 'details'), random),
    };
  } finally {
    wipe(ov, dt);
  }
}

/** Re-seals only the item key (vault-key rotation): overview and details stay byte-identical. */
export function rewrapItemKey(oldWrap: Uint8Array, newWrap: Uint8Array, vaultId: string, rec: ItemRecord, random: RandomSource): ItemRecord {
  const k = openItemKey(oldWrap, vaultId, rec);
  try {
    return { ...rec, key: seal(newWrap, k, aad(vaultId, rec.id, rec.version, 'key'), random) };
  } finally {
    wipe(k);
  }
}

export function openItemKey(itemWrap: Uint8Array, vaultId: string, rec: ItemRecord): Uint8Array {
  try {
    const k = open(itemWrap, rec.key, aad(vaultId, rec.id, rec.version, 'key'));
    if (k.length !== 32) throw new Error('bad key length');
    return k;
  } catch {
    throw integrityError(rec.id);
  }
}

function openJson<T>(key: Uint8Array, env: Uint8Array, a: AadFields, schema: z.ZodType<T>, itemId: string): T {
  let bytes: Uint8Array | undefined;
  try {
    bytes = open(key, env, a);
    return schema.parse(JSON.parse(bytesToUtf8(bytes)));
  } catch {
    throw integrityError(itemId);
  } finally {
    wipe(bytes);
  }
}

export function openOverview(itemKey: Uint8Array, vaultId: string, rec: ItemRecord): OverviewPayload {
  return openJson(itemKey, rec.overview, aad(vaultId, rec.id, rec.version, 'overview'), overviewPayloadSchema, rec.id);
}

export function openDetails(itemKey: Uint8Array, vaultId: string, rec: ItemRecord): StoredItemDetails {
  return openJson(itemKey, rec.details, aad(vaultId, rec.id, rec.version, 'details'), storedItemDetailsSchema, rec.id);
}
