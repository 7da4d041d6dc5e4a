/**
 * The vault-wide scrubber behind EngineMainContract 'results.scrub'. Main sends every
 * result it is about to return to an agent; the engine — the only place that holds
 * the vault's secrets (DESIGN §2) — redacts every form of every concealed value in it
 * (src/core/scrub). Main therefore never holds more than the one secret of the
 * invocation it is running.
 *
 * The matcher never blocks a call for long: it is built in the BACKGROUND right after
 * unlock (one pass that decrypts every item's details, in slices of a few ms with the
 * event loop's turn between them so searches and a lock are not held behind it —
 * background.ts; cost in docs/performance.md, "## Gateway"); a scrub made before that
 * build ends waits only for it; a lock ends it at the next slice. After that,
 * an item created or changed is decrypted alone and its values replace the old ones
 * in place (Scrubber.set, O(its forms)); a deleted item's values are removed; nothing
 * is rebuilt until the next unlock. It is dropped at lock. "Dropped" means we let go of
 * the references: the values are JS strings (and the index holds only hashes of them),
 * which cannot be zeroed the way key bytes can; the garbage collector reclaims them.
 * The item keys used are wiped.
 */
import type { StoredItemDetails } from '../../shared/items';
import { wipe } from '../crypto/bytes';
import { Scrubber, type ScrubHits } from '../scrub/scrubber';
import type { EngineEvent } from '../engine-types';
import type { ItemRecord } from '../store/records';
import type { EngineCore } from './core';
import { lockedError } from './core';
import { sliceClock, yieldToHost } from './background';
import { openDetails, openItemKey } from './item-codec';
import type { UnlockedSession } from './session';

/** The concealed values of one item, in the forms an agent-facing result could echo. */
export function concealedValues(d: StoredItemDetails): string[] {
  const out: string[] = [];
  const add = (v: string | undefined): void => {
    if (v !== undefined && v.length > 0) out.push(v);
  };
  switch (d.kind) {
    case 'login':
      add(d.password);
      add(d.totp);
      // A TOTP value is often an otpauth:// URI; the seed alone is what a server echoes.
      if (d.totp !== undefined) add(/[?&]secret=([^&]+)/i.exec(d.totp)?.[1]);
      break;
    case 'api_credential':
      add(d.secret);
      break;
    case 'ssh_key':
      add(d.privateKey);
      add(d.passphrase);
      break;
    case 'secure_note':
      // Note bodies are not concealed fields (CONCEALED_FIELDS): ordinary text would
      // redact agents' results everywhere. Concealed custom fields still count below.
      break;
  }
  for (const c of d.customFields) {
    // An API credential's custom fields are all released to main with it
    // ('credentials.use' → fields, e.g. for environment injection): treat them as secret.
    if (c.concealed || d.kind === 'api_credential') add(c.value);
  }
  // Previous values too: a replaced key may still work where it was used, and an agent must not be handed it either.
  for (const h of d.history ?? []) for (const f of h.fields) add(f.value);
  return out;
}

/** Records per read of the build: about one slice of structured-clone work (≈ 13 µs a record in Chromium, so ≈ 1.7 ms). */
export const BUILD_READ = 128;

interface Built {
  readonly session: UnlockedSession;
  readonly scrubber: Scrubber;
  /**
   * One small matcher per canary item (canaries are few): which canary a result held
   * must be known by item, for the alarm. Its values are in `scrubber` too (redacted).
   */
  readonly canaries: Map<string, Scrubber>;
  /**
   * The value 'credentials.use' releases, per API credential (its `secret`): what main
   * injects and its echo guard asks about (`echoOf`). Already in `scrubber`; kept by item.
   */
  readonly released: Map<string, string>;
  /** The build, then every update queued after it: a scrub waits for what is queued. */
  ready: Promise<void>;
}

export class VaultScrubSet {
  private built: Built | null = null;
  /** Items that could not be decrypted (integrity): not covered. */
  skipped = 0;

  constructor(private readonly core: EngineCore) {}

  /** The engine's events: build after unlock, follow item changes, drop at lock. */
  onEvent(e: EngineEvent): void {
    if (e.type === 'locked') {
      this.built = null;
      return;
    }
    if (e.type === 'unlocked') {
      this.built = null;
      void this.current().ready.catch(() => undefined);
      return;
    }
    if (e.type !== 'itemsChanged') return;
    const b = this.built;
    // A re-key re-wraps item keys; the values (all the matcher holds) are unchanged.
    if (b === null || e.change === 'rekeyed') return;
    if (e.change === 'deleted') {
      for (const id of e.ids) {
        b.scrubber.delete(id);
        b.canaries.delete(id);
        b.released.delete(id);
      }
      return;
    }
    const ids = [...e.ids];
    b.ready = b.ready.then(() => this.update(b, ids));
    b.ready.catch(() => {
      if (this.built === b) this.built = null;
    });
  }

  /**
   * `echoOf`: the API credential main injected for this call. The answer's `echoIn` then
   * names the texts that may hold its released value — a form of it matched, or a cut
   * prefix (whose owner the prefix index does not know) — found in this same scan, so
   * main's echo guard checks only those (usually none) instead of scanning the whole
   * result again with every view.
   */
  async scrub(
    texts: readonly string[],
    truncated?: readonly boolean[],
    echoOf?: string,
  ): Promise<{ texts: string[]; redactions: number; redacted: number[]; canaries?: string[]; echoIn?: number[] }> {
    const b = this.current();
    await b.ready;
    // Locked (or re-unlocked) while waiting: never use a stale matcher.
    if (this.built !== b || this.core.session() !== b.session) return this.scrub(texts, truncated, echoOf);
    let redactions = 0;
    // Texts with a redaction: only these can hold a canary (its values are in the vault-wide
    // matcher too), so a clean result costs nothing more, however many canaries there are.
    const redacted: number[] = [];
    const echoSecret = echoOf === undefined ? undefined : b.released.get(echoOf);
    const echoIn: number[] = [];
    const out = texts.map((t, i) => {
      const hits: ScrubHits | undefined = echoSecret === undefined ? undefined : { secrets: new Set(), cutPrefix: false };
      const r = b.scrubber.redact(t, { truncated: truncated?.[i] === true }, hits);
      redactions += r.redactions;
      if (r.redactions > 0) redacted.push(i);
      if (hits && (hits.cutPrefix || hits.secrets.has(echoSecret!))) echoIn.push(i);
      return r.text;
    });
    const tripped: string[] = [];
    if (redacted.length > 0) {
      for (const [id, canary] of b.canaries) {
        if (redacted.some((i) => canary.contains(texts[i]!, { truncated: truncated?.[i] === true }))) tripped.push(id);
      }
    }
    // An item the matcher does not know as an API credential: only the redacted texts can hold anything it knows.
    const echo = echoOf === undefined ? {} : { echoIn: echoSecret === undefined ? redacted : echoIn };
    return tripped.length > 0 ? { texts: out, redactions, redacted, canaries: tripped, ...echo } : { texts: out, redactions, redacted, ...echo };
  }

  /** The matcher of this session, its build started if none is (throws 'vault_locked'). */
  private current(): Built {
    const session = this.core.session();
    if (this.built?.session === session) return this.built;
    const b: Built = { session, scrubber: new Scrubber(), canaries: new Map(), released: new Map(), ready: Promise.resolve() };
    b.ready = this.build(b);
    b.ready.catch(() => {
      if (this.built === b) this.built = null;
    });
    this.built = b;
    return b;
  }

  /**
   * Runs as an exclusive operation: no item write can interleave, so every write's
   * itemsChanged comes strictly before (then the record read here has it) or after
   * (then its update is queued behind this build).
   */
  private build(b: Built): Promise<void> {
    return this.core.exclusive(async () => {
      const s = b.session;
      let skipped = 0;
      const slice = sliceClock();
      let reading: Promise<ItemRecord[]> | null = this.core.store.readItemsAfter(null, BUILD_READ);
      while (reading) {
        // In pieces, not one read of every record: the structured clone of 100k records
        // (three byte arrays each) arrives as one task of over a second, which would hold
        // the unlock's answer and every search behind it. The next piece is asked for
        // before this one is decrypted, so the store's latency overlaps the work.
        const records: ItemRecord[] = await reading;
        reading = records.length < BUILD_READ ? null : this.core.store.readItemsAfter(records[records.length - 1]!.id, BUILD_READ);
        reading?.catch(() => undefined); // a lock may end the build before it is awaited
        for (const rec of records) {
          // In slices of a few ms, so RPC calls (a search, a lock) run between them; a lock
          // or another unlock ends the build at the next slice instead of after every item.
          if (slice.due()) {
            await yieldToHost();
            slice.reset();
          }
          if (this.built !== b || this.core.session() !== s) throw lockedError();
          // Only items this session knows (a stray record is not part of the vault).
          if (!s.get(rec.id)) continue;
          if (!this.load(b, rec)) skipped++;
        }
        await yieldToHost();
        slice.reset();
      }
      this.skipped = skipped;
    });
  }

  private update(b: Built, ids: readonly string[]): Promise<void> {
    return this.core.exclusive(async () => {
      if (this.built !== b || this.core.session() !== b.session) return;
      for (const id of ids) {
        const rec = b.session.get(id) ? await this.core.store.readItem(id) : undefined;
        if (rec === undefined) {
          b.scrubber.delete(id);
          b.canaries.delete(id);
          b.released.delete(id);
        } else if (!this.load(b, rec)) this.skipped++;
      }
    });
  }

  /** One item's values into the matcher; false if it could not be decrypted. */
  private load(b: Built, rec: ItemRecord): boolean {
    const s = b.session;
    let itemKey: Uint8Array | undefined;
    try {
      itemKey = openItemKey(s.keys.itemWrap, s.vaultId, rec);
      const details = openDetails(itemKey, s.vaultId, rec);
      const values = concealedValues(details);
      b.scrubber.set(rec.id, values);
      if (details.kind === 'api_credential') b.released.set(rec.id, details.secret);
      else b.released.delete(rec.id);
      if (s.get(rec.id)?.overview.canary === true) b.canaries.set(rec.id, new Scrubber(values));
      else b.canaries.delete(rec.id);
      return true;
    } catch {
      // A damaged item is reported by every read of it; it cannot be used through
      // the gateway either. Counted, not fatal: one bad record must not stop scrubbing.
      b.scrubber.delete(rec.id);
      b.canaries.delete(rec.id);
      b.released.delete(rec.id);
      return false;
    } finally {
      wipe(itemKey);
    }
  }
}
