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
import { percentile, type BenchSection } from './lib/report';

async function median(fn: () => unknown | Promise<unknown>, runs: number): Promise<number> {
  for (let i = 0; i < Math.min(20, runs); i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return percentile(samples, 50);
}

export default async function policyBench(): Promise<BenchSection[]> {
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

  const verifyOurs = await median(() => verifySignedPolicyText(text, pinned, 'p'), 300);
  const verifyBaseline = await median(() => nodeVerify(null, canonical, nodeKey, sig), 300);
  const verifyBig = await median(() => verifySignedPolicyText(bigText, pinned, 'p'), 100);

  const dir = await mkdtemp(path.join(tmpdir(), 'lk-bench-'));
  await writeFile(path.join(dir, 'org-policy-key'), JSON.stringify(keys.publicKey));
  await writeFile(path.join(dir, 'policy.json'), text);
  await writeFile(path.join(dir, 'os.json'), text);
  const loadOurs = await median(() => loadEffectivePolicy({ managedDir: dir, osPolicyPath: path.join(dir, 'os.json') }), 100);
  const loadBaseline = await median(async () => {
    await readFile(path.join(dir, 'org-policy-key'));
    await readFile(path.join(dir, 'policy.json'));
    await readFile(path.join(dir, 'os.json'));
  }, 100);
  await rm(dir, { recursive: true, force: true });

  const p = buildEffectivePolicy([{ policy: big, source: 'os', path: 'p' }]);
  const url = 'https://api.example.com/v1/things?x=1';
  const destOurs = await median(() => { for (let i = 0; i < 100; i++) { try { assertDestinationAllowed(p, url); } catch { /* refused is fine */ } } }, 200);
  const destBaseline = await median(() => { for (let i = 0; i < 100; i++) new URL(url); }, 200);

  return [{
    title: 'policy',
    rows: [
      { name: 'verify signed example policy (parse, JCS, Ed25519 noble, schema)', ours: verifyOurs, baselineName: 'node:crypto Ed25519 verify of the same bytes only', baseline: verifyBaseline, unit: 'ms' },
      { name: 'verify signed policy with 1,000 deny entries', ours: verifyBig, baselineName: 'example policy', baseline: verifyOurs, unit: 'ms' },
      { name: 'load key + baked + OS policy from disk, merged', ours: loadOurs, baselineName: 'readFile of the same 3 files', baseline: loadBaseline, unit: 'ms' },
      { name: 'assertDestinationAllowed ×100, 1,000-entry deny-list + allow-list', ours: destOurs, baselineName: 'new URL() ×100', baseline: destBaseline, unit: 'ms' },
    ],
    notes: ['Medians. Verification runs at start and on each policy file change; the destination check on every request hop.'],
  }];
}
