/**
 * The two-step import the engine serves: `preview` parses a file (in the worker) and
 * keeps the result here, returning only what the person needs to decide — titles,
 * kinds, tags, the report, the API-credential offers — never a secret; `commit` writes
 * the kept drafts the person chose in ONE transaction (all or nothing). Previews are
 * dropped at lock and after a commit; one pending preview at a time.
 */
import { LatchkeyError } from '../../shared/errors';
import type { ItemDraft, ItemSummary } from '../../shared/items';
import type { RandomSource } from '../crypto/random';
import { newId } from '../vault/ids';
import { runImport, type ImportDeps, type ImportInput } from './index';
import type { ImportResult, RestoredState } from './types';

export interface ImportPreviewEntry {
  readonly index: number;
  readonly entry: string;
  readonly sourceKind: ImportResult['items'][number]['sourceKind'];
  readonly kind: ItemDraft['overview']['kind'];
  readonly title: string;
  readonly username?: string;
  readonly urls: string[];
  readonly tags: string[];
  readonly customFieldCount: number;
  readonly hasTotp: boolean;
  /** The offer: the same entry as an API credential placed by this rule, sent only to these origins. */
  readonly apiSuggestion?: { description: string; injection: NonNullable<ItemDraft['overview']['injection']>; allowedOrigins: string[] };
  /** From an encrypted Latchkey export: the item goes back to the trash. */
  readonly inTrash?: boolean;
  /** From an encrypted Latchkey export: how many earlier versions come with it. */
  readonly previousVersions?: number;
}

export interface ImportPreview {
  readonly previewId: string;
  readonly fileName: string;
  readonly format: ImportInput['format'];
  readonly entries: ImportPreviewEntry[];
  readonly report: ImportResult['report'];
}

export interface ImportChoices {
  readonly previewId: string;
  /** Entries to import as their API-credential offer instead. */
  readonly asApiCredential?: readonly number[];
  /** Entries the person unticked. */
  readonly exclude?: readonly number[];
}

export interface ImportServiceDeps extends ImportDeps {
  readonly random: RandomSource;
  /** Throws 'vault_locked' when locked. */
  readonly requireUnlocked: () => void;
  readonly importItems: (drafts: readonly ItemDraft[]) => Promise<ItemSummary[]>;
  /** The engine's restore path (encrypted Latchkey exports only): items with their trash mark and history, in one transaction. */
  readonly restoreItems: (items: readonly RestoredState[]) => Promise<ItemSummary[]>;
}

function previewOf(previewId: string, input: ImportInput, r: ImportResult): ImportPreview {
  return {
    previewId,
    fileName: input.fileName,
    format: input.format,
    report: r.report,
    entries: r.items.map((it, index) => {
      const o = it.draft.overview;
      const s = it.apiSuggestion?.overview;
      return {
        index,
        entry: it.entry,
        sourceKind: it.sourceKind,
        kind: o.kind,
        title: o.title,
        ...(o.username ? { username: o.username } : {}),
        urls: o.urls,
        tags: o.tags,
        customFieldCount: it.draft.details.customFields.length,
        hasTotp: it.draft.details.kind === 'login' && !!it.draft.details.totp,
        ...(s && s.injection && s.allowedOrigins ? { apiSuggestion: { description: s.description ?? '', injection: s.injection, allowedOrigins: s.allowedOrigins } } : {}),
        ...(it.restore?.overview.trashedAt !== undefined ? { inTrash: true } : {}),
        ...(it.restore?.details.history?.length ? { previousVersions: it.restore.details.history.length } : {}),
      };
    }),
  };
}

export function createImportService(deps: ImportServiceDeps) {
  let pending: { id: string; result: ImportResult } | null = null;

  return {
    async preview(input: ImportInput): Promise<ImportPreview> {
      deps.requireUnlocked();
      pending = null;
      const result = await runImport(input, deps);
      // The vault may have locked while the file's KDF ran: keep nothing then.
      deps.requireUnlocked();
      const id = newId(deps.random);
      pending = { id, result };
      return previewOf(id, input, result);
    },

    async commit(choices: ImportChoices): Promise<{ created: number }> {
      deps.requireUnlocked();
      if (!pending || pending.id !== choices.previewId)
        throw new LatchkeyError('not_found', 'This import preview has expired (the vault locked, or another file was opened). Choose the file again.');
      const { items } = pending.result;
      const api = new Set(choices.asApiCredential ?? []);
      const skip = new Set(choices.exclude ?? []);
      for (const i of [...api, ...skip])
        if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new LatchkeyError('invalid_input', `There is no entry ${i} in this preview.`);
      for (const i of api) if (!items[i]!.apiSuggestion) throw new LatchkeyError('invalid_input', `${items[i]!.entry} has no API-credential offer.`);
      const chosen = items.filter((_, i) => !skip.has(i));
      let created: ItemSummary[] = [];
      if (chosen.some((it) => it.restore)) {
        // An encrypted Latchkey export offers no API-credential conversions, so every chosen entry is restored as it was.
        created = await deps.restoreItems(chosen.map((it) => it.restore ?? it.draft));
      } else {
        const drafts = items.flatMap((it, i) => (skip.has(i) ? [] : [api.has(i) ? it.apiSuggestion! : it.draft]));
        created = drafts.length ? await deps.importItems(drafts) : [];
      }
      pending = null;
      return { created: created.length };
    },

    /** At lock: the parsed file holds plaintext secrets. */
    clear(): void {
      pending = null;
    },
  };
}
