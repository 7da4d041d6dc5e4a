/**
 * Public surface of the vault engine (src/core). Composition roots (engine worker,
 * Node worker for tests, bench) build it with platform adapters:
 *
 *   import { createEngine } from 'src/core';
 *   import { createDexieStore } from 'src/core/store/store.dexie';
 *   import { createWebCryptoRandom } from 'src/core/crypto/random.browser';
 *   import { createBrowserArgon2Kdf } from 'src/core/crypto/kdf.argon2.browser';   // or src/node/kdf.argon2.node
 *   const engine = createEngine({ store: createDexieStore(), kdf: createBrowserArgon2Kdf(),
 *     random: createWebCryptoRandom(), timer: { set: (f, ms) => setTimeout(f, ms), clear: (h) => clearTimeout(h as number) },
 *     audit: chain /* AuditSink *\/ });
 */
export { createEngine, type Engine, type EngineDeps } from './engine';
export type { EngineEvent } from './engine-types';
export { engineMainHandlers, engineUiHandlers, forwardEngineEvents, type SyncControl } from './vault/rpc-handlers';
export { createDefaultSlotRegistry, type KeySlotKind } from './vault/slots';
