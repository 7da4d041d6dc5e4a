/**
 * Main serves the policy in force to the page (PolicyUiContract) so the UI can show
 * locked settings and the reason the vault stays shut. Both ends are real: a
 * PolicyService on temp files, served by MainServices on a 'page' connection over a
 * MessageChannel, and the page's own follower (src/renderer/policy-state.ts).
 */
import { writeFile } from 'node:fs/promises';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { inMemoryPolicySerials, PolicyService } from '../../../src/main/policy';
import { createMainServices } from '../../../src/main/services';
import { PolicyUiContract } from '../../../src/shared/contracts/policy-ui';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc } from '../../../src/shared/rpc/rpc';
import { followPolicy, managedLabel, type UiPolicyState } from '../../../src/renderer/policy-state';
import { basePolicy, signedText, tempDirs, type TempDirs } from './helpers';

let dirs: TempDirs | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await dirs?.cleanup();
  dirs = undefined;
});

async function servedPage(service: PolicyService | undefined) {
  const services = createMainServices({ shell: 'preview', version: '0.0.0-test', keychain: createMemoryKeychain(), ...(service ? { policy: service } : {}) });
  const channel = new MessageChannel();
  const dispose = services.serveRenderer(fromNodeMessagePort(channel.port1), 'page');
  const client = connectRpc(fromNodeMessagePort(channel.port2), PolicyUiContract, { timeoutMs: 2_000 });
  cleanups.push(() => {
    client.close();
    dispose();
    channel.port1.close();
    channel.port2.close();
  });
  return client;
}

describe('policy-ui contract (main → page)', () => {
  it('policy.get returns the managed policy, and a replaced file arrives as a changed event', async () => {
    dirs = await tempDirs();
    await writeFile(dirs.osPolicyPath, signedText({ ...basePolicy, session: { autoLockMinutes: 5 }, clipboard: { clearSeconds: 10 } }));
    const service = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, serials: inMemoryPolicySerials(), watch: false });
    await service.start();
    cleanups.push(() => service.close());
    const client = await servedPage(service);

    const got = await client.call('policy.get', {});
    expect(got.status).toBe('ok');
    if (got.status !== 'ok') return;
    expect(got.policy.orgName).toBe('Acme Corp');
    expect(got.policy.policy?.clipboard?.clearSeconds).toBe(10);
    expect(managedLabel(got, 'session.autoLockMinutes')).toBe('Managed by Acme Corp');
    expect(managedLabel(got, 'export.allowed')).toBeNull();

    const events: UiPolicyState[] = [];
    const off = client.on('changed', (s) => events.push(s));
    await writeFile(dirs.osPolicyPath, signedText({ ...basePolicy, clipboard: { clearSeconds: 20 } }));
    await service.reload();
    await vi.waitFor(() => expect(events).toHaveLength(1));
    const changed = events[0]!;
    expect(changed.status === 'ok' && changed.policy.policy?.clipboard?.clearSeconds).toBe(20);
    // The auto-lock rule was dropped from the file: the setting is the person's again.
    expect(managedLabel(changed, 'session.autoLockMinutes')).toBeNull();
    off();
  });

  it('a tampered replacement reaches the page as invalid, with the file and the reason', async () => {
    dirs = await tempDirs();
    await writeFile(dirs.osPolicyPath, signedText(basePolicy));
    const service = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, serials: inMemoryPolicySerials(), watch: false });
    await service.start();
    cleanups.push(() => service.close());
    const client = await servedPage(service);

    // The page's follower: the initial get, then every change.
    const seen: UiPolicyState[] = [];
    cleanups.push(followPolicy(client, (s) => seen.push(s)));
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toMatchObject({ status: 'ok', policy: { managed: true, orgName: 'Acme Corp' } });

    const tampered = signedText({ ...basePolicy, export: { allowed: false } }).replace('"allowed":false', '"allowed":true');
    await writeFile(dirs.osPolicyPath, tampered);
    await service.reload();
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    const last = seen[1]!;
    expect(last.status).toBe('invalid');
    if (last.status !== 'invalid') return;
    expect(last.error.code).toBe('policy_invalid');
    expect(last.error.message).toContain(dirs.osPolicyPath);
    // Same message the engine refuses unlock with: the UI cannot drift from enforcement.
    expect(() => service.current()).toThrow(last.error.message);
  });

  it('with no managed files the page gets the personal defaults, nothing locked', async () => {
    dirs = await tempDirs(false);
    const service = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, serials: inMemoryPolicySerials(), watch: false });
    await service.start();
    cleanups.push(() => service.close());
    const client = await servedPage(service);
    const got = await client.call('policy.get', {});
    expect(got).toMatchObject({ status: 'ok', policy: { managed: false, orgName: null, locks: {} } });
  });

  it('is not served when main has no policy service (the page keeps its defaults)', async () => {
    const client = await servedPage(undefined);
    const seen: UiPolicyState[] = [];
    cleanups.push(followPolicy(client, (s) => seen.push(s)));
    await expect(client.call('policy.get', {}, { timeoutMs: 200 })).rejects.toBeTruthy();
    expect(seen).toEqual([]);
  });
});
