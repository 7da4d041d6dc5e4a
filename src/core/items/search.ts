/**
 * In-memory search over decrypted overviews. Each entry keeps one lower-cased
 * haystack (title, username, URLs, tags, description joined by newlines) built when
 * the first search needs it, so a query is a linear scan of `includes` — ~1 ms at 10k
 * items (bench/vault.bench.ts), well inside one frame.
 */
import type { ItemOverview } from '../../shared/items';

export function haystackOf(o: ItemOverview): string {
  return [o.title, o.username ?? '', ...o.urls, ...o.tags, o.description ?? ''].join('\n').toLowerCase();
}

/** Every whitespace-separated term must occur (AND). An empty query matches all. */
export function matcher(query: string): (haystack: string) => boolean {
  const terms = query
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t.length > 0);
  if (terms.length === 0) return () => true;
  return (h) => terms.every((t) => h.includes(t));
}
