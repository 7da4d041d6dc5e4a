/**
 * Property: any valid item (random kinds, unicode text, custom fields) survives
 * create -> lock -> unlock -> get/reveal exactly, and the UI view never contains a
 * concealed value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ItemDraft } from '../../../src/shared/items';
import { makeHarness, PASSWORD } from './helpers';

const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
const secret = fc.string({ unit: 'grapheme', minLength: 6, maxLength: 40 }).map((s) => `S3CR3T:${s}`);
// (login passwords and API secrets: checked by marker below)
// Concealed values carry a unique marker so "the view never contains it" cannot be fooled by another field's text.
const custom = fc
  .array(fc.record({ id: fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), name: text(20).map((s) => `n${s}`), concealed: fc.boolean(), value: text(30) }), { maxLength: 3 })
  .map((fs) => fs.filter((f, i) => fs.findIndex((g) => g.id === f.id) === i).map((f, i) => ({ ...f, value: f.concealed ? `CONCEALED${i}#${f.value}` : `plain:${f.value}` })));
const draft: fc.Arbitrary<ItemDraft> = fc.oneof(
  fc.record({ t: text(30), u: text(20), p: secret, cf: custom }).map(({ t, u, p, cf }) => ({
    overview: { kind: 'login' as const, title: `L${t}`, username: u, urls: ['https://x.example'], tags: [] },
    details: { kind: 'login' as const, password: p, customFields: cf },
  })),
  fc.record({ t: text(30), s: secret, cf: custom }).map(({ t, s, cf }) => ({
    overview: {
      kind: 'api_credential' as const,
      title: `A${t}`,
      urls: [],
      tags: ['t'],
      description: t,
      injection: { type: 'query' as const, param: 'key' },
      allowedOrigins: ['https://api.example.com'],
    },
    details: { kind: 'api_credential' as const, secret: s, customFields: cf },
  })),
  fc.record({ t: text(30), n: text(200), cf: custom }).map(({ t, n, cf }) => ({
    overview: { kind: 'secure_note' as const, title: `N${t}`, urls: [], tags: [] },
    details: { kind: 'secure_note' as const, text: n, customFields: cf },
  })),
);

describe('items round-trip exactly through storage and unlock', () => {
  it('for random items', { timeout: 120_000 }, async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    await fc.assert(
      fc.asyncProperty(fc.array(draft, { minLength: 1, maxLength: 4 }), async (drafts) => {
        const made = [];
        for (const d of drafts) made.push({ d, s: await h.engine.createItem(d) });
        h.engine.lock();
        await h.engine.unlockWithPassword(PASSWORD);
        for (const { d, s } of made) {
          const v = await h.engine.getItem(s.id);
          expect(v.overview).toEqual(d.overview);
          const shown = JSON.stringify(v);
          for (const f of d.details.customFields) {
            if (f.concealed) expect(shown).not.toContain(`CONCEALED`);
            expect(await h.engine.revealField(s.id, `custom:${f.id}`, 'reveal')).toBe(f.value);
          }
          if (d.details.kind === 'login') {
            expect(shown).not.toContain('S3CR3T:');
            expect(await h.engine.revealField(s.id, 'password', 'reveal')).toBe(d.details.password);
          }
          if (d.details.kind === 'api_credential') expect((await h.engine.useCredential(s.id)).secret).toBe(d.details.secret);
          if (d.details.kind === 'secure_note') expect(v.details).toMatchObject({ kind: 'secure_note', text: d.details.text });
        }
      }),
      { numRuns: 25 },
    );
  });
});
