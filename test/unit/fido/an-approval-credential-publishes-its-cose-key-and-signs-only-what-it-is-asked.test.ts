/**
 * Approval credentials (docs/hardware-key.md §8) through the real FIDO service and
 * CTAPHID to the software authenticator: enrolment returns the attested COSE key as the
 * published JWK members, and an approval is an assertion over exactly the client data
 * hash asked for that verifies under that key (and under no other hash). A COSE key of
 * another type, algorithm or curve, or a point off the curve, is refused as device data.
 */
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { checkTouch, approvalClientDataHash } from '../../../src/core/audit/receipt';
import { approvalKeyFromCose } from '../../../src/main/fido/approval-assertion';
import { toBase64url } from '../../../src/shared/encoding/base64url';
import { LatchkeyError } from '../../../src/shared/errors';
import { makeKey, makeService, random } from './helpers';

const DIGEST_A = 'aa'.repeat(32);
const DIGEST_B = 'bb'.repeat(32);

describe('an approval credential publishes its COSE key and signs only what it is asked', () => {
  it('enrols, approves over the digest, and the assertion verifies for that digest only', async () => {
    const key = makeKey('k1');
    const { service } = makeService([key]);
    const published = await service.enrolApproval({ userId: random(16), userName: 'Latchkey approvals', exclude: [], uv: false });
    expect(published).toMatchObject({ alg: -7, rpId: 'latchkey.local', publicKey: { kty: 'EC', crv: 'P-256' } });
    const cred = key.authenticator.state.credentials.at(-1)!;
    const pub = p256.getPublicKey(cred.privateKey, false);
    expect(published.publicKey).toEqual({ kty: 'EC', crv: 'P-256', x: toBase64url(pub.slice(1, 33)), y: toBase64url(pub.slice(33)) });
    expect(published.credentialId).toBe(toBase64url(cred.id));

    const a = await service.approve({ credentialIds: [cred.id], clientDataHash: approvalClientDataHash(DIGEST_A), uv: false });
    const touch = { credentialId: toBase64url(a.credentialId), authenticatorData: toBase64url(a.authenticatorData), signature: toBase64url(a.signature) };
    expect(checkTouch(published, touch, DIGEST_A)).toBeNull();
    expect(checkTouch(published, touch, DIGEST_B)).toBe('bad_signature');
    expect(checkTouch(published, touch, DIGEST_A, true)).toBe('no_verification');

    // Enrolling the same key again while it holds an approval credential is refused by the key itself (exclude list).
    await expect(service.enrolApproval({ userId: random(16), userName: 'x', exclude: [cred.id], uv: false })).rejects.toBeInstanceOf(LatchkeyError);
  });

  it('refuses COSE keys of another type, algorithm, curve, size, or off the curve', () => {
    const good = p256.getPublicKey(p256.utils.randomSecretKey(), false);
    const x = good.slice(1, 33);
    const y = good.slice(33);
    const id = random(16);
    const cose = (entries: Array<[number, unknown]>) => new Map<number, unknown>(entries);
    expect(
      approvalKeyFromCose(
        cose([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, x],
          [-3, y],
        ]),
        id,
      ).alg,
    ).toBe(-7);
    expect(
      approvalKeyFromCose(
        cose([
          [1, 1],
          [3, -8],
          [-1, 6],
          [-2, random(32)],
        ]),
        id,
      ).publicKey.kty,
    ).toBe('OKP');
    const bad: Array<Array<[number, unknown]>> = [
      [
        [1, 2],
        [3, -257],
        [-1, 1],
        [-2, x],
        [-3, y],
      ], // RS256
      [
        [1, 2],
        [3, -7],
        [-1, 2],
        [-2, x],
        [-3, y],
      ], // P-384 curve id
      [
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, x.slice(1)],
        [-3, y],
      ], // short coordinate
      [
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, x],
        [-3, new Uint8Array(32).fill(1)],
      ], // not on the curve
      [
        [1, 1],
        [3, -8],
        [-1, 4],
        [-2, random(32)],
      ], // X25519, not Ed25519
      [
        [1, 3],
        [3, -7],
      ], // RSA key type
    ];
    for (const entries of bad) expect(() => approvalKeyFromCose(cose(entries), id)).toThrow(expect.objectContaining({ code: 'fido_device' }));
    expect(() => approvalKeyFromCose('not a map', id)).toThrow(expect.objectContaining({ code: 'fido_device' }));
  });
});
