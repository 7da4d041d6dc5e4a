/**
 * A hostile or broken key's attestation never crashes enrolment: bad CBOR, a missing
 * or empty x5c, a wrong or unknown alg, truncated or padded certificates, unknown
 * members, tampered signatures and authenticator data, and a policy root that is not
 * a certificate each end in a typed LatchkeyError with a reason — through the real
 * client and service, and for thousands of generated statements and certificate
 * mutations against the verifier directly.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { encode } from 'cborg';
import { beforeAll, describe, expect, it } from 'vitest';
import { aaguidText } from '../../../src/main/fido/ctap2';
import { verifyAttestation } from '../../../src/main/fido/attestation';
import type { AttestationRequirement } from '../../../src/core/policy';
import { LatchkeyError } from '../../../src/shared/errors';
import { issueAttestationCert, makeTestCa, packed, fidoU2f, type AttestationKey, type TestCa } from '../../fido/attestation-ca';
import type { SoftAttestation } from '../../fido/soft-authenticator';
import { makeCredentialDirect } from './attestation-helpers';
import { managed } from '../policy/helpers';
import { expectCode, makeKey, makeService } from './helpers';

const MODEL = new Uint8Array(randomBytes(16));
let ca: TestCa;
let leaf: AttestationKey;

beforeAll(async () => {
  ca = await makeTestCa();
  leaf = await issueAttestationCert(ca, { aaguid: MODEL });
});

const requirement = (): AttestationRequirement => ({ org: 'Acme Corp', allowedAaguids: [aaguidText(MODEL)], roots: [ca.pem] });
const policy = () => managed({ unlock: { allowedAaguids: [aaguidText(MODEL)], attestationRoots: [ca.pem] } });
const enrolParams = { name: 'Work key', userId: new Uint8Array([7]), uv: 'discouraged' as const };

type Answer = Map<number, unknown>;
const stmtOf = (a: Answer): Map<string, unknown> => a.get(3) as Map<string, unknown>;

/** Enrols through the service while `rewrite` alters the key's MakeCredential answer. */
async function enrolRewritten(att: SoftAttestation, rewrite: (a: Answer) => Answer | Uint8Array): Promise<unknown> {
  const key = makeKey('k', { attestation: att });
  key.authenticator.state.aaguid = MODEL.slice();
  key.authenticator.rewriteMakeCredential = rewrite;
  return makeService([key], { policy }).service.enrol(enrolParams);
}

async function refused(p: Promise<unknown>, reason: string): Promise<void> {
  const d = await expectCode(p, 'policy_forbidden');
  expect(d?.reason).toBe(reason);
}

describe('malformed statements through the real client and service', () => {
  it('bad CBOR in the answer is a device error, not a crash', async () => {
    await expectCode(
      enrolRewritten(packed(leaf), (a) => encode(a).subarray(0, 40)),
      'fido_device',
    );
    await expectCode(
      enrolRewritten(packed(leaf), (a) => new Map([...a, [3, [1, 2, 3]]])),
      'fido_device',
    );
  });

  it('missing x5c, empty x5c, too many certificates, non-byte entries', async () => {
    await refused(
      enrolRewritten(fidoU2f(leaf), (a) => (stmtOf(a).delete('x5c'), a)),
      'malformed',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('x5c', []), a)),
      'malformed',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('x5c', Array(6).fill(leaf.der)), a)),
      'malformed',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('x5c', ['not bytes']), a)),
      'malformed',
    );
    await refused(
      enrolRewritten(fidoU2f(leaf), (a) => (stmtOf(a).set('x5c', [leaf.der, leaf.der]), a)),
      'malformed',
    );
  });

  it('wrong alg (RS256 claimed for an EC key), unknown alg, alg of the wrong type', async () => {
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('alg', -257), a)),
      'bad_signature',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('alg', -999), a)),
      'bad_signature',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('alg', 'ES256'), a)),
      'malformed',
    );
    // Self attestation must use the credential key's own alg.
    await refused(
      enrolRewritten({ fmt: 'packed-self' }, (a) => (stmtOf(a).set('alg', -8), a)),
      'bad_signature',
    );
  });

  it('truncated, padded and empty certificates', async () => {
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('x5c', [leaf.der.subarray(0, leaf.der.length - 20)]), a)),
      'malformed',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('x5c', [leaf.der.subarray(0, 10)]), a)),
      'malformed',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('x5c', [new Uint8Array([...leaf.der, 0])]), a)),
      'malformed',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('x5c', [new Uint8Array(0)]), a)),
      'malformed',
    );
    await refused(
      enrolRewritten(fidoU2f(leaf), (a) => (stmtOf(a).set('x5c', [leaf.der.subarray(0, 100)]), a)),
      'malformed',
    );
  });

  it('unknown members (ecdaaKeyId), missing sig, a flipped signature bit, an unknown format', async () => {
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).set('ecdaaKeyId', new Uint8Array(32)), a)),
      'malformed',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (stmtOf(a).delete('sig'), a)),
      'malformed',
    );
    const flip = (a: Answer): Answer => {
      const sig = (stmtOf(a).get('sig') as Uint8Array).slice();
      sig[sig.length - 1]! ^= 1;
      stmtOf(a).set('sig', sig);
      return a;
    };
    await refused(enrolRewritten(packed(leaf), flip), 'bad_signature');
    await refused(enrolRewritten(fidoU2f(leaf), flip), 'bad_signature');
    await refused(enrolRewritten({ fmt: 'packed-self' }, flip), 'bad_signature');
    await refused(
      enrolRewritten(packed(leaf), (a) => (a.set(1, 'tpm'), a)),
      'unsupported_format',
    );
    await refused(
      enrolRewritten(packed(leaf), (a) => (a.set(1, 'android-key'), a)),
      'unsupported_format',
    );
  });

  it('authenticator data changed after signing (a swapped AAGUID with no certificate extension) fails the signature', async () => {
    const bare = await issueAttestationCert(ca, { aaguid: null });
    await refused(
      enrolRewritten(packed(bare), (a) => {
        const ad = (a.get(2) as Uint8Array).slice();
        ad[37] = ad[37]! ^ 0xff;
        a.set(2, ad);
        return a;
      }),
      'bad_signature',
    );
  });

  it('a policy root that is not a certificate makes enrolment fail as a broken policy', async () => {
    const key = makeKey('k', { attestation: packed(leaf) });
    key.authenticator.state.aaguid = MODEL.slice();
    const broken = managed({ unlock: { allowedAaguids: [aaguidText(MODEL)], attestationRoots: [Buffer.from(randomBytes(120)).toString('base64')] } });
    const d = await expectCode(makeService([key], { policy: () => broken }).service.enrol(enrolParams), 'policy_invalid');
    expect(d?.rule).toBe('unlock.attestationRoots');
  });
});

async function settlesTyped(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof LatchkeyError)) throw e;
  }
}

describe('the verifier against generated input', () => {
  it('accepts the genuine statement it is fuzzed from', async () => {
    const g = await makeCredentialDirect(packed(leaf), MODEL);
    await expect(verifyAttestation(g.att, g.cred, requirement(), new Date())).resolves.toMatchObject({ fmt: 'packed' });
  });

  it('any statement shape settles with a LatchkeyError or a verdict, never another exception', async () => {
    const g = await makeCredentialDirect(packed(leaf), MODEL);
    const value = fc.oneof(
      fc.integer(),
      fc.string(),
      fc.uint8Array({ maxLength: 64 }),
      fc.constant(g.att.attStmt.sig),
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 7 }),
      fc.constant([leaf.der]),
    );
    const stmt = fc.dictionary(fc.constantFrom('alg', 'sig', 'x5c', 'ecdaaKeyId', 'ver', 'certInfo'), value);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('packed', 'fido-u2f', 'none', 'tpm', ''), stmt, async (fmt, attStmt) => {
        await settlesTyped(verifyAttestation({ ...g.att, fmt, attStmt }, g.cred, requirement(), new Date()));
      }),
      { numRuns: 400 },
    );
  });

  it('any mutation of the attestation certificate settles typed and is never accepted with a different AAGUID', async () => {
    const g = await makeCredentialDirect(packed(leaf), MODEL);
    const der = (g.att.attStmt.x5c as Uint8Array[])[0]!;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: der.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: der.length }), async (at, xor, cut) => {
        const m = der.slice(0, Math.max(cut, at + 1));
        m[at] = m[at]! ^ xor;
        try {
          const v = await verifyAttestation({ ...g.att, attStmt: { ...g.att.attStmt, x5c: [m] } }, g.cred, requirement(), new Date());
          expect(aaguidText(v.aaguid)).toBe(aaguidText(MODEL));
        } catch (e) {
          if (!(e instanceof LatchkeyError)) throw e;
        }
      }),
      { numRuns: 300 },
    );
  });
});
