/**
 * Main's copy of the credential overviews ('credentials.list'), so a tool call does not
 * list every API credential over RPC. Overviews hold no secret (name, description,
 * injection rule, allowed origins); the secret is still fetched from the engine per use
 * ('credentials.use'), and that answer's own rule and origins are re-checked
 * (authorize.ts), so a stale overview can never widen where a secret goes.
 *
 * The copy is dropped on every engine event that can change it: locked, unlocked (maybe
 * another vault) and credentialsChanged (any item created, edited, deleted, re-keyed or
 * synced in). A listing that was in flight when such an event arrived is returned to
 * its caller but not kept (generation counter), so an answer computed before a change
 * cannot outlive the change. Grants and policy are not part of it: they are read live
 * from the registry and the policy source on every call.
 */
import type { CredentialOverview, CredentialSource } from './ports';

export interface Listing {
  readonly list: readonly CredentialOverview[];
  /** True when the listing came from main's copy, not from the engine just now. */
  readonly cached: boolean;
}

export interface CachedCredentials extends CredentialSource {
  /** Main's copy if it holds one, else a fresh listing (kept for next time). */
  listCached(): Promise<Listing>;
  /**
   * Goes up on every engine event that can change a credential or the vault (locked,
   * unlocked, credentialsChanged): equal before and after a step means no such change
   * was seen in between.
   */
  generation(): number;
  /** Stops following the engine's events. */
  dispose(): void;
}

export function cacheCredentials(source: CredentialSource): CachedCredentials {
  let generation = 0;
  let held: readonly CredentialOverview[] | null = null;
  const invalidate = (): void => {
    generation++;
    held = null;
  };
  const offs = [source.onLocked(invalidate), source.onUnlocked(invalidate), source.onCredentialsChanged(invalidate)];

  const fresh = async (): Promise<readonly CredentialOverview[]> => {
    const at = generation;
    const list = freezeAll(await source.listCredentials());
    if (at === generation) held = list;
    return list;
  };

  return {
    state: () => source.state(),
    listCredentials: async () => [...(await fresh())],
    async listCached() {
      if (held !== null) return { list: held, cached: true };
      return { list: await fresh(), cached: false };
    },
    generation: () => generation,
    useCredential: (itemId, agentId) => source.useCredential(itemId, agentId),
    scrub: (texts, truncated) => source.scrub(texts, truncated),
    ...(source.resolveReference ? { resolveReference: source.resolveReference.bind(source) } : {}),
    ...(source.releaseField ? { releaseField: source.releaseField.bind(source) } : {}),
    ...(source.scrubResults ? { scrubResults: source.scrubResults.bind(source) } : {}),
    onLocked: (h) => source.onLocked(h),
    onUnlocked: (h) => source.onUnlocked(h),
    onCredentialsChanged: (h) => source.onCredentialsChanged(h),
    dispose() {
      for (const off of offs) off();
      invalidate();
    },
  };
}

/** Main's own frozen copy: shared between calls, so no caller may edit what the next one reads. */
function freezeAll(list: readonly CredentialOverview[]): readonly CredentialOverview[] {
  // The element type stays CredentialOverview for callers; the freeze is what enforces read-only.
  return Object.freeze(
    list.map((c) => Object.freeze({ ...c, injection: Object.freeze({ ...c.injection }), allowedOrigins: Object.freeze([...c.allowedOrigins]) }) as CredentialOverview),
  );
}
