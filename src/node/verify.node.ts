/**
 * Ed25519 verification through node:crypto (OpenSSL) for Node-only callers — the org
 * server on upload and the CLI — which verify far more records than a device signs.
 * Several times faster than pure JS (docs/performance.md, "Audit"). Same interface as
 * nobleEd25519Verify, so callers inject it: `verifyChain(rows, { …, verifier })`.
 */
import { createPrivateKey, createPublicKey, hash, sign, verify, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BatchSignatureVerifier, SignatureCheck } from '../core/audit/chain';
import type { AuditSigner, SignatureVerifier } from '../core/audit/signer';

// DER SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410): the raw 32 bytes follow.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// DER PKCS#8 header for an Ed25519 private key (RFC 8410): the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * An AuditSigner on node:crypto for Node processes (main, server, tools): same keys and
 * signatures as createEd25519Signer (Ed25519 is deterministic), several times faster.
 * The seed is copied into an OpenSSL key object; the caller wipes its own copy.
 */
export function createNodeEd25519Signer(secretKey: Uint8Array): AuditSigner {
  if (secretKey.length !== 32) throw new RangeError('An Ed25519 secret key is 32 bytes.');
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, secretKey]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return {
    publicKey: new Uint8Array(spki.subarray(ED25519_SPKI_PREFIX.length)),
    sign: (message) => new Uint8Array(sign(null, message, key)),
  };
}

/** Hex SHA-256 of a text's UTF-8 bytes through OpenSSL (audit record hashes): several times faster than pure JS on a record. */
export const nodeSha256 = (text: string): string => hash('sha256', text, 'hex');

/** A verifier that caches one KeyObject per public key (a few devices sign thousands of records). */
export function createNodeEd25519Verifier(maxCachedKeys = 4096): SignatureVerifier {
  const cache = new Map<string, KeyObject>();
  const keyObject = (publicKey: Uint8Array): KeyObject => {
    const id = Buffer.from(publicKey).toString('hex');
    let key = cache.get(id);
    if (!key) {
      if (cache.size >= maxCachedKeys) cache.clear();
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
      cache.set(id, key);
    }
    return key;
  };
  return (signature, message, publicKey) => {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    try {
      return verify(null, message, keyObject(publicKey), signature);
    } catch {
      return false;
    }
  };
}

/**
 * The worker's whole program (eval'd, so it needs no loader for TypeScript): verify
 * packed Ed25519 checks with node:crypto and answer one byte per check.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const prefix = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
parentPort.on('message', ({ id, sigs, pks, msgs, offsets }) => {
  const n = offsets.length - 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const pk = pks.subarray(i * 32, i * 32 + 32);
    const hex = Buffer.from(pk).toString('hex');
    let key = keys.get(hex);
    try {
      if (!key) { if (keys.size > 4096) keys.clear(); key = createPublicKey({ key: Buffer.concat([prefix, pk]), format: 'der', type: 'spki' }); keys.set(hex, key); }
      out[i] = verify(null, msgs.subarray(offsets[i], offsets[i + 1]), key, sigs.subarray(i * 64, i * 64 + 64)) ? 1 : 0;
    } catch { out[i] = 0; }
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;

export interface ParallelEd25519Verifier {
  readonly verifyMany: BatchSignatureVerifier;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

/**
 * A pool of worker threads verifying Ed25519 signatures (for verifyChainBatched):
 * Ed25519 verification dominates the cost of checking a chain and parallelises
 * perfectly, since each record's signature is independent of the others.
 */
export function createParallelEd25519Verifier(threads = Math.max(1, availableParallelism())): ParallelEd25519Verifier {
  const workers = Array.from({ length: threads }, () => {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    return w;
  });
  const waiting = new Map<number, { resolve(out: Uint8Array): void; reject(e: Error): void }>();
  let failed: Error | undefined;
  // A dead worker fails every outstanding check rather than leaving callers waiting forever.
  const failAll = (e: Error) => {
    failed = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  for (const w of workers) {
    w.on('message', (m: { id: number; out: Uint8Array }) => {
      waiting.get(m.id)?.resolve(m.out);
      waiting.delete(m.id);
    });
    w.on('error', () => failAll(new Error('A signature verification worker failed.')));
    w.on('exit', () => failAll(new Error('A signature verification worker stopped.')));
  }
  let nextId = 0;
  let nextWorker = 0;

  async function verifyChunk(items: readonly SignatureCheck[]): Promise<boolean[]> {
    if (failed) throw failed;
    const sigs = new Uint8Array(items.length * 64);
    const pks = new Uint8Array(items.length * 32);
    const offsets = new Uint32Array(items.length + 1);
    let total = 0;
    items.forEach((it, i) => {
      offsets[i] = total;
      total += it.message.length;
    });
    offsets[items.length] = total;
    const msgs = new Uint8Array(total);
    items.forEach((it, i) => {
      // A wrong-length signature or key can never verify; zeros keep the packing fixed-width.
      if (it.signature.length === 64) sigs.set(it.signature, i * 64);
      if (it.publicKey.length === 32) pks.set(it.publicKey, i * 32);
      msgs.set(it.message, offsets[i]);
    });
    const id = nextId++;
    const worker = workers[nextWorker++ % workers.length]!;
    const out = await new Promise<Uint8Array>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, sigs, pks, msgs, offsets }, [sigs.buffer, pks.buffer, msgs.buffer, offsets.buffer]);
    });
    return items.map((it, i) => out[i] === 1 && it.signature.length === 64 && it.publicKey.length === 32);
  }

  return {
    verifyMany: verifyChunk,
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
