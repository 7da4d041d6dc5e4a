/**
 * Main loads and verifies the policy files; the engine (in the renderer's worker)
 * decides with what main pushes over their RPC connection. Here both ends are real:
 * PolicyService on temp files, pushPolicyTo over a MessageChannel, the engine with a
 * PolicyHolder serving EnginePolicyContract. A managed policy reaches the engine's
 * unlock decision; a tampered replacement locks the vault and refuses unlock with the
 * loader's own message (fail closed), and a good file restores it.
 */
import { writeFile } from 'node:fs/promises';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPolicyHolder, enginePolicyHandlers } from '../../../src/core/policy';
import { PolicyService, pushPolicyTo } from '../../../src/main/policy';
import { EnginePolicyContract } from '../../../src/shared/contracts/engine-policy';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { serveRpc } from '../../../src/shared/rpc/rpc';
import { PASSWORD, makeHarness } from '../core/helpers';
import { basePolicy, signedText, tempDirs, type TempDirs } from './helpers';

let dirs: TempDirs | undefined;
afterEach(async () => { await dirs?.cleanup(); dirs = undefined; });

describe('policy pushed from main to the engine', () => {
  it('applies a managed rule at unlock, fails closed on a tampered file, and recovers', async () => {
    dirs = await tempDirs();
    const strict = { ...basePolicy, unlock: { hardwareKeyRequired: true, recoveryCodeAllowed: true } };
    await writeFile(dirs.osPolicyPath, signedText(strict));
    const service = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, watch: false });
    await service.start();

    const holder = createPolicyHolder();
    const h = makeHarness({ extra: { policy: () => holder.current() } });
    await h.engine.createVault(PASSWORD);
    const channel = new MessageChannel();
    serveRpc(fromNodeMessagePort(channel.port1), EnginePolicyContract, enginePolicyHandlers(holder, () => h.engine.lock('external')));
    const stop = pushPolicyTo(fromNodeMessagePort(channel.port2), service);

    await vi.waitFor(() => expect(holder.current().managed).toBe(true));
    expect(h.engine.isUnlocked()).toBe(true); // a valid policy does not lock by itself
    h.engine.lock();
    await expect(h.engine.unlockWithPassword(PASSWORD)).rejects.toMatchObject({ code: 'policy_forbidden' });

    // Someone edits the signed file to allow passwords: the signature no longer matches.
    const tampered = signedText(strict).replace('"hardwareKeyRequired":true', '"hardwareKeyRequired":false');
    await writeFile(dirs.osPolicyPath, tampered);
    await service.reload();
    await vi.waitFor(() => expect(holder.isInvalid()).toBe(true));
    const refused = await h.engine.unlockWithPassword(PASSWORD).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'policy_invalid', message: expect.stringContaining(dirs.osPolicyPath) });

    // A validly signed policy that allows passwords opens the vault again.
    await writeFile(dirs.osPolicyPath, signedText(basePolicy));
    await service.reload();
    await vi.waitFor(() => expect(holder.isInvalid()).toBe(false));
    await expect(h.engine.unlockWithPassword(PASSWORD)).resolves.toBeTruthy();

    stop.close();
    service.close();
    channel.port1.close();
  });

  it('an invalid policy pushed while the vault is open locks it at once', async () => {
    dirs = await tempDirs();
    await writeFile(dirs.osPolicyPath, '{"policy": "not signed"}');
    const service = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, watch: false });
    await service.start();
    const holder = createPolicyHolder();
    const h = makeHarness({ extra: { policy: () => holder.current() } });
    await h.engine.createVault(PASSWORD);
    expect(h.engine.isUnlocked()).toBe(true);

    const channel = new MessageChannel();
    serveRpc(fromNodeMessagePort(channel.port1), EnginePolicyContract, enginePolicyHandlers(holder, () => h.engine.lock('external')));
    const stop = pushPolicyTo(fromNodeMessagePort(channel.port2), service);
    await vi.waitFor(() => expect(h.engine.isUnlocked()).toBe(false));
    await expect(h.engine.unlockWithPassword(PASSWORD)).rejects.toMatchObject({ code: 'policy_invalid' });
    stop.close();
    service.close();
    channel.port1.close();
  });

  it('sleep and screen lock lock the vault when the policy says so, and not when it says otherwise', async () => {
    dirs = await tempDirs();
    await writeFile(dirs.osPolicyPath, signedText({ ...basePolicy, session: { lockOnSleep: false, lockOnScreenLock: true } }));
    const service = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, watch: false });
    await service.start();
    const holder = createPolicyHolder();
    const h = makeHarness({ extra: { policy: () => holder.current() } });
    await h.engine.createVault(PASSWORD);
    const channel = new MessageChannel();
    serveRpc(fromNodeMessagePort(channel.port1), EnginePolicyContract, enginePolicyHandlers(holder, () => h.engine.lock('external')));
    const link = pushPolicyTo(fromNodeMessagePort(channel.port2), service);
    await vi.waitFor(() => expect(holder.current().managed).toBe(true));

    link.onSessionEvent('sleep');
    await new Promise((r) => setTimeout(r, 50));
    expect(h.engine.isUnlocked()).toBe(true);
    link.onSessionEvent('screen_lock');
    await vi.waitFor(() => expect(h.engine.isUnlocked()).toBe(false));
    link.close();
    service.close();
    channel.port1.close();
  });
});
