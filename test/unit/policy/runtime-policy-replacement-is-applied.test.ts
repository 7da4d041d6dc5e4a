/**
 * A policy file replaced while the app runs is picked up, applied and announced;
 * a replacement that cannot be trusted flips the service to fail-closed.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertExportAllowed } from '../../../src/core/policy';
import { inMemoryPolicySerials, type PolicyChangeEvent, PolicyService } from '../../../src/main/policy';
import { DEFAULT_PERSONAL_SETTINGS } from '../../../src/shared/policy';
import { basePolicy, caught, signedText, tempDirs, type TempDirs } from './helpers';

/** Resolves with the next change event (vitest's timeout bounds the wait; no timing asserted). */
function nextChange(service: PolicyService): Promise<PolicyChangeEvent> {
  return new Promise((resolve) => {
    const off = service.onChange((e) => {
      off();
      resolve(e);
    });
  });
}

/** How IT tools replace files: write a temp file, rename over the old one. */
async function replaceAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

describe('PolicyService watches the managed policy file', () => {
  let d: TempDirs;
  let service: PolicyService;
  beforeEach(async () => {
    d = await tempDirs();
    await writeFile(d.osPolicyPath, signedText({ ...basePolicy, export: { allowed: true } }));
    service = new PolicyService({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: inMemoryPolicySerials(), debounceMs: 20, pollIntervalMs: 100 });
  });
  afterEach(async () => {
    service.close();
    await d.cleanup();
  });

  it('an atomically replaced file is applied and the change lists the fields', async () => {
    await service.start();
    expect(() => assertExportAllowed(service.current())).not.toThrow();
    const changed = nextChange(service);
    await replaceAtomically(d.osPolicyPath, signedText({ ...basePolicy, export: { allowed: false } }));
    const event = await changed;
    expect(event.trigger).toBe('file');
    expect(event.changedFields).toEqual(['export.allowed']);
    expect(caught(() => assertExportAllowed(service.current())).code).toBe('policy_forbidden');
  });

  it('a tampered replacement makes current() throw policy_invalid (fail closed) until fixed', async () => {
    await service.start();
    const broke = nextChange(service);
    const env = JSON.parse(signedText({ ...basePolicy, export: { allowed: false } }));
    env.policy.export.allowed = true;
    await replaceAtomically(d.osPolicyPath, JSON.stringify(env));
    const event = await broke;
    expect(event.next.status).toBe('invalid');
    const err = caught(() => service.current());
    expect(err.code).toBe('policy_invalid');
    expect(err.message).toContain(d.osPolicyPath);

    const fixed = nextChange(service);
    await replaceAtomically(d.osPolicyPath, signedText(basePolicy));
    expect((await fixed).next.status).toBe('ok');
    expect(service.current().managed).toBe(true);
  });

  it('deleting the OS file of a managed build is not a way out: it fails closed', async () => {
    await service.start();
    const changed = nextChange(service);
    await rm(d.osPolicyPath);
    const event = await changed;
    expect(event.next.status).toBe('invalid');
    if (event.next.status === 'invalid') expect(event.next.error.details?.reason).toBe('missing');
  });

  it('a policy appearing in a directory created after start is noticed', async () => {
    const late = path.join(d.root, 'created-later', 'policy.json');
    const s = new PolicyService({ managedDir: null, osPolicyPath: late, serials: inMemoryPolicySerials(), debounceMs: 20, pollIntervalMs: 50 });
    try {
      const first = await s.start();
      expect(first.status).toBe('ok');
      const changed = nextChange(s);
      const { mkdir } = await import('node:fs/promises');
      await mkdir(path.dirname(late));
      await writeFile(late, signedText(basePolicy));
      // No key is pinned (managedDir null): a policy appearing must fail closed, not be ignored.
      const event = await changed;
      expect(event.next.status).toBe('invalid');
    } finally {
      s.close();
    }
  });

  it('personal settings changes apply to open fields without re-reading files', async () => {
    await service.start();
    const changed = nextChange(service);
    service.setPersonalSettings({ ...DEFAULT_PERSONAL_SETTINGS, clipboardClearSeconds: 5 });
    const event = await changed;
    expect(event.trigger).toBe('settings');
    expect(service.current().personal.clipboardClearSeconds).toBe(5);
  });
});
