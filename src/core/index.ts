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
export type { EngineEvent, Timer } from './engine-types';
export type { Clock } from './vault/core';
export type { RandomSource } from './crypto/random';
export { DEFAULT_ARGON2ID, type Argon2idInput, type Argon2idParams, type Kdf } from './crypto/kdf';
export type { VaultStore, WriteBatch } from './store/store';
export { vaultDumpSchema, DUMP_FORMAT, DUMP_VERSION, type VaultDump } from './store/dump';
export { engineMainHandlers, engineUiHandlers, forwardEngineEvents } from './vault/rpc-handlers';
export { createDefaultSlotRegistry, SlotRegistry, openSlot, sealSlot, slotDigestValid, type KeySlotKind, type NewSlot, type SlotContext } from './vault/slots';
export type { RotationInputs } from './vault/rotate';
export type { IntegrityIssue } from './vault/session';
