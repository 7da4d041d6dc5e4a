/**
 * RFC 9162 Merkle trees: known roots (the Certificate Transparency reference vectors
 * for RFC 6962, which RFC 9162 keeps), and an independent computation — a naive
 * implementation written straight from the RFC's recursive definitions with Node's
 * SHA-256 — that every root and proof is checked against.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { MerkleAccumulator, consistencyProof, inclusionProof, merkleLeafHash, merkleRoot, verifyConsistency, verifyInclusion } from '../../../src/core/audit';

// ---- the independent reference (RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 as written) ----
const h = (...parts: Uint8Array[]): Uint8Array => {
  const x = createHash('sha256');
  for (const p of parts) x.update(p);
  return new Uint8Array(x.digest());
};
const k = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
const MTH = (d: Uint8Array[]): Uint8Array =>
  d.length === 0 ? h() : d.length === 1 ? h(Uint8Array.of(0), d[0]!) : h(Uint8Array.of(1), MTH(d.slice(0, k(d.length))), MTH(d.slice(k(d.length))));
const PATH = (m: number, d: Uint8Array[]): Uint8Array[] => {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s ? [...PATH(m, d.slice(0, s)), MTH(d.slice(s))] : [...PATH(m - s, d.slice(s)), MTH(d.slice(0, s))];
};
const SUBPROOF = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
  if (m === d.length) return b ? [] : [MTH(d)];
  const s = k(d.length);
  return m <= s ? [...SUBPROOF(m, d.slice(0, s), b), MTH(d.slice(s))] : [...SUBPROOF(m - s, d.slice(s), false), MTH(d.slice(0, s))];
};

// CT reference inputs and roots (certificate-transparency merkle tree test vectors).
const INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((x) => hexToBytes(x));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const leavesOf = (d: Uint8Array[]) => d.map(merkleLeafHash);
const data = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => Uint8Array.of(i & 0xff, i >> 8, 7));

describe('RFC 9162 Merkle tree', () => {
  it('matches the CT reference roots for sizes 0..8', () => {
    for (let n = 0; n <= 8; n++) expect(bytesToHex(merkleRoot(leavesOf(INPUTS.slice(0, n))))).toBe(ROOTS[n]);
  });

  it('the naive RFC reference agrees with the CT roots (so it can judge the rest)', () => {
    for (let n = 0; n <= 8; n++) expect(bytesToHex(MTH(INPUTS.slice(0, n)))).toBe(ROOTS[n]);
  });

  it('roots, inclusion paths and consistency proofs equal the reference for every size up to 24', () => {
    const d = data(24);
    const leaves = leavesOf(d);
    for (let n = 0; n <= 24; n++) {
      expect(bytesToHex(merkleRoot(leaves, n))).toBe(bytesToHex(MTH(d.slice(0, n))));
      for (let m = 0; m < n; m++) {
        expect(inclusionProof(leaves, m, n).map(bytesToHex)).toEqual(PATH(m, d.slice(0, n)).map(bytesToHex));
      }
      for (let m = 1; m < n; m++) {
        expect(consistencyProof(leaves, m, n).map(bytesToHex)).toEqual(SUBPROOF(m, d.slice(0, n), true).map(bytesToHex));
      }
    }
  });

  it('verifies every honest inclusion proof and refuses it for another leaf, index or root', () => {
    const leaves = leavesOf(data(33));
    for (let n = 1; n <= 33; n++) {
      const root = merkleRoot(leaves, n);
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(leaves, m, n);
        expect(verifyInclusion(leaves[m]!, m, n, proof, root)).toBe(true);
        if (n > 1) {
          expect(verifyInclusion(leaves[(m + 1) % n]!, m, n, proof, root)).toBe(false);
          expect(verifyInclusion(leaves[m]!, (m + 1) % n, n, proof, root)).toBe(false);
        }
        expect(verifyInclusion(leaves[m]!, m, n, proof, merkleRoot(leaves, n === 33 ? 32 : n + 1))).toBe(false);
      }
    }
    expect(verifyInclusion(leaves[0]!, 5, 5, [], merkleRoot(leaves, 5))).toBe(false);
  });

  it('verifies consistency between every pair of sizes and refuses a tree that rewrote history', () => {
    const d = data(30);
    const leaves = leavesOf(d);
    const forged = leaves.slice();
    forged[3] = merkleLeafHash(Uint8Array.of(0xff));
    for (let n = 1; n <= 30; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(leaves, m, n);
        expect(verifyConsistency(m, n, merkleRoot(leaves, m), merkleRoot(leaves, n), proof)).toBe(true);
        if (m > 3 && m < n) {
          // A new head over a log whose leaf 3 changed is not an extension of the old head.
          expect(verifyConsistency(m, n, merkleRoot(leaves, m), merkleRoot(forged, n), consistencyProof(forged, m, n))).toBe(false);
        }
        if (m > 0 && m < n && proof.length > 0) {
          const bad = proof.slice();
          bad[0] = merkleLeafHash(Uint8Array.of(1, 2, 3));
          expect(verifyConsistency(m, n, merkleRoot(leaves, m), merkleRoot(leaves, n), bad)).toBe(false);
        }
      }
    }
  });

  it('the incremental accumulator gives the same root as the full tree at every size', () => {
    const leaves = leavesOf(data(100));
    const acc = new MerkleAccumulator();
    expect(bytesToHex(acc.root())).toBe(ROOTS[0]);
    for (let n = 1; n <= 100; n++) {
      acc.push(leaves[n - 1]!);
      expect(bytesToHex(acc.root())).toBe(bytesToHex(merkleRoot(leaves, n)));
    }
  });

  it('leaf and node hashes are domain-separated (a node cannot pose as a leaf)', () => {
    const leaves = leavesOf(data(2));
    const root = merkleRoot(leaves);
    // Second-preimage attempt: present the concatenated children as one leaf's data.
    const fakeLeaf = merkleLeafHash(new Uint8Array([...leaves[0]!, ...leaves[1]!]));
    expect(bytesToHex(merkleRoot([fakeLeaf]))).not.toBe(bytesToHex(root));
  });
});
