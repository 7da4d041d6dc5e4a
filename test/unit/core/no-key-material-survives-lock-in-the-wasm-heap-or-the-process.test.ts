/**
 * Nothing that derives the vault key survives lock (issue 9 item 4):
 * - the WASM heap argon2id ran in holds neither the password nor the argon2id output
 *   after a hash — argon2-browser's own hash() is shown leaving both there, so the
 *   scan is one that finds them;
 * - in a real engine process (a child Node run with the V8 flags the app gives its
 *   renderers, ENGINE_JS_FLAGS), after lock, /proc/<pid>/mem holds none of: the argon2id
 *   output, the KEK, VK, the four subkeys derived from VK, the head key's HMAC pads, nor
 *   the key of an item that was viewed, revealed and released —
 *   and while unlocked the same scan FINDS VK, so a scan that sees nothing is not blind;
 * - without those flags, the copies @noble/ciphers makes of every ChaCha key are still
 *   found after lock (what the flags are for);
 * - with argon2-browser's own hash() (LK_OLD_KDF=1, the pre-fix path) the argon2id
 *   output is still found after lock.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromBase64url, utf8ToBytes } from '../../../src/core/crypto/bytes';
import { deriveKey } from '../../../src/core/crypto/hkdf';
import type { SlotRecord } from '../../../src/core/store/records';
import { openItemKey } from '../../../src/core/vault/item-codec';
import { deriveVaultKeys } from '../../../src/core/vault/keys';
import { openSlot } from '../../../src/core/vault/slots';
import { passwordSlotParams } from '../../../src/core/vault/slots/password';
import { ENGINE_JS_FLAGS } from '../../../src/main/app/security';
import { argon2ModuleForTests, createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';

/**
 * The middle 16 bytes of a secret: free() writes list pointers over the first bytes
 * of a freed block and a size over its last, so a whole-secret search would miss
 * what a freed buffer still holds.
 */
const tail = (b: Uint8Array) => b.slice(8, 24);

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Buffer.from(tail(needle))) >= 0;
}

describe('the WASM heap after argon2id', () => {
  it("argon2-browser's own hash() leaves the output and password on the heap; ours leaves neither", async () => {
    const mod = await argon2ModuleForTests();
    const lib = createRequire(import.meta.url)('argon2-browser') as { hash(p: object): Promise<{ hash: Uint8Array }> };
    const pass = utf8ToBytes('a password only this test knows 1');
    const old = await lib.hash({ pass, salt: new Uint8Array(16).fill(1), time: 1, mem: 64, hashLen: 32, parallelism: 1, type: 2 });
    expect(contains(mod.HEAPU8, old.hash)).toBe(true);
    expect(contains(mod.HEAPU8, pass)).toBe(true);

    const pass2 = utf8ToBytes('a password only this test knows 2');
    const out = await createNodeArgon2Kdf().argon2id({ password: pass2, salt: new Uint8Array(16).fill(2), memoryKiB: 64, iterations: 1, parallelism: 1, hashLength: 32 });
    expect(out).toHaveLength(32);
    expect(contains(mod.HEAPU8, out)).toBe(false);
    expect(contains(mod.HEAPU8, pass2)).toBe(false);
  });
});

/** Every readable, writable mapping of `pid`, searched for each needle. */
function scanProcess(pid: number, needles: Record<string, Uint8Array>): string[] {
  const found = new Set<string>();
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (r.)/.exec(line);
      if (!m || m[3] !== 'rw') continue;
      const start = parseInt(m[1]!, 16);
      const end = parseInt(m[2]!, 16);
      const CHUNK = 8 * 1024 * 1024;
      const buf = Buffer.alloc(CHUNK + 64);
      for (let at = start; at < end; at += CHUNK) {
        const len = Math.min(CHUNK + 64, end - at);
        let n = 0;
        try {
          n = readSync(fd, buf, 0, len, at);
        } catch {
          continue;
        }
        const view = buf.subarray(0, n);
        for (const [name, needle] of Object.entries(needles)) if (view.indexOf(Buffer.from(tail(needle))) >= 0) found.add(name);
      }
    }
  } finally {
    closeSync(fd);
  }
  return [...found].sort();
}

async function runChild(
  env: Record<string, string>,
  v8Flags = ENGINE_JS_FLAGS.split(' '),
): Promise<{ child: ChildProcessWithoutNullStreams; first: string; next: () => Promise<string> }> {
  const script = fileURLToPath(new URL('./fixtures/unlock-then-lock-child.ts', import.meta.url));
  // `--import tsx` keeps the script in THIS process (the tsx CLI would run it in a grandchild).
  const child = spawn(process.execPath, [...v8Flags, '--import', 'tsx', script], { env: { ...process.env, ...env }, cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
  let buf = '';
  const waiting: ((l: string) => void)[] = [];
  const lines: string[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const l = lines.shift();
      if (l !== undefined) return resolve(l);
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
  return { child, first: await next(), next };
}

async function needlesFrom(first: string): Promise<Record<string, Uint8Array>> {
  const info = JSON.parse(first) as {
    vaultId: string;
    password: string;
    slot: Omit<SlotRecord, 'wrappedKey' | 'digest'> & { wrappedKey: string; digest: string };
    item: { id: string; version: number; key: string };
  };
  const slot: SlotRecord = { ...info.slot, wrappedKey: fromBase64url(info.slot.wrappedKey), digest: fromBase64url(info.slot.digest) };
  const { salt, ...p } = passwordSlotParams(slot);
  const master = await createNodeArgon2Kdf().argon2id({ ...p, password: utf8ToBytes(info.password), salt, hashLength: 32 });
  const kek = deriveKey(master, salt, 'password-kek');
  const vk = openSlot(info.vaultId, slot, kek);
  const k = deriveVaultKeys(Uint8Array.from(vk), info.vaultId);
  const empty = new Uint8Array(0);
  const itemKey = openItemKey(k.itemWrap, info.vaultId, { id: info.item.id, version: info.item.version, key: fromBase64url(info.item.key), overview: empty, details: empty });
  // HMAC keeps key XOR ipad / opad (RFC 2104): each is as good as the key.
  const pad = (key: Uint8Array, b: number) => key.map((x) => x ^ b);
  return {
    argon2idOutput: master,
    kek,
    vk,
    itemWrapKey: k.itemWrap,
    pageKey: k.page,
    settingsKey: k.settings,
    headKey: k.head,
    headKeyIpad: pad(k.head, 0x36),
    headKeyOpad: pad(k.head, 0x5c),
    itemKey,
  };
}

/** Runs the child, locks it and returns what the scan finds then (and, if asked, while unlocked). */
async function scanAroundLock(env: Record<string, string>, v8Flags?: string[]): Promise<{ unlocked: string[]; locked: string[] }> {
  const { child, first, next } = await runChild(env, v8Flags);
  try {
    const needles = await needlesFrom(first);
    const unlocked = scanProcess(child.pid!, needles);
    child.stdin.write('lock\n');
    expect(await next()).toBe('locked');
    return { unlocked, locked: scanProcess(child.pid!, needles) };
  } finally {
    child.kill();
  }
}

describe('a real engine process after lock', () => {
  it(
    'holds VK while unlocked (the scan sees it), and after lock no copy of the argon2id output, KEK, VK, the keys derived from VK, their HMAC pads or an item key',
    { timeout: 120_000 },
    async () => {
      const { unlocked, locked } = await scanAroundLock({});
      expect(unlocked).toContain('vk');
      expect(locked).toEqual([]);
    },
  );

  it("without the app's V8 flags, the library's copies of the ChaCha keys are still there after lock", { timeout: 120_000 }, async () => {
    // Every key used as a ChaCha key (so each needle is one the scan can find).
    expect((await scanAroundLock({}, [])).locked).toEqual(expect.arrayContaining(['kek', 'pageKey', 'itemWrapKey', 'itemKey']));
  });

  it("with argon2-browser's own hash() (the pre-fix path) the argon2id output is still in memory after lock", { timeout: 120_000 }, async () => {
    expect((await scanAroundLock({ LK_OLD_KDF: '1' })).locked).toContain('argon2idOutput');
  });
});
