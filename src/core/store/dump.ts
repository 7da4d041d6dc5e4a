/**
 * The portable JSON form of a stored vault (docs/vault-format.md §6): every record
 * exactly as stored, bytes as base64url without padding. It is how a vault written
 * under Node is read in Chromium and back, and it is parsed with zod before use.
 */
import { z } from 'zod';
import { fromBase64url, toBase64url } from '../crypto/bytes';
import { PAGE_COUNT, type HeadRecord, type ItemRecord, type MetaRecord, type PageRecord, type SettingsRecord, type SlotRecord } from './records';

export const DUMP_FORMAT = 'latchkey-vault-dump';
/**
 * 2: adds `head` (vault format 2). 3: head layout 2 (vault format 3: `items` per page).
 * Version 1 and 2 dumps still load (migrated at first unlock).
 */
export const DUMP_VERSION = 3;

const b64u = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/)
  .max(16 * 1024 * 1024);
const id22 = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

const metaJson = z.object({
  key: z.literal('vault'),
  formatVersion: z.number().int().positive(),
  vaultId: id22,
  createdAt: z.number().int(),
  /** Format-1 dumps may carry it; it is dropped on load. */
  rebuildPages: z.boolean().optional(),
});
const digest = b64u.max(43);
const u32 = z.number().int().min(0).max(0xffffffff);
const headJson = z
  .object({
    key: z.literal('head'),
    v: z.number().int().positive(),
    settings: z.object({ version: u32, digest }).strict().nullable(),
    slots: z.array(z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), digest }).strict()),
    // Layout 2: `items` on every page; layout 1: one `items` for all (vault format 2).
    pages: z.array(z.object({ generation: u32, digest, items: b64u.optional() }).strict()).length(PAGE_COUNT),
    items: b64u.optional(),
    mac: digest,
  })
  .strict();
const settingsJson = z.object({ key: z.literal('settings'), version: z.number().int().nonnegative(), envelope: b64u });
const slotJson = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  kind: z.string().min(1).max(64),
  label: z.string().max(128),
  createdAt: z.number().int(),
  params: z.record(z.string(), z.union([z.string().max(4096), z.number()])),
  wrappedKey: b64u,
  digest: b64u,
});
const itemJson = z.object({ id: id22, version: z.number().int().positive(), key: b64u, overview: b64u, details: b64u });
const pageJson = z.object({
  page: z
    .number()
    .int()
    .min(0)
    .max(PAGE_COUNT - 1),
  generation: z.number().int().nonnegative(),
  envelope: b64u,
});

export const vaultDumpSchema = z.object({
  format: z.literal(DUMP_FORMAT),
  version: z.union([z.literal(1), z.literal(2), z.literal(DUMP_VERSION)]),
  meta: metaJson.nullable(),
  head: headJson.nullable().optional(),
  settings: settingsJson.nullable(),
  slots: z.array(slotJson),
  items: z.array(itemJson),
  pages: z.array(pageJson),
});
export type VaultDump = z.infer<typeof vaultDumpSchema>;

export interface VaultRecords {
  meta: MetaRecord | undefined;
  settings: SettingsRecord | undefined;
  head?: HeadRecord | undefined;
  slots: SlotRecord[];
  items: ItemRecord[];
  pages: PageRecord[];
}

export function recordsToDump(r: VaultRecords): VaultDump {
  return {
    format: DUMP_FORMAT,
    version: DUMP_VERSION,
    meta: r.meta ? { key: 'vault', formatVersion: r.meta.formatVersion, vaultId: r.meta.vaultId, createdAt: r.meta.createdAt } : null,
    head: r.head
      ? {
          key: 'head',
          v: r.head.v,
          settings: r.head.settings ? { version: r.head.settings.version, digest: toBase64url(r.head.settings.digest) } : null,
          slots: r.head.slots.map((s) => ({ id: s.id, digest: toBase64url(s.digest) })),
          pages: r.head.pages.map((p) => ({ generation: p.generation, digest: toBase64url(p.digest), ...(p.items ? { items: toBase64url(p.items) } : {}) })),
          ...(r.head.items ? { items: toBase64url(r.head.items) } : {}),
          mac: toBase64url(r.head.mac),
        }
      : null,
    settings: r.settings ? { key: 'settings', version: r.settings.version, envelope: toBase64url(r.settings.envelope) } : null,
    slots: r.slots.map((s) => ({ ...s, params: { ...s.params }, wrappedKey: toBase64url(s.wrappedKey), digest: toBase64url(s.digest) })),
    items: r.items.map((i) => ({ id: i.id, version: i.version, key: toBase64url(i.key), overview: toBase64url(i.overview), details: toBase64url(i.details) })),
    pages: r.pages.map((p) => ({ page: p.page, generation: p.generation, envelope: toBase64url(p.envelope) })),
  };
}

/** Parses (zod) and converts a dump back to records. Throws 'invalid_input' on anything malformed. */
export function dumpToRecords(input: unknown): VaultRecords {
  const d = vaultDumpSchema.parse(input);
  return {
    meta: d.meta ? { key: 'vault', formatVersion: d.meta.formatVersion, vaultId: d.meta.vaultId, createdAt: d.meta.createdAt } : undefined,
    head: d.head
      ? {
          key: 'head',
          v: d.head.v,
          settings: d.head.settings ? { version: d.head.settings.version, digest: fromBase64url(d.head.settings.digest) } : null,
          slots: d.head.slots.map((s) => ({ id: s.id, digest: fromBase64url(s.digest) })),
          pages: d.head.pages.map((p) => ({ generation: p.generation, digest: fromBase64url(p.digest), ...(p.items !== undefined ? { items: fromBase64url(p.items) } : {}) })),
          ...(d.head.items !== undefined ? { items: fromBase64url(d.head.items) } : {}),
          mac: fromBase64url(d.head.mac),
        }
      : undefined,
    settings: d.settings ? { key: 'settings', version: d.settings.version, envelope: fromBase64url(d.settings.envelope) } : undefined,
    slots: d.slots.map((s) => ({ ...s, wrappedKey: fromBase64url(s.wrappedKey), digest: fromBase64url(s.digest) })),
    items: d.items.map((i) => ({ id: i.id, version: i.version, key: fromBase64url(i.key), overview: fromBase64url(i.overview), details: fromBase64url(i.details) })),
    pages: d.pages.map((p) => ({ page: p.page, generation: p.generation, envelope: fromBase64url(p.envelope) })),
  };
}
