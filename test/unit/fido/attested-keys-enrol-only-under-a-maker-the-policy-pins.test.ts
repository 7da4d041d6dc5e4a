/**
 * Attestation under a restricting policy, through the real CTAP2 client and service
 * against the software key over its CTAPHID transport, and through the engine's real
 * enrolment path (enrolHardwareKey with the engine's policy gate): a key certified by
 * the CA the policy pins enrols and is recorded with its certified AAGUID; one from
 * another CA, one whose certificate and data disagree on the model, one certified for
 * a model the policy does not list, one that attests "none" or only itself, are all
 * refused before any slot is written. Without a restriction every key still enrols.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';
import { assertSlotCreationAllowed } from '../../../src/core/policy';
import { enrolHardwareKey, HARDWARE_KEY_SLOT, hardwareKeySlotParams } from '../../../src/core/vault/slots/hardware-key';
import { aaguidText } from '../../../src/main/fido/ctap2';
import { LatchkeyError } from '../../../src/shared/errors';
import type { EffectivePolicy, Policy } from '../../../src/shared/policy';
import { fidoU2f, issueAttestationCert, makeIntermediate, makeTestCa, packed, type TestCa } from '../../fido/attestation-ca';
import type { SoftAttestation } from '../../fido/soft-authenticator';
import { makeHarness, PASSWORD } from '../core/helpers';
import { managed } from '../policy/helpers';
import { expectCode, makeKey, makeService } from './helpers';

const rng = createWebCryptoRandom();
const MODEL = new Uint8Array(randomBytes(16));
const OTHER_MODEL = new Uint8Array(randomBytes(16));

let ca: TestCa;
let otherCa: TestCa;

beforeAll(async () => {
  ca = await makeTestCa('Latchkey Test Maker Root');
  otherCa = await makeTestCa('Some Other Maker Root');
});

function restricting(unlock: NonNullable<Policy['unlock']> = { allowedAaguids: [aaguidText(MODEL)], attestationRoots: [ca.pem] }): EffectivePolicy {
  return managed({ unlock });
}

/** A software key with `aaguid` in its data and attestation `att`, behind a service under `policy`. */
function keyWith(att: SoftAttestation, policy: EffectivePolicy | null, aaguid = MODEL) {
  const key = makeKey('k', { attestation: att });
  key.authenticator.state.aaguid = aaguid.slice();
  const svc = makeService([key], policy ? { policy: () => policy } : {});
  return { key, svc };
}

const enrolParams = { name: 'Work key', userId: new Uint8Array([1, 2, 3]), uv: 'discouraged' as const };

async function refusedWith(p: Promise<unknown>, reason: string): Promise<LatchkeyError> {
  const details = await expectCode(p, 'policy_forbidden');
  expect(details?.reason).toBe(reason);
  try {
    await p;
  } catch (e) {
    return e as LatchkeyError;
  }
  throw new Error('unreachable');
}

describe('enrolment under a policy that pins a maker', () => {
  it('accepts packed full attestation from the pinned CA and returns the certified AAGUID', async () => {
    const leaf = await issueAttestationCert(ca, { aaguid: MODEL });
    const { svc } = keyWith(packed(leaf), restricting());
    const made = await svc.service.enrol(enrolParams);
    expect(made.aaguid).toBe(aaguidText(MODEL));
  });

  it('accepts a chain through an intermediate in x5c, and a root pinned as bare base64 DER (FIDO MDS form)', async () => {
    const mid = await makeIntermediate(ca, 'Latchkey Test Maker Issuing CA');
    const leaf = await issueAttestationCert(mid, { aaguid: MODEL });
    const { svc } = keyWith(packed(leaf, [mid]), restricting({ allowedAaguids: [aaguidText(MODEL).toUpperCase()], attestationRoots: [ca.base64] }));
    await expect(svc.service.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
  });

  it('accepts EdDSA and RS256 attestation keys', async () => {
    for (const alg of ['EdDSA', 'RS256'] as const) {
      const leaf = await issueAttestationCert(ca, { aaguid: MODEL, alg });
      const { svc } = keyWith(packed(leaf), restricting());
      await expect(svc.service.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
    }
  });

  it('accepts fido-u2f whose certificate names the model', async () => {
    const leaf = await issueAttestationCert(ca, { aaguid: MODEL });
    const { svc } = keyWith(fidoU2f(leaf), restricting());
    await expect(svc.service.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
  });

  it('refuses a key certified by a CA the policy does not pin, with a message a person can act on', async () => {
    const leaf = await issueAttestationCert(otherCa, { aaguid: MODEL });
    const { svc } = keyWith(packed(leaf), restricting());
    const err = await refusedWith(svc.service.enrol(enrolParams), 'untrusted');
    expect(err.message).toMatch(/maker could not be verified — Acme Corp only allows security keys from makers it trusts/);
    expect(err.details?.rule).toBe('unlock.attestationRoots');
  });

  it('a policy may pin an intermediate or the attestation certificate itself', async () => {
    const mid = await makeIntermediate(ca, 'Latchkey Test Maker Issuing CA');
    const leaf = await issueAttestationCert(mid, { aaguid: MODEL });
    const pinMid = restricting({ allowedAaguids: [aaguidText(MODEL)], attestationRoots: [mid.pem] });
    await expect(keyWith(packed(leaf, [mid]), pinMid).svc.service.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
    const pinLeaf = restricting({ allowedAaguids: [aaguidText(MODEL)], attestationRoots: [Buffer.from(leaf.der).toString('base64')] });
    await expect(keyWith(packed(leaf), pinLeaf).svc.service.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
  });

  it('refuses a chain whose issuer exceeds its path length', async () => {
    const top = await makeIntermediate(ca, 'Top CA', { pathLength: 0 });
    const below = await makeIntermediate(top, 'Below CA');
    const leaf = await issueAttestationCert(below, { aaguid: MODEL });
    await refusedWith(keyWith(packed(leaf, [below, top]), restricting()).svc.service.enrol(enrolParams), 'untrusted');
  });

  it('refuses a chain whose intermediate is not a CA, and one whose leaf or root has expired', async () => {
    const notCa = await makeIntermediate(ca, 'Not A CA', { ca: false });
    const viaNotCa = await issueAttestationCert(notCa, { aaguid: MODEL });
    await refusedWith(keyWith(packed(viaNotCa, [notCa]), restricting()).svc.service.enrol(enrolParams), 'untrusted');

    const expired = await issueAttestationCert(ca, { aaguid: MODEL, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    await refusedWith(keyWith(packed(expired), restricting()).svc.service.enrol(enrolParams), 'untrusted');

    // The clock the service is given decides: the same good certificate is refused a year and a day on.
    const good = await issueAttestationCert(ca, { aaguid: MODEL });
    const key = makeKey('k', { attestation: packed(good) });
    key.authenticator.state.aaguid = MODEL.slice();
    const later = makeService([key], { policy: () => restricting(), now: () => new Date(Date.now() + 367 * 86_400_000) });
    await refusedWith(later.service.enrol(enrolParams), 'untrusted');
  });

  it('refuses a forged AAGUID: the certificate names one model, the key data another', async () => {
    const leaf = await issueAttestationCert(ca, { aaguid: OTHER_MODEL });
    const { svc } = keyWith(packed(leaf), restricting({ allowedAaguids: [aaguidText(MODEL), aaguidText(OTHER_MODEL)], attestationRoots: [ca.pem] }), MODEL);
    const err = await refusedWith(svc.service.enrol(enrolParams), 'aaguid_mismatch');
    expect(err.message).toMatch(/different model than its maker certified/);
    // The same forgery over fido-u2f.
    await refusedWith(keyWith(fidoU2f(leaf), restricting(), MODEL).svc.service.enrol(enrolParams), 'aaguid_mismatch');
  });

  it('refuses a genuine certificate for a model the policy does not list', async () => {
    const leaf = await issueAttestationCert(ca, { aaguid: OTHER_MODEL });
    const { svc } = keyWith(packed(leaf), restricting(), OTHER_MODEL);
    const err = await refusedWith(svc.service.enrol(enrolParams), 'model_not_allowed');
    expect(err.details?.rule).toBe('unlock.allowedAaguids');
  });

  it('packed without the AAGUID extension: the signed key data names the model; fido-u2f without it has no model', async () => {
    const leaf = await issueAttestationCert(ca, { aaguid: null });
    await expect(keyWith(packed(leaf), restricting()).svc.service.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
    await refusedWith(keyWith(packed(leaf), restricting(), OTHER_MODEL).svc.service.enrol(enrolParams), 'model_not_allowed');
    await refusedWith(keyWith(fidoU2f(leaf), restricting()).svc.service.enrol(enrolParams), 'model_unknown');
  });

  it('refuses "none" and self attestation', async () => {
    const none = await refusedWith(keyWith({ fmt: 'none' }, restricting()).svc.service.enrol(enrolParams), 'no_attestation');
    expect(none.message).toMatch(/did not say who made it/);
    await refusedWith(keyWith({ fmt: 'packed-self' }, restricting()).svc.service.enrol(enrolParams), 'self_attestation');
  });

  it('refuses certificates that break the attestation-certificate rules (OU, CA flag, Basic Constraints, critical AAGUID)', async () => {
    const defects = [{ ou: 'Marketing' }, { basicConstraintsCa: true }, { basicConstraintsCa: null }, { aaguidCritical: true }];
    for (const d of defects) {
      const leaf = await issueAttestationCert(ca, { aaguid: MODEL, ...d });
      await refusedWith(keyWith(packed(leaf), restricting()).svc.service.enrol(enrolParams), 'certificate');
    }
  });

  it('a policy listing models but pinning no maker refuses every new key (fail closed)', async () => {
    const leaf = await issueAttestationCert(ca, { aaguid: MODEL });
    const err = await refusedWith(keyWith(packed(leaf), restricting({ allowedAaguids: [aaguidText(MODEL)] })).svc.service.enrol(enrolParams), 'no_roots');
    expect(err.message).toMatch(/names no trusted makers/);
  });

  it('a policy pinning makers without a model list admits any model those makers certify, and no other maker', async () => {
    const leaf = await issueAttestationCert(ca, { aaguid: OTHER_MODEL });
    const rootsOnly = restricting({ attestationRoots: [otherCa.pem, ca.pem] });
    await expect(keyWith(packed(leaf), rootsOnly, OTHER_MODEL).svc.service.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(OTHER_MODEL) });
    await refusedWith(keyWith({ fmt: 'none' }, rootsOnly).svc.service.enrol(enrolParams), 'no_attestation');
    const third = await makeTestCa('Third Maker');
    await refusedWith(keyWith(packed(await issueAttestationCert(third, { aaguid: MODEL })), rootsOnly).svc.service.enrol(enrolParams), 'untrusted');
  });

  it('an invalid managed policy refuses enrolment before the key is touched', async () => {
    const key = makeKey('k');
    const svc = makeService([key], {
      policy: () => {
        throw new LatchkeyError('policy_invalid', 'The managed policy is not valid.');
      },
    });
    await expectCode(svc.service.enrol(enrolParams), 'policy_invalid');
    expect(key.authenticator.calls.get(0x01) ?? 0).toBe(0);
  });
});

describe('no restriction: no regression', () => {
  it('unmanaged, or managed without an authenticator rule, every key enrols whatever it attests', async () => {
    const leaf = await issueAttestationCert(otherCa, { aaguid: OTHER_MODEL });
    const atts: SoftAttestation[] = [{ fmt: 'none' }, { fmt: 'packed-self' }, packed(leaf), fidoU2f(leaf)];
    for (const policy of [null, managed({}), managed({ unlock: { userVerificationRequired: false } })]) {
      for (const att of atts) {
        await expect(keyWith(att, policy).svc.service.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
      }
    }
  });
});

describe('the engine enrolment path under the same policy', () => {
  async function vaultWith(att: SoftAttestation, policy: EffectivePolicy, aaguid = MODEL) {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const { key, svc } = keyWith(att, policy, aaguid);
    const deps = {
      engine: h.engine,
      store: h.store,
      hardwareKey: svc.service,
      random: rng,
      allowKey: (facts: { aaguid: string; userVerification: boolean }) => assertSlotCreationAllowed(policy, 'hardware_key', facts),
    };
    return { h, key, deps };
  }

  it('a key from the pinned maker gets a slot recording the certified AAGUID', async () => {
    const leaf = await issueAttestationCert(ca, { aaguid: MODEL });
    const { h, deps } = await vaultWith(packed(leaf), restricting());
    const r = await enrolHardwareKey(deps, { name: 'Work key' });
    expect(r.aaguid).toBe(aaguidText(MODEL));
    const slot = (await h.store.readSlots()).find((s) => s.id === r.slotId)!;
    expect(hardwareKeySlotParams(slot).aaguid).toBe(aaguidText(MODEL));
  });

  it('the key that lies about its model (the reported bug) is refused and no slot is written, with one touch only', async () => {
    // The software key claims an allowed AAGUID and attests "none": before this check it enrolled.
    for (const att of [{ fmt: 'none' } as const, packed(await issueAttestationCert(otherCa, { aaguid: MODEL }))]) {
      const { h, key, deps } = await vaultWith(att, restricting());
      const before = (await h.store.readSlots()).length;
      await expectCode(enrolHardwareKey(deps, { name: 'Liar' }), 'policy_forbidden');
      expect((await h.store.readSlots()).length).toBe(before);
      expect((await h.store.readSlots()).some((s) => s.kind === HARDWARE_KEY_SLOT)).toBe(false);
      // Refused after makeCredential, before the hmac-secret assertion.
      expect(key.authenticator.calls.get(0x02) ?? 0).toBe(0);
    }
  });
});
