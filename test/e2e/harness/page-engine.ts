/**
 * Calls the engine inside the page through the same RPC client the UI uses
 * (window.__latchkeyE2E, present only in e2e builds). Errors come back as
 * { code, message } so a test can assert on the typed error.
 */
import type { Page } from 'playwright-core';

export async function pageCall<T>(page: Page, contract: 'ui' | 'transfer', method: string, params: unknown): Promise<T> {
  const r = await page.evaluate(
    async ([c, m, p]) => {
      const hooks = window.__latchkeyE2E;
      if (hooks === undefined) return { ok: false as const, code: 'internal', message: 'not an e2e build' };
      try {
        // The test names methods as strings; the contract's schemas still parse both ends.
        const client = hooks[c as 'ui'] as unknown as { call(m: string, p: unknown): Promise<unknown> };
        return { ok: true as const, value: await client.call(m, p) };
      } catch (e) {
        const err = e as { code?: string; message?: string };
        return { ok: false as const, code: err.code ?? 'internal', message: err.message ?? String(e) };
      }
    },
    [contract, method, params] as const,
  );
  if (!r.ok) throw Object.assign(new Error(`${method}: ${r.code}: ${r.message}`), { code: r.code });
  return r.value as T;
}
