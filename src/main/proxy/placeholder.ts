/**
 * Per-run placeholders: what a child sees instead of the secret. Random for every run
 * (a placeholder seen in a log is useless in the next run), the same length as the
 * secret where that leaves enough randomness, and keeping a known prefix (`ghp_`,
 * `sk-`, …) so clients that check a token's shape accept it.
 */
import { randomInt } from 'node:crypto';

/** Prefixes clients are known to check; the longest match is kept. */
const KNOWN_PREFIXES = ['github_pat_', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'glpat-', 'sk-proj-', 'sk-ant-', 'sk-', 'xoxb-', 'xoxp-', 'AKIA', 'npm_', 'pypi-'];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** At least this many random characters (≈ 143 bits). */
const MIN_RANDOM = 24;

export function makePlaceholder(secret: string): string {
  const prefix = KNOWN_PREFIXES.filter((p) => secret.startsWith(p)).sort((a, b) => b.length - a.length)[0] ?? 'lk_';
  const n = Math.max(MIN_RANDOM, secret.length - prefix.length);
  let out = prefix;
  for (let i = 0; i < n; i++) out += ALPHABET.charAt(randomInt(ALPHABET.length));
  return out;
}
