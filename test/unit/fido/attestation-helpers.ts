/**
 * One MakeCredential straight from the software authenticator (no transport), with
 * the clientDataHash it signed, shaped as the verifier takes it: for tests that feed
 * a genuine statement to the verifier or to python-fido2, and then tamper with it.
 */
import { decode, encode } from 'cborg';
import { expect } from 'vitest';
import type { AttestationObject, AttestedCredential } from '../../../src/main/fido/attestation';
import { parseCoseKey } from '../../../src/main/fido/cose-key';
import { parseAuthData } from '../../../src/main/fido/ctap2-schema';
import { SoftAuthenticator, type SoftAttestation } from '../../fido/soft-authenticator';
import { random } from './helpers';

export async function makeCredentialDirect(att: SoftAttestation, aaguid: Uint8Array): Promise<{ att: AttestationObject; cred: AttestedCredential }> {
  const auth = new SoftAuthenticator({ random, attestation: att });
  auth.state.aaguid = aaguid.slice();
  const cdh = random(32);
  const params = new Map<number, unknown>([
    [1, cdh],
    [2, { id: 'latchkey.local' }],
    [3, { id: new Uint8Array([1]), name: 'x' }],
    [4, [{ alg: -7, type: 'public-key' }]],
  ]);
  const res = await auth.handle(new Uint8Array([0x01, ...encode(params)]), { status: () => {}, cancelled: () => false });
  expect(res[0]).toBe(0);
  const m = decode(res.subarray(1), { useMaps: true }) as Map<number, unknown>;
  const authData = m.get(2) as Uint8Array;
  const ad = parseAuthData(authData);
  const attStmt = Object.fromEntries(m.get(3) as Map<string, unknown>) as Record<string, unknown>;
  return {
    att: { fmt: m.get(1) as string, attStmt, authData, clientDataHash: cdh },
    cred: { rpIdHash: ad.rpIdHash, aaguid: ad.attested!.aaguid, credentialId: ad.attested!.credentialId, credentialPublicKey: parseCoseKey(ad.attested!.publicKey) },
  };
}
