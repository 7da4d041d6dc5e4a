/**
 * Attestation checked against code we did not write (test/fido/python/attestation_check.py):
 * - certificates issued by python3-cryptography (OpenSSL) — an RSA-2048 root, a P-384
 *   intermediate, a P-256 leaf — enrol a key through our client and service when the
 *   policy pins that root, and are refused when it pins another one: what an
 *   independent authenticator with its own attestation certificate meets;
 * - python-fido2's verifiers accept the software key's packed and fido-u2f statements
 *   (signature, §8.2.1 certificate rules, chain to our test CA), and refuse the forged
 *   AAGUID our verifier refuses: the software key is a faithful stand-in.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createPrivateKey, sign as nodeSign, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { aaguidText } from '../../../src/main/fido/ctap2';
import { verifyAttestation } from '../../../src/main/fido/attestation';
import { fidoU2f, issueAttestationCert, makeTestCa, packed, type TestCa } from '../../fido/attestation-ca';
import type { SoftAttestation } from '../../fido/soft-authenticator';
import { managed } from '../policy/helpers';
import { makeCredentialDirect } from './attestation-helpers';
import { expectCode, hex, makeKey, makeService } from './helpers';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../fido/python/attestation_check.py', import.meta.url));
const MODEL = new Uint8Array(randomBytes(16));

function available(): boolean {
  try {
    execFileSync(PY, ['-c', 'import fido2, cryptography'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function python(args: string[], input?: string): Promise<Record<string, unknown>> {
  const child = promisify(execFile)(PY, [SCRIPT, ...args], { timeout: 60_000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  const { stdout } = await child;
  return JSON.parse(stdout) as Record<string, unknown>;
}

const enrolParams = { name: 'Independent key', userId: new Uint8Array([9]), uv: 'discouraged' as const };

describe.skipIf(!available())('attestation vs python-fido2 and OpenSSL-made certificates', () => {
  let ca: TestCa;
  let independent: { root: string; intermediate: string; leaf: string; leaf_pkcs8: string };
  beforeAll(async () => {
    ca = await makeTestCa();
    independent = (await python(['make', hex(MODEL)])) as typeof independent;
  });

  function independentKey(): SoftAttestation {
    const key = createPrivateKey({ key: Buffer.from(independent.leaf_pkcs8, 'hex'), format: 'der', type: 'pkcs8' });
    return {
      fmt: 'packed',
      alg: -7,
      x5c: [Buffer.from(independent.leaf, 'hex'), Buffer.from(independent.intermediate, 'hex')].map((b) => new Uint8Array(b)),
      sign: (data) => new Uint8Array(nodeSign('sha256', data, key)),
    };
  }

  it('a key with OpenSSL-issued certificates enrols under a policy pinning its root, and is refused under one pinning another', async () => {
    const pinning = (root: string) => managed({ unlock: { allowedAaguids: [aaguidText(MODEL)], attestationRoots: [root] } });
    const key = makeKey('ind', { attestation: independentKey() });
    key.authenticator.state.aaguid = MODEL.slice();
    await expect(makeService([key], { policy: () => pinning(independent.root) }).service.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
    const d = await expectCode(makeService([key], { policy: () => pinning(ca.pem) }).service.enrol(enrolParams), 'policy_forbidden');
    expect(d?.reason).toBe('untrusted');
  });

  it("python-fido2 accepts the software key's packed and fido-u2f statements, as we do", async () => {
    const leaf = await issueAttestationCert(ca, { aaguid: MODEL });
    for (const att of [packed(leaf), fidoU2f(leaf)]) {
      const g = await makeCredentialDirect(att, MODEL);
      const s = g.att.attStmt as { alg?: number; sig: Uint8Array; x5c: Uint8Array[] };
      const input = {
        fmt: g.att.fmt,
        attStmt: { ...(s.alg === undefined ? {} : { alg: s.alg }), sig: hex(s.sig), x5c: s.x5c.map(hex) },
        authData: hex(g.att.authData),
        clientDataHash: hex(g.att.clientDataHash),
        root: ca.pem,
      };
      expect(await python(['verify'], JSON.stringify(input))).toEqual({ ok: true, type: 'BASIC' });
      await expect(verifyAttestation(g.att, g.cred, { org: 'Acme Corp', allowedAaguids: [aaguidText(MODEL)], roots: [ca.pem] }, new Date())).resolves.toBeTruthy();
    }
  });

  it('python-fido2 also refuses the forged AAGUID (certificate and key data disagree)', async () => {
    const forged = await issueAttestationCert(ca, { aaguid: new Uint8Array(randomBytes(16)) });
    const g = await makeCredentialDirect(packed(forged), MODEL);
    const s = g.att.attStmt as { alg: number; sig: Uint8Array; x5c: Uint8Array[] };
    const input = {
      fmt: 'packed',
      attStmt: { alg: s.alg, sig: hex(s.sig), x5c: s.x5c.map(hex) },
      authData: hex(g.att.authData),
      clientDataHash: hex(g.att.clientDataHash),
      root: ca.pem,
    };
    const out = await python(['verify'], JSON.stringify(input));
    expect(out.ok).toBe(false);
    expect(String(out.error)).toMatch(/AAGUID/);
    await expectCode(verifyAttestation(g.att, g.cred, { org: 'Acme Corp', allowedAaguids: null, roots: [ca.pem] }, new Date()), 'policy_forbidden');
  });
});
