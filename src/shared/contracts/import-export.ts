/**
 * Import and export over the engine's UI contract (docs/rpc.md, docs/export-format.md).
 * A preview carries what the person decides on — titles, kinds, tags, the report and
 * the API-credential offers — and never a secret: the parsed file stays in the worker.
 */
import { z } from 'zod';
import { injectionRuleSchema, itemKindSchema, originSchema } from '../items';

export const IMPORT_FORMATS = [
  'bitwarden_json',
  'bitwarden_csv',
  'onepassword_1pux',
  'onepassword_csv',
  'kdbx',
  'keepassxc_csv',
  'chrome_csv',
  'firefox_csv',
  'safari_csv',
  'latchkey_export',
] as const;
export const importFormatSchema = z.enum(IMPORT_FORMATS);
export type ImportFormat = z.infer<typeof importFormatSchema>;

/** What a source entry was, as the person knows it (cards and identities become notes with fields). */
export const SOURCE_KINDS = ['login', 'secure_note', 'card', 'identity', 'ssh_key', 'api_credential'] as const;
export const sourceKindSchema = z.enum(SOURCE_KINDS);

/** Largest import file: a 10k-entry 1PUX with notes is a few MiB; this leaves room and bounds the worker. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

const u8 = () => z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes');
const bytes = (max: number, what: string) => u8().refine((b) => b.length <= max, `the ${what} is larger than ${max / (1024 * 1024)} MiB`);

export const importPreviewParamsSchema = z.object({
  format: importFormatSchema,
  fileName: z.string().min(1).max(256),
  file: bytes(MAX_IMPORT_BYTES, 'file'),
  /** The file's password (encrypted Bitwarden export, KDBX, Latchkey export). */
  password: z.string().max(1024).optional(),
  keyFile: bytes(MAX_KEY_FILE_BYTES, 'key file').optional(),
});

const skippedSchema = z.object({ entry: z.string(), reason: z.string() });
export const importReportSchema = z.object({
  counts: z.record(sourceKindSchema, z.number().int().nonnegative()),
  skipped: z.array(skippedSchema),
  dropped: z.array(skippedSchema),
});

export const importPreviewSchema = z.object({
  previewId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  fileName: z.string(),
  format: importFormatSchema,
  entries: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      entry: z.string(),
      sourceKind: sourceKindSchema,
      kind: itemKindSchema,
      title: z.string(),
      username: z.string().optional(),
      urls: z.array(z.string()),
      tags: z.array(z.string()),
      customFieldCount: z.number().int().nonnegative(),
      hasTotp: z.boolean(),
      apiSuggestion: z.object({ description: z.string(), injection: injectionRuleSchema, allowedOrigins: z.array(originSchema) }).optional(),
      /** An encrypted Latchkey export's trashed item: it goes back to the trash. */
      inTrash: z.boolean().optional(),
      /** An encrypted Latchkey export's item: how many earlier versions come with it. */
      previousVersions: z.number().int().nonnegative().optional(),
    }),
  ),
  report: importReportSchema,
});

export const importCommitParamsSchema = z.object({
  previewId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  asApiCredential: z.array(z.number().int().nonnegative()).max(1_000_000).optional(),
  exclude: z.array(z.number().int().nonnegative()).max(1_000_000).optional(),
});

export const exportFileSchema = z.object({ fileName: z.string(), mediaType: z.string(), bytes: u8() });

/**
 * What the person must have agreed to, word for word, before a plaintext export (the UI
 * shows this sentence). It names what the file leaves out too, so nobody deletes a vault
 * believing its trash and earlier versions went with it.
 */
export const PLAINTEXT_EXPORT_CONFIRMATION =
  'I understand this file is not encrypted and anyone who gets it can read every secret in it. It leaves out the trash and earlier versions of secrets.';
