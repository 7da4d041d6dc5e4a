/**
 * Main's echo guard asks the engine's one vault-wide scan (`results.scrub` with
 * `echoOf`) which texts may hold the credential it injected, and runs its own
 * one-secret check only on those. So `echoIn` must never miss a text that holds that
 * value in any form the one-secret check finds (raw, encoded, escaped, folded, spaced,
 * reversed, UTF-16, base64/hex at any offset, combinations, a cut prefix): tried here
 * against main's own check on every text. It must also narrow: a text holding only
 * ANOTHER vault secret (redacted all the same) is not named, so main scans nothing.
 */
import { describe, expect, it } from 'vitest';
import { holdsSecret } from '../../../src/main/gateway/tools/echo-guard';
import { makeHarness, PASSWORD } from './helpers';

const INJECTED = 'lk_live_9fQ2xZ7pLm3NcVb8RtYw4KaE';
const OTHER = 'other-secret-Qm7Zr2Xw9Lp4Ks8Vn3';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const reverse = (s: string): string => [...s].reverse().join('');
const FORMS: Record<string, (s: string) => string> = {
  raw: (s) => s,
  pctAll: (s) => [...bytes(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  uEscapes: (s) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  xEscapes: (s) => [...s].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
  htmlDec: (s) => [...s].map((c) => `&#${c.charCodeAt(0)};`).join(''),
  json2: (s) => JSON.stringify(JSON.stringify(s)),
  upper: (s) => s.toUpperCase(),
  spaced: (s) => [...s].join(' '),
  dashed: (s) => [...s].join('-'),
  reversed: reverse,
  utf16le: (s) => Buffer.from(s, 'utf16le').toString('latin1'),
  b64: (s) => bytes(s).toString('base64'),
  b64at1: (s) => bytes(`a${s}`).toString('base64'),
  b64at2: (s) => bytes(`ab${s}`).toString('base64url'),
  hex: (s) => bytes(s).toString('hex'),
  mime: (s) =>
    bytes(s)
      .toString('base64')
      .replace(/(.{16})/g, '$1\r\n'),
  b64OfReversed: (s) => bytes(reverse(s)).toString('base64'),
  pctOfB64: (s) => encodeURIComponent(bytes(s).toString('base64')).replace(/[A-Za-z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16)}`),
  hexOfSpaced: (s) => bytes([...s].join(' ')).toString('hex'),
};

async function engineWith() {
  const h = makeHarness();
  await h.engine.createVault(PASSWORD);
  const api = await h.engine.createItem({
    overview: { kind: 'api_credential', title: 'Injected', urls: [], tags: [], description: 'x', injection: { type: 'bearer' }, allowedOrigins: ['https://api.example.com'] },
    details: { kind: 'api_credential', secret: INJECTED, customFields: [] },
  });
  await h.engine.createItem({
    overview: { kind: 'login', title: 'Other', username: 'bob', urls: [], tags: [] },
    details: { kind: 'login', password: OTHER, customFields: [] },
  });
  return { h, itemId: api.id };
}

describe("the engine's scrub answers main's echo guard", () => {
  it('names every text holding the injected value in any form, and agrees with the one-secret check on every text', async () => {
    const { h, itemId } = await engineWith();
    const texts: string[] = [];
    for (const f of Object.values(FORMS)) {
      texts.push(`{"debug":"${f(INJECTED)}","user":"alice"}`);
      texts.push(`{"other":"${f(OTHER)}","user":"alice"}`);
    }
    texts.push('{"ok":true,"items":[1,2,3]}');
    const r = await h.engine.scrubResults(texts, undefined, itemId);
    expect(r.echoIn).toBeDefined();
    for (let i = 0; i < texts.length; i++) {
      // Never missed: where main's own check finds the injected value, the engine named the text.
      if (holdsSecret(INJECTED, [{ text: texts[i]! }])) expect(r.echoIn, `text ${i}: ${texts[i]!.slice(0, 60)}`).toContain(i);
    }
    // Every injected form is found (and named); no text with only the other secret or nothing is.
    const injected = texts.map((_, i) => i).filter((i) => i % 2 === 0 && i < 2 * Object.keys(FORMS).length);
    expect(r.echoIn).toEqual(injected);
    // The other secret's texts were still redacted.
    for (let i = 1; i < 2 * Object.keys(FORMS).length; i += 2) expect(r.redacted).toContain(i);
    h.store.close();
  });

  it("names a cut text whose end holds a prefix of some secret (the prefix index does not know whose) and main's check decides", async () => {
    const { h, itemId } = await engineWith();
    const texts = [`{"debug":"${INJECTED.slice(0, 12)}`, `{"other":"${OTHER.slice(0, 12)}`, '{"ok":true'];
    const r = await h.engine.scrubResults(texts, [true, true, true], itemId);
    expect(r.echoIn).toEqual([0, 1]);
    expect(holdsSecret(INJECTED, [{ text: texts[0]!, truncated: true }])).toBe(true);
    expect(holdsSecret(INJECTED, [{ text: texts[1]!, truncated: true }])).toBe(false);
    h.store.close();
  });

  it('falls back to every redacted text for an item that is not an API credential in the matcher', async () => {
    const { h } = await engineWith();
    const texts = [`a ${OTHER} b`, 'clean'];
    const r = await h.engine.scrubResults(texts, undefined, 'it_00000000000000000000000000');
    expect(r.echoIn).toEqual(r.redacted);
    expect(r.echoIn).toEqual([0]);
    h.store.close();
  });
});
