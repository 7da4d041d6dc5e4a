/**
 * Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2, same as RFC 6962):
 * leaf hash SHA-256(0x00 || data), node hash SHA-256(0x01 || left || right), the
 * root of n > 1 leaves splits at k = the largest power of two below n. Audit leaves are
 * the 32-byte record hashes in the order the server accepted them.
 *
 * Proof generation takes the full list of leaf hashes (the server holds them);
 * verification needs only the proof, sizes and roots (a client or the CLI).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual as equalBytes } from '../crypto/bytes';

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** SHA-256(0x00 || data). */
export function merkleLeafHash(data: Uint8Array): Uint8Array {
  return sha256.create().update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right). */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256.create().update(NODE_PREFIX).update(left).update(right).digest();
}

/** Root of the empty tree: SHA-256 of the empty string. */
export function emptyTreeRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** Largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mth(leaves: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 0) return emptyTreeRoot();
  if (n === 1) return leaves[lo]!;
  const k = splitPoint(n);
  return merkleNodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

function checkSize(size: number, max: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > max) throw new RangeError(`${what} ${size} is out of range 0..${max}`);
}

/** Merkle Tree Hash of the first `size` leaf hashes (default: all). */
export function merkleRoot(leafHashes: readonly Uint8Array[], size = leafHashes.length): Uint8Array {
  checkSize(size, leafHashes.length, 'tree size');
  return mth(leafHashes, 0, size);
}

/** RFC 9162 §2.1.3.1 inclusion path for leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number, size = leafHashes.length): Uint8Array[] {
  checkSize(size, leafHashes.length, 'tree size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf index ${index} is not below tree size ${size}`);
  const path: Uint8Array[] = [];
  const walk = (m: number, lo: number, hi: number): void => {
    const n = hi - lo;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, lo, lo + k);
      path.push(mth(leafHashes, lo + k, hi));
    } else {
      walk(m - k, lo + k, hi);
      path.push(mth(leafHashes, lo, lo + k));
    }
  };
  walk(index, 0, size);
  return path;
}

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = merkleNodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = merkleNodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

/** RFC 9162 §2.1.4.1 consistency proof from the tree of `oldSize` leaves to that of `newSize`. */
export function consistencyProof(leafHashes: readonly Uint8Array[], oldSize: number, newSize = leafHashes.length): Uint8Array[] {
  checkSize(newSize, leafHashes.length, 'tree size');
  checkSize(oldSize, newSize, 'old tree size');
  if (oldSize === 0 || oldSize === newSize) return [];
  const proof: Uint8Array[] = [];
  const sub = (m: number, lo: number, hi: number, whole: boolean): void => {
    const n = hi - lo;
    if (m === n) {
      if (!whole) proof.push(mth(leafHashes, lo, hi));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, lo, lo + k, whole);
      proof.push(mth(leafHashes, lo + k, hi));
    } else {
      sub(m - k, lo + k, hi, false);
      proof.push(mth(leafHashes, lo, lo + k));
    }
  };
  sub(oldSize, 0, newSize, true);
  return proof;
}

function isPowerOfTwo(n: number): boolean {
  // Sizes exceed 32 bits in principle, so no bitwise tricks.
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

/** RFC 9162 §2.1.4.2: does the tree with `newRoot` extend the one with `oldRoot`? */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0; // the empty tree is a prefix of every tree
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = merkleNodeHash(c, fr);
      sr = merkleNodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = merkleNodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}

/**
 * Incremental root for a growing log (the server): keeps only the roots of the
 * perfect subtrees along the right edge (at most log2(n) hashes), so appending is
 * O(log n) and the root of the current size is O(log n).
 */
export class MerkleAccumulator {
  // stack[i] is the root of a perfect subtree; sizes strictly decrease left to right.
  private readonly stack: { hash: Uint8Array; size: number }[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends a leaf hash (already 0x00-prefixed and hashed: see merkleLeafHash). */
  push(leafHash: Uint8Array): void {
    let node = { hash: leafHash, size: 1 };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === node.size) {
      const left = this.stack.pop()!;
      node = { hash: merkleNodeHash(left.hash, node.hash), size: left.size * 2 };
    }
    this.stack.push(node);
    this.count++;
  }

  root(): Uint8Array {
    if (this.stack.length === 0) return emptyTreeRoot();
    // RFC 9162 splits off the largest perfect left subtree first, so folding the
    // right-edge subtrees from the smallest (rightmost) up gives the same root.
    let h = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) h = merkleNodeHash(this.stack[i]!.hash, h);
    return h;
  }
}
