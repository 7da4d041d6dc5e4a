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
import { inMemoryPolicySerials, PolicyService, pushPolicyTo } from '../../../src/main/policy';
import { EnginePolicyContract } from '../../../src/shared/contracts/engine-policy';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { serveRpc } from '../../../src/shared/rpc/rpc';
import { PASSWORD, makeHarness } from '../core/helpers';
import { basePolicy, signedText, tempDirs, type TempDirs } from './helpers';

let dirs: TempDirs | undefined;
afterEach(async () => {
  await dirs?.cleanup();
  dirs = undefined;
});

/**
 * Main (PolicyService on temp files, `osPolicyText` as the OS policy file) connected to
 * an engine with a vault already created and open, as the app wires them.
 */
async function mainAndEngine(osPolicyText: string) {
  dirs = await tempDirs();
  await writeFile(dirs.osPolicyPath, osPolicyText);
  const service = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, serials: inMemoryPolicySerials(), watch: false });
  await service.start();
  const holder = createPolicyHolder();
  const h = makeHarness({ extra: { policy: () => holder.current() } });
  await h.engine.createVault(PASSWORD);
  const channel = new MessageChannel();
  serveRpc(
    fromNodeMessagePort(channel.port1),
    EnginePolicyContract,
    enginePolicyHandlers(holder, () => h.engine.lock('external')),
  );
  const link = pushPolicyTo(fromNodeMessagePort(channel.port2), service);
  return {
    osPolicyPath: dirs.osPolicyPath,
    serials: inMemoryPolicySerials(),
    service,
    holder,
    engine: h.engine,
    link,
    close() {
      link.close();
      service.close();
      channel.port1.close();
    },
  };
}

describe('policy pushed from main to the engine', () => {
  it('applies a managed rule at unlock, fails closed on a tampered file, and recovers', async () => {
    const strict = { ...basePolicy, unlock: { hardwareKeyRequired: true, recoveryCodeAllowed: true } };
    const m = await mainAndEngine(signedText(strict));

    await vi.waitFor(() => expect(m.holder.current().managed).toBe(true));
    expect(m.engine.isUnlocked()).toBe(true); // a valid policy does not lock by itself
    m.engine.lock();
    await expect(m.engine.unlockWithPassword(PASSWORD)).rejects.toMatchObject({ code: 'policy_forbidden' });

    // Someone edits the signed file to allow passwords: the signature no longer matches.
    const tampered = signedText(strict).replace('"hardwareKeyRequired":true', '"hardwareKeyRequired":false');
    await writeFile(m.osPolicyPath, tampered);
    await m.service.reload();
    await vi.waitFor(() => expect(m.holder.isInvalid()).toBe(true));
    const refused = await m.engine.unlockWithPassword(PASSWORD).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'policy_invalid', message: expect.stringContaining(m.osPolicyPath) });

    // A validly signed policy that allows passwords opens the vault again.
    await writeFile(m.osPolicyPath, signedText(basePolicy));
    await m.service.reload();
    await vi.waitFor(() => expect(m.holder.isInvalid()).toBe(false));
    await expect(m.engine.unlockWithPassword(PASSWORD)).resolves.toBeTruthy();
    m.close();
  });

  it('an invalid policy pushed while the vault is open locks it at once', async () => {
    const m = await mainAndEngine('{"policy": "not signed"}');
    await vi.waitFor(() => expect(m.engine.isUnlocked()).toBe(false));
    await expect(m.engine.unlockWithPassword(PASSWORD)).rejects.toMatchObject({ code: 'policy_invalid' });
    m.close();
  });

  it('sleep and screen lock lock the vault when the policy says so, and not when it says otherwise', async () => {
    const m = await mainAndEngine(signedText({ ...basePolicy, session: { lockOnSleep: false, lockOnScreenLock: true } }));
    await vi.waitFor(() => expect(m.holder.current().managed).toBe(true));

    m.link.onSessionEvent('sleep');
    await new Promise((r) => setTimeout(r, 50));
    expect(m.engine.isUnlocked()).toBe(true);
    m.link.onSessionEvent('screen_lock');
    await vi.waitFor(() => expect(m.engine.isUnlocked()).toBe(false));
    m.close();
  });
});
