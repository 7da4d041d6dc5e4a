/**
 * The wiring, with the app's own composition (createAppMain) and a real PolicyService
 * reading a signed policy file: main's security-key service applies the policy's
 * attestation rule on enrolment, follows a replaced policy file without a restart,
 * and refuses enrolment while the managed policy is invalid.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppMain, type AppMain } from '../../../src/main/compose';
import { aaguidText } from '../../../src/main/fido/ctap2';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { inMemoryPolicySerials, PolicyService } from '../../../src/main/policy';
import type { Policy } from '../../../src/shared/policy';
import { issueAttestationCert, makeTestCa, packed, type TestCa } from '../../fido/attestation-ca';
import { softDiscovery, softKey, type SoftKey } from '../../fido/soft-transport';
import { basePolicy, signedText, tempDirs, type TempDirs } from '../policy/helpers';
import { expectCode, random } from './helpers';

const MODEL = new Uint8Array(randomBytes(16));
const enrolParams = { name: 'Work key', userId: new Uint8Array([5]), uv: 'discouraged' as const };

let dirs: TempDirs;
let policy: PolicyService;
let app: AppMain;
let ca: TestCa;
let key: SoftKey;

async function writePolicy(serial: number, unlock: NonNullable<Policy['unlock']>): Promise<void> {
  await writeFile(dirs.osPolicyPath, signedText({ ...basePolicy, serial, unlock }));
  await policy.reload();
}

beforeAll(async () => {
  ca = await makeTestCa();
  dirs = await tempDirs();
  policy = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, serials: inMemoryPolicySerials(), watch: false });
  await writeFile(dirs.osPolicyPath, signedText({ ...basePolicy, serial: 1, unlock: { allowedAaguids: [aaguidText(MODEL)], attestationRoots: [ca.pem] } }));
  await policy.start();
  key = softKey('k', { random, keepaliveMs: 5, attestation: packed(await issueAttestationCert(ca, { aaguid: MODEL })) });
  key.authenticator.state.aaguid = MODEL.slice();
  app = await createAppMain({
    shell: 'preview',
    version: '0.0.0-test',
    keychain: createMemoryKeychain(),
    dataDir: null,
    fidoDiscovery: softDiscovery([key]),
    policy,
    gateway: { port: 0, socketPath: null, unlockWaitMs: 0 },
  });
});

afterAll(async () => {
  await app?.close();
  policy?.close();
  await dirs?.cleanup();
});

describe("main's security-key service under the loaded policy", () => {
  it('enrols the key its pinned maker certifies', async () => {
    await expect(app.fido.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
  });

  it('refuses the same key once a replaced policy pins another maker, and enrols it again when the root is back', async () => {
    const other = await makeTestCa('Another Maker');
    await writePolicy(2, { allowedAaguids: [aaguidText(MODEL)], attestationRoots: [other.pem] });
    const d = await expectCode(app.fido.enrol(enrolParams), 'policy_forbidden');
    expect(d?.reason).toBe('untrusted');
    await writePolicy(3, { attestationRoots: [other.pem, ca.base64] });
    await expect(app.fido.enrol(enrolParams)).resolves.toMatchObject({ aaguid: aaguidText(MODEL) });
  });

  it('refuses enrolment while the managed policy is invalid (fail closed)', async () => {
    await writeFile(dirs.osPolicyPath, '{"not": "signed"}');
    await policy.reload();
    await expectCode(app.fido.enrol(enrolParams), 'policy_invalid');
  });
});
