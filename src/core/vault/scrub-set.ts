/**
 * The vault-wide scrubber behind EngineMainContract 'results.scrub'. Main sends every
 * result it is about to return to an agent; the engine — the only place that holds
 * the vault's secrets (DESIGN §2) — redacts every form of every concealed value in it
 * (src/core/scrub). Main therefore never holds more than the one secret of the
 * invocation it is running.
 *
 * The matcher is built lazily, on the first scrub after unlock: that decrypts the
 * details of every item once (cost in docs/performance.md, "## Gateway"). It is cached
 * for the session and dropped on any item change and at lock. "Dropped" means we let
 * go of the references: the patterns are JS strings (and the automaton's typed arrays
 * of symbol ids), which cannot be zeroed the way key bytes can; the garbage collector
 * reclaims them. The item keys used for the build ARE wiped.
 */
import type { ItemDetails } from '../../shared/items';
import { wipe } from '../crypto/bytes';
import { Scrubber } from '../scrub/scrubber';
import type { EngineCore } from './core';
import { lockedError } from './core';
import { openDetails, openItemKey } from './item-codec';
import type { UnlockedSession } from './session';

/** The concealed values of one item, in the forms an agent-facing result could echo. */
export function concealedValues(d: ItemDetails): string[] {
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
  return out;
}

export class VaultScrubSet {
  private cached: { session: UnlockedSession; scrubber: Promise<Scrubber> } | null = null;
  private generation = 0;
  /** Items that could not be decrypted at the last build (integrity): not covered. */
  skipped = 0;

  constructor(private readonly core: EngineCore) {}

  /** Any item change, a key rotation, lock: the next scrub rebuilds (or finds the vault locked). */
  invalidate(): void {
    this.generation++;
    this.cached = null;
  }

  async scrub(texts: readonly string[], truncated?: readonly boolean[]): Promise<{ texts: string[]; redactions: number }> {
    const scrubber = await this.get();
    let redactions = 0;
    const out = texts.map((t, i) => {
      const r = scrubber.redact(t, { truncated: truncated?.[i] === true });
      redactions += r.redactions;
      return r.text;
    });
    return { texts: out, redactions };
  }

  private async get(): Promise<Scrubber> {
    const session = this.core.session(); // 'vault_locked' when locked
    if (this.cached?.session === session) return this.cached.scrubber;
    const gen = this.generation;
    const scrubber = this.build();
    this.cached = { session, scrubber };
    scrubber.catch(() => {
      if (this.generation === gen && this.cached?.scrubber === scrubber) this.cached = null;
    });
    const s = await scrubber;
    // Locked (or re-keyed, edited…) while building: never hand out a stale matcher.
    if (this.generation !== gen || this.core.session() !== session) return this.get();
    return s;
  }

  /**
   * Runs as an exclusive operation: no item write can interleave, so every write's
   * itemsChanged (which invalidates) comes strictly before or after this build.
   */
  private build(): Promise<Scrubber> {
    return this.core.exclusive(async () => {
      const s = this.core.session();
      const records = await this.core.store.readAllItems();
      if (this.core.session() !== s) throw lockedError();
      const values: string[] = [];
      let skipped = 0;
      for (const rec of records) {
        // Only items this session knows (a stray record is not part of the vault).
        if (!s.get(rec.id)) continue;
        let itemKey: Uint8Array | undefined;
        try {
          itemKey = openItemKey(s.keys.itemWrap, s.vaultId, rec);
          for (const v of concealedValues(openDetails(itemKey, s.vaultId, rec))) values.push(v);
        } catch {
          // A damaged item is reported by every read of it; it cannot be used through
          // the gateway either. Counted, not fatal: one bad record must not stop scrubbing.
          skipped++;
        } finally {
          wipe(itemKey);
        }
      }
      this.skipped = skipped;
      return new Scrubber(values);
    });
  }
}
