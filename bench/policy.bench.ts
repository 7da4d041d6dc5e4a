/**
 * Policy costs on the paths that run often: verifying a signed policy (app start and
 * every file change), loading both managed files from disk, and the destination
 * check the gateway runs on every request hop.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  assertDestinationAllowed,
  buildEffectivePolicy,
  canonicalPolicyBytes,
  generateOrgKeyPair,
  parseOrgPublicKey,
  signPolicy,
  verifySignedPolicyText,
} from '../src/core/policy';
import { loadEffectivePolicy } from '../src/main/policy/loader';
import type { Policy } from '../src/shared/policy';
import type { Bench } from './lib/harness';
import { inMemoryPolicySerials } from '../src/main/policy/serials';

export default async function policyBench(bench: Bench): Promise<void> {
  const keys = generateOrgKeyPair();
  const pinned = parseOrgPublicKey(JSON.stringify(keys.publicKey), 'org.pub')!;
  const example = JSON.parse(await readFile('resources/policy.example.json', 'utf8')) as Policy;
  const deny = Array.from({ length: 1000 }, (_, i) => `*.blocked-${i}.example.net`);
  const big: Policy = { ...example, gateway: { ...example.gateway, destinations: { deny } } };
  const text = JSON.stringify(signPolicy(example, keys.signingKey));
  const bigText = JSON.stringify(signPolicy(big, keys.signingKey));
  const env = JSON.parse(text) as { policy: unknown; signature: string };
  const nodeKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: keys.publicKey.publicKey }, format: 'jwk' });
  const sig = Buffer.from(env.signature, 'base64url');
  const canonical = canonicalPolicyBytes(env.policy);
  const p = buildEffectivePolicy([{ policy: big, source: 'os', path: 'p' }]);
  const url = 'https://api.example.com/v1/things?x=1';

  await bench.section('Policy', async () => {
    await bench.compare({
      name: 'verify the signed example policy',
      unit: 'ms',
      rounds: bench.rounds(300, 50),
      warmup: 20,
      subject: { name: 'verifySignedPolicyText (parse, JCS, Ed25519 noble, schema)', run: () => verifySignedPolicyText(text, pinned, 'p') },
      baseline: { name: 'node:crypto Ed25519 verify of the same canonical bytes only', run: () => nodeVerify(null, canonical, nodeKey, sig) },
    });
    await bench.compare({
      name: 'verify a signed policy with 1,000 deny entries',
      unit: 'ms',
      rounds: bench.rounds(100, 30),
      warmup: 10,
      subject: { name: 'verifySignedPolicyText, 1,000-entry deny-list', run: () => verifySignedPolicyText(bigText, pinned, 'p') },
      baseline: { name: 'verifySignedPolicyText, example policy', run: () => verifySignedPolicyText(text, pinned, 'p') },
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'lk-bench-'));
    try {
      await writeFile(path.join(dir, 'org-policy-key'), JSON.stringify(keys.publicKey));
      await writeFile(path.join(dir, 'policy.json'), text);
      await writeFile(path.join(dir, 'os.json'), text);
      await bench.compare({
        name: 'load key + baked + OS policy from disk, merged',
        unit: 'ms',
        rounds: bench.rounds(100, 30),
        warmup: 10,
        subject: { name: 'loadEffectivePolicy', run: () => loadEffectivePolicy({ managedDir: dir, osPolicyPath: path.join(dir, 'os.json'), serials: inMemoryPolicySerials() }) },
        baseline: {
          name: 'readFile of the same 3 files',
          run: async () => {
            await readFile(path.join(dir, 'org-policy-key'));
            await readFile(path.join(dir, 'policy.json'));
            await readFile(path.join(dir, 'os.json'));
          },
        },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await bench.compare({
      name: 'destination check, 1,000-entry deny-list + allow-list',
      unit: 'µs',
      opsPerRun: 100,
      rounds: bench.rounds(200, 30),
      warmup: 10,
      subject: {
        name: 'assertDestinationAllowed',
        run: () => {
          for (let i = 0; i < 100; i++) {
            try {
              assertDestinationAllowed(p, url);
            } catch {
              /* refused is fine */
            }
          }
        },
      },
      baseline: {
        name: 'new URL() of the same URL',
        run: () => {
          for (let i = 0; i < 100; i++) new URL(url);
        },
      },
    });
  });
}
