/**
 * The vault-wide scrubber, built once per unlock from every secret in the vault and
 * rebuilt when credentials change. Dropped at lock so main holds no secret material
 * while the vault is closed.
 */
import type { CredentialSource } from '../ports';
import { Scrubber } from './scrubber';

export class ScrubberCache {
  private current: Promise<Scrubber> | null = null;
  private generation = 0;

  constructor(private readonly credentials: CredentialSource) {}

  invalidate(): void {
    this.generation++;
    this.current = null;
  }

  /**
   * The scrubber, guaranteed to cover `inUse` (the secrets of the credential being used
   * right now, in case the vault changed since the last build). Fails closed: if the
   * vault's secrets cannot be read, the call that needs scrubbing fails.
   */
  async get(inUse: readonly string[] = []): Promise<Scrubber> {
    if (this.current === null) {
      const gen = this.generation;
      const p = this.credentials.scrubSecrets().then((secrets) => new Scrubber(secrets));
      this.current = p;
      p.catch(() => {
        if (this.generation === gen) this.current = null;
      });
    }
    let s = await this.current;
    const missing = inUse.filter((v) => v.length > 0 && !s.covers(v));
    if (missing.length > 0) {
      const all = await this.credentials.scrubSecrets();
      s = new Scrubber([...all, ...missing]);
      this.current = Promise.resolve(s);
    }
    return s;
  }
}
