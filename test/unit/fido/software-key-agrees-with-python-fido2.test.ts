/**
 * Cross-check with an independent client: Debian's python3-fido2 drives the software
 * authenticator over UDP (test/fido/python/cross_check.py): getInfo, set PIN, make a
 * credential with hmac-secret, the same secret for the same salt twice and another for
 * another salt, PIN protocols 2 and 1 agreeing, and the UV/no-UV secrets differing.
 * Then OUR client asks the same key (same state) for the PRF input python transformed
 * with its own SHA-256: the secrets must be equal — the PRF transform, the
 * hmac-secret encryption and both PIN protocols agree with an implementation we did
 * not write.
 */
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../../fido/soft-authenticator';
import { listenUdp } from '../../fido/udp-listener';
import { hex, makeKey, makeService, random } from './helpers';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../fido/python/cross_check.py', import.meta.url));

function pythonFido2(): string | null {
  try {
    return execFileSync(PY, ['-c', 'import fido2; print(fido2.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}
const version = pythonFido2();

describe.skipIf(version === null)(`software key vs python-fido2 ${version ?? '(not installed: apt-get install python3-fido2)'}`, () => {
  it('python-fido2 completes getInfo, setPIN, makeCredential and hmac-secret, and our client derives the same PRF secret', async () => {
    const auth = new SoftAuthenticator({ random });
    const udp = await listenUdp(auth);
    const prfInput = random(32);
    let out: Record<string, unknown>;
    try {
      const { stdout } = await promisify(execFile)(PY, [SCRIPT, String(udp.port), hex(prfInput)], { timeout: 30_000 });
      out = JSON.parse(stdout) as Record<string, unknown>;
    } finally {
      await udp.close();
    }
    expect(out.versions).toContain('FIDO_2_1');
    expect(out.extensions).toContain('hmac-secret');
    expect(out.retries).toBe(8);
    expect(out.hmacCreated).toBe(true);
    expect(out.uv1).toBe(true);
    expect(out.uvNoUv).toBe(false);
    expect(out.salt1a).toMatch(/^[0-9a-f]{64}$/);
    expect(out.salt1b).toBe(out.salt1a);
    expect(out.salt2).not.toBe(out.salt1a);
    expect(out.salt1NoUv).not.toBe(out.salt1a);
    expect(out.salt1V1).toBe(out.salt1a);

    // Same key, our client: PIN protocol 2 (default) with UV, and without UV.
    const key = makeKey('py', { state: auth.serialize() });
    const h = makeService([key]);
    h.pins.push('1234');
    const credentialId = new Uint8Array(Buffer.from(String(out.credentialId), 'hex'));
    const withUv = await h.service.getHmacSecret({ credentialIds: [credentialId], salt: prfInput, uv: true });
    const withoutUv = await h.service.getHmacSecret({ credentialIds: [credentialId], salt: prfInput, uv: false });
    expect(hex(withUv.secret)).toBe(out.prfUv);
    expect(hex(withoutUv.secret)).toBe(out.prfNoUv);

    // And over PIN protocol 1 only.
    const v1 = makeService([makeKey('py1', { state: auth.serialize(), pinProtocols: [1], pinUvAuthToken: false })]);
    v1.pins.push('1234');
    const viaV1 = await v1.service.getHmacSecret({ credentialIds: [credentialId], salt: prfInput, uv: true });
    expect(hex(viaV1.secret)).toBe(out.prfUv);
  });
});
