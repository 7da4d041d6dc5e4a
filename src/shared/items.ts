/**
 * Item schemas shared by the engine and the UI.
 *
 * Every item is two parts, encrypted separately with the item's own key:
 * - the OVERVIEW: what list and search need (title, kind, username, URLs, tags and,
 *   for API credentials, what the credential is for and where it may go). Decrypted
 *   for every item at unlock. Never holds a secret.
 * - the DETAILS: the secret fields, per kind. Decrypted only on demand.
 *
 * Secret ("concealed") values reach the UI only through an explicit reveal/copy.
 * `item.get` returns details MASKED: each concealed string that is present is
 * replaced by `null`. On update the UI sends details back in the same shape: `null`
 * means "keep the stored value", a string sets it, an absent field removes it.
 */
import { z } from 'zod';
import { pathGlobProblem } from './policy';

export const ITEM_KINDS = ['login', 'api_credential', 'ssh_key', 'secure_note'] as const;
export const itemKindSchema = z.enum(ITEM_KINDS);
export type ItemKind = z.infer<typeof itemKindSchema>;

/** Item ids: 16 random bytes, base64url without padding (22 characters). */
export const itemIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'item id');

/**
 * Where an item's credential may go: an origin as the gateway compares it,
 * scheme://host[:port], optionally with upper-case methods in front and a path glob
 * after (`GET,POST https://api.github.com/repos/acme/*`); docs/policy.md "Destination rules".
 */
export const originSchema = z
  .string()
  .max(600)
  .regex(
    /^(?:[A-Z]{1,20}(?:,[A-Z]{1,20}){0,15} )?[Hh][Tt][Tt][Pp][Ss]?:\/\/[^/?#\s]+(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*)?$/,
    'an origin such as https://api.example.com, optionally with methods and a path: GET,POST https://api.example.com/repos/*',
  )
  .refine((r) => pathGlobProblem(r) === null, { error: 'a path without "." or ".." segments and without an encoded / or \\ (%2F, %5C)' });

/**
 * How the gateway places an API credential's secret in an outgoing request.
 * - bearer: `Authorization: Bearer <secret>`
 * - header: header `name`, value `template` with every `{secret}` replaced
 * - basic:  `Authorization: Basic base64(username ":" secret)`
 * - query:  query parameter `param` = secret
 */
export const injectionRuleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer') }),
  z.object({
    type: z.literal('header'),
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name'),
    template: z
      .string()
      .min(1)
      .max(1024)
      .refine((t) => t.includes('{secret}'), 'the template must contain {secret}'),
  }),
  z.object({ type: z.literal('basic'), username: z.string().max(512) }),
  z.object({ type: z.literal('query'), param: z.string().min(1).max(128) }),
]);
export type InjectionRule = z.infer<typeof injectionRuleSchema>;

const shortText = z.string().max(1024);
const longText = z.string().max(65_536);

export const itemOverviewSchema = z
  .object({
    kind: itemKindSchema,
    title: z.string().min(1).max(256),
    username: z.string().max(512).optional(),
    urls: z.array(z.string().max(2048)).max(32),
    tags: z.array(z.string().min(1).max(64)).max(32),
    /** API credentials: what it is for (shown to agents). */
    description: shortText.optional(),
    /** API credentials: how it is injected (required for that kind). */
    injection: injectionRuleSchema.optional(),
    /** API credentials: the only origins it may be sent to (required for that kind, may be empty). */
    allowedOrigins: z.array(originSchema).max(64).optional(),
    /**
     * A canary (docs/gateway.md "Canary credentials"): listed to agents like any other,
     * never sent or injected; a use of it, or its value in a result, raises an alert.
     * Absent means false (records written before it existed).
     */
    canary: z.boolean().optional(),
    /**
     * API credentials: the run proxy also swaps this credential's placeholder in request
     * bodies of textual types (docs/gateway.md §10a "Body swaps"), not only in the URL and
     * headers. Absent means false.
     */
    swapInBody: z.boolean().optional(),
    /**
     * In the trash since this time (ms; docs/vault-format.md §5.3). Set and cleared by
     * the engine only (delete, restore): a trashed item is never listed, searched or
     * given to an agent, and is purged TRASH_DAYS after this time.
     */
    trashedAt: z.number().int().nonnegative().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.swapInBody !== undefined && o.kind !== 'api_credential') {
      ctx.addIssue({ code: 'custom', path: ['swapInBody'], message: 'only API credentials have a body-swap rule' });
    }
    if (o.kind === 'api_credential') {
      if (!o.injection) ctx.addIssue({ code: 'custom', path: ['injection'], message: 'an API credential needs an injection rule' });
      if (!o.allowedOrigins) ctx.addIssue({ code: 'custom', path: ['allowedOrigins'], message: 'an API credential needs its allowed origins' });
    } else if (o.injection || o.allowedOrigins) {
      ctx.addIssue({ code: 'custom', path: ['injection'], message: 'only API credentials have an injection rule and origins' });
    }
  });
export type ItemOverview = z.infer<typeof itemOverviewSchema>;

/** Custom field ids are chosen by the client (any short token) and stay stable across edits. */
export const customFieldIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);

/**
 * A concealed field the UI may reveal or copy: a fixed field name of the item's
 * kind, or `custom:<id>` for a concealed custom field.
 */
export const fieldRefSchema = z.union([z.enum(['password', 'totp', 'secret', 'privateKey', 'passphrase']), z.string().regex(/^custom:[A-Za-z0-9_-]{1,32}$/)]);
export type FieldRef = z.infer<typeof fieldRefSchema>;

/** Days an item stays in the trash before it is purged. */
export const TRASH_DAYS = 30;
/** Previous versions of secret fields kept per item (the oldest is dropped first). */
export const HISTORY_LIMIT = 20;
/**
 * And at most this many characters of kept values in all (oldest versions dropped
 * first, the newest always kept): 20 copies of a large item would otherwise make every
 * reveal decrypt and parse megabytes.
 */
export const HISTORY_MAX_CHARS = 262_144;

/** One concealed field's value as it was before an edit replaced or removed it. */
export const historyFieldSchema = z.object({ field: fieldRefSchema, name: z.string().min(1).max(128), value: z.string().max(65_536) });
/**
 * One previous version (docs/vault-format.md §5.4): the concealed values that the edit
 * made at `at` replaced, as they were in item version `version`. Stored inside the
 * details ciphertext, so it syncs and is sealed with the item.
 */
export const historyVersionSchema = z.object({
  version: z.number().int().positive(),
  at: z.number().int(),
  fields: z.array(historyFieldSchema).min(1).max(70),
});
export type HistoryVersion = z.infer<typeof historyVersionSchema>;

/**
 * Details schemas are built from one template so the three shapes cannot drift:
 * `S` is the type of a concealed value — string (stored / create), string | null
 * (masked view, update input).
 */
function detailsSchemaWith<S extends z.ZodType, H extends z.ZodType>(secret: S, history: H) {
  const customField = z.object({
    id: customFieldIdSchema,
    name: z.string().min(1).max(128),
    concealed: z.boolean(),
    value: z.union([z.string().max(65_536), secret]),
  });
  const common = { notes: longText.optional(), customFields: z.array(customField).max(64), history };
  return z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('login'),
      password: secret.optional(),
      /** otpauth:// URI or a bare base32 secret (RFC 4648). */
      totp: secret.optional(),
      ...common,
    }),
    z.object({ kind: z.literal('api_credential'), secret, ...common }),
    z.object({
      kind: z.literal('ssh_key'),
      privateKey: secret,
      publicKey: z.string().max(16_384).optional(),
      passphrase: secret.optional(),
      ...common,
    }),
    z.object({ kind: z.literal('secure_note'), text: longText, ...common }),
  ]);
}

const secretString = z.string().max(65_536);
/** Details as stored (inside the ciphertext) and as given at creation. */
export const itemDetailsSchema = detailsSchemaWith(secretString, z.undefined().optional());
export type ItemDetails = z.infer<typeof itemDetailsSchema>;
/**
 * Details as sealed in the item record: the same, plus the previous versions of its
 * concealed values (newest first, at most HISTORY_LIMIT). Never leaves the engine whole:
 * the UI sees the version list without values (itemViewSchema) and reveals one value at a time.
 */
export const storedItemDetailsSchema = detailsSchemaWith(secretString, z.array(historyVersionSchema).max(HISTORY_LIMIT).optional());
export type StoredItemDetails = z.infer<typeof storedItemDetailsSchema>;
/** Details as the UI sees them (concealed values present -> null) and sends them on update (null -> keep). */
export const maskedItemDetailsSchema = detailsSchemaWith(secretString.nullable(), z.undefined().optional());
export type MaskedItemDetails = z.infer<typeof maskedItemDetailsSchema>;

export const itemMetaSchema = z.object({
  id: itemIdSchema,
  /** Increments on every change; an update must name the version it edits. */
  version: z.number().int().positive(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});

export const itemSummarySchema = itemMetaSchema.extend({ overview: itemOverviewSchema });
export type ItemSummary = z.infer<typeof itemSummarySchema>;

/** A previous version as the UI lists it: which fields it holds, never their values. */
export const historyEntrySchema = z.object({
  version: z.number().int().positive(),
  at: z.number().int(),
  fields: z.array(z.object({ field: fieldRefSchema, name: z.string().max(128) })),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const itemViewSchema = itemSummarySchema.extend({ details: maskedItemDetailsSchema, history: z.array(historyEntrySchema).max(HISTORY_LIMIT).optional() });
export type ItemView = z.infer<typeof itemViewSchema>;

export const itemDraftSchema = z
  .object({ overview: itemOverviewSchema, details: itemDetailsSchema })
  .refine((d) => d.overview.kind === d.details.kind, { error: 'overview and details must be the same kind', path: ['details', 'kind'] });
export type ItemDraft = z.infer<typeof itemDraftSchema>;

export const itemUpdateSchema = z
  .object({ id: itemIdSchema, baseVersion: z.number().int().positive(), overview: itemOverviewSchema, details: maskedItemDetailsSchema })
  .refine((d) => d.overview.kind === d.details.kind, { error: 'an item cannot change kind', path: ['details', 'kind'] });
export type ItemUpdate = z.infer<typeof itemUpdateSchema>;

/** Which details fields are concealed for a kind (used for masking and reveal). */
export const CONCEALED_FIELDS: Record<ItemKind, readonly string[]> = {
  login: ['password', 'totp'],
  api_credential: ['secret'],
  ssh_key: ['privateKey', 'passphrase'],
  secure_note: [],
};
