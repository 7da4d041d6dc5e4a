/**
 * What every importer returns: drafts in Latchkey's item model plus a report a person
 * can read before anything is written. Importers are pure (no Node, no DOM): they run
 * in the engine worker, and a malformed file throws before any draft exists, so an
 * import is all-or-nothing.
 */
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import type { ItemDraft, ItemOverview, StoredItemDetails } from '../../shared/items';
import { SOURCE_KINDS } from '../../shared/contracts/import-export';

export type { ImportFormat } from '../../shared/contracts/import-export';
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface ImportedEntry {
  /** Where in the file it came from, e.g. `entry 3 "GitHub"`. Never a secret. */
  readonly entry: string;
  readonly sourceKind: SourceKind;
  readonly draft: ItemDraft;
  /** An API-looking secret: the same entry as an API credential with a suggested injection rule. */
  readonly apiSuggestion?: ItemDraft;
  /**
   * Only from an encrypted Latchkey export whose tag verified: the item as it was
   * stored, with its trash mark and history. The engine writes it through its restore
   * path; no other importer sets this, so no other file can plant a history.
   */
  readonly restore?: RestoredState;
}

/** The item as stored: the overview may carry `trashedAt`, the details `history`. */
export interface RestoredState {
  readonly overview: ItemOverview;
  readonly details: StoredItemDetails;
}

export interface SkippedEntry {
  readonly entry: string;
  readonly reason: string;
}

export interface ImportReport {
  /** Items to be created, by what they were in the source. */
  readonly counts: Record<SourceKind, number>;
  readonly skipped: SkippedEntry[];
  /** Parts of kept entries that are not imported (attachments, password history). */
  readonly dropped: SkippedEntry[];
}

export interface ImportResult {
  readonly items: readonly ImportedEntry[];
  readonly report: ImportReport;
}

/** A file that cannot be read: names the file and, when known, the entry. */
export function importError(file: string, entry: string | null, message: string): LatchkeyError {
  const where = entry ? `${file}, ${entry}` : file;
  return new LatchkeyError('invalid_input', `Cannot import ${where}: ${message}`, entry ? { file, entry } : { file });
}

/** Turns a zod failure on a source file into plain words (never an internal field path alone). */
export function describeIssue(e: z.ZodError): string {
  const i = e.issues[0];
  if (!i) return 'the file is not in the expected format.';
  const where = i.path.length ? ` (at ${i.path.join(' › ')})` : '';
  return `the file is not in the expected format${where}: ${i.message}.`;
}
