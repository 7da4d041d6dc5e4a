/**
 * Node side of the "same vault in Node and Chromium" test (the Chromium side lives
 * with the UI's e2e tests). A vault is carried between runtimes as the documented
 * JSON dump (docs/vault-format.md §6).
 *
 *   const fx = await writeNodeVault();            // Node: create + fill + dump
 *   ...load fx.dump in Chromium, unlock with fx.password, check fx.expected...
 *   await verifyDumpInNode(dumpFromChromium, fx.password, expectedFromChromium);
 */
import 'fake-indexeddb/auto';
import { createEngine } from '../../../src/core';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';
import { vaultDumpSchema, type VaultDump } from '../../../src/core/store/dump';
import { createDexieStore } from '../../../src/core/store/store.dexie';
import type { FieldRef, ItemDraft } from '../../../src/shared/items';
import { freshDbName, TEST_KDF } from './helpers';

export interface ExpectedItem {
  readonly id: string;
  readonly title: string;
  readonly field: FieldRef;
  readonly secret: string;
}

export interface NodeVaultFixture {
  readonly dump: VaultDump;
  readonly password: string;
  readonly recoveryCode: string;
  readonly expected: ExpectedItem[];
}

function nodeEngine(name = freshDbName()) {
  const store = createDexieStore({ name });
  return { store, engine: createEngine({ store, kdf: createNodeArgon2Kdf(), random: createWebCryptoRandom(), passwordKdf: TEST_KDF, allowWeakKdfForTesting: true }) };
}

/** Creates a vault under Node with `count` items of every kind and returns its dump. */
export async function writeNodeVault(password = 'cross runtime password', count = 3): Promise<NodeVaultFixture> {
  const { store, engine } = nodeEngine();
  const { recoveryCode } = await engine.createVault(password);
  const expected: ExpectedItem[] = [];
  for (let i = 0; i < count; i++) {
    const secret = `secret-${i}-${'x'.repeat(i)}-é`;
    const drafts: [ItemDraft, FieldRef][] = [
      [
        { overview: { kind: 'login', title: `Login ${i}`, urls: [`https://site${i}.example`], tags: [] }, details: { kind: 'login', password: secret, customFields: [] } },
        'password',
      ],
      [
        {
          overview: {
            kind: 'api_credential',
            title: `API ${i}`,
            urls: [],
            tags: [],
            description: 'd',
            injection: { type: 'header', name: 'X-Api-Key', template: 'Key {secret}' },
            allowedOrigins: ['https://api.example.com'],
          },
          details: { kind: 'api_credential', secret, customFields: [] },
        },
        'secret',
      ],
    ];
    for (const [d, field] of drafts) {
      const s = await engine.createItem(d);
      expected.push({ id: s.id, title: s.overview.title, field, secret });
    }
  }
  const dump = await store.dumpRecords();
  engine.lock();
  store.close();
  return { dump, password, recoveryCode, expected };
}

/** Loads a dump (e.g. written by Chromium) into a fresh Node store, unlocks it and checks every expected item. */
export async function verifyDumpInNode(dumpJson: unknown, password: string, expected: readonly ExpectedItem[]): Promise<void> {
  const dump = vaultDumpSchema.parse(dumpJson);
  const { store, engine } = nodeEngine();
  try {
    await engine.loadRecords(dump);
    await engine.unlockWithPassword(password);
    const status = await engine.status();
    if (status.issues?.length) throw new Error(`integrity issues: ${JSON.stringify(status.issues)}`);
    for (const e of expected) {
      const v = await engine.getItem(e.id);
      if (v.overview.title !== e.title) throw new Error(`item ${e.id}: title ${v.overview.title} != ${e.title}`);
      if ((await engine.revealField(e.id, e.field, 'reveal')) !== e.secret) throw new Error(`item ${e.id}: secret differs`);
    }
    if (engine.listItems().length !== expected.length) throw new Error('item count differs');
  } finally {
    engine.lock();
    store.close();
  }
}
