/**
 * The clipboard clear time comes from the policy: the managed maximum when IT sets
 * one (even if the person chose "never"), the person's shorter choice under it, the
 * 30 s default without a policy, and a change pushed by main applies to the next copy.
 * Fake timers (no wall-clock waits), an in-memory clipboard, and the page's real
 * follower over a real MessageChannel.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildEffectivePolicy, personalPolicy } from '../../../src/core/policy';
import { copyWithAutoClear, type ClipboardLike } from '../../../src/renderer/clipboard';
import { clipboardClearMs, effectiveAutoLockMinutes, followPolicy, PERSONAL_DEFAULT_STATE, type UiPolicyState } from '../../../src/renderer/policy-state';
import { PolicyUiContract, type PolicyStateMessage } from '../../../src/shared/contracts/policy-ui';
import { DEFAULT_PERSONAL_SETTINGS, type Policy } from '../../../src/shared/policy';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';

class MemoryClipboard implements ClipboardLike {
  text = '';
  async writeText(t: string): Promise<void> {
    this.text = t;
  }
  async readText(): Promise<string> {
    return this.text;
  }
}

function managed(extra: Partial<Policy>, personal = DEFAULT_PERSONAL_SETTINGS): UiPolicyState {
  const policy: Policy = { version: 1, org: { name: 'Acme Corp' }, ...extra };
  return { status: 'ok', policy: buildEffectivePolicy([{ policy, source: 'os', path: '/etc/latchkey/policy.json' }], personal) };
}

describe('clipboardClearMs', () => {
  it('is 30 s with no policy (the personal default), and never for a personal 0', () => {
    expect(clipboardClearMs(PERSONAL_DEFAULT_STATE)).toBe(30_000);
    expect(clipboardClearMs({ status: 'ok', policy: personalPolicy({ ...DEFAULT_PERSONAL_SETTINGS, clipboardClearSeconds: 0 }) })).toBeNull();
  });

  it('is the managed maximum, which overrides a longer or "never" personal choice', () => {
    expect(clipboardClearMs(managed({ clipboard: { clearSeconds: 10 } }))).toBe(10_000);
    expect(clipboardClearMs(managed({ clipboard: { clearSeconds: 10 } }, { ...DEFAULT_PERSONAL_SETTINGS, clipboardClearSeconds: 0 }))).toBe(10_000);
    expect(clipboardClearMs(managed({ clipboard: { clearSeconds: 120 } }, { ...DEFAULT_PERSONAL_SETTINGS, clipboardClearSeconds: 600 }))).toBe(120_000);
  });

  it('keeps a shorter personal choice under the maximum', () => {
    expect(clipboardClearMs(managed({ clipboard: { clearSeconds: 60 } }, { ...DEFAULT_PERSONAL_SETTINGS, clipboardClearSeconds: 5 }))).toBe(5_000);
  });

  it('falls back to the default while the policy is invalid (the vault is locked then)', () => {
    expect(clipboardClearMs({ status: 'invalid', error: { code: 'policy_invalid', message: 'x' } })).toBe(30_000);
  });
});

describe('auto-lock shown in Settings', () => {
  it("is the engine's effective value: the managed maximum caps the person's choice", () => {
    expect(effectiveAutoLockMinutes(managed({ session: { autoLockMinutes: 5 } }), 0)).toBe(5);
    expect(effectiveAutoLockMinutes(managed({ session: { autoLockMinutes: 5 } }), 30)).toBe(5);
    expect(effectiveAutoLockMinutes(managed({ session: { autoLockMinutes: 5 } }), 1)).toBe(1);
    expect(effectiveAutoLockMinutes(PERSONAL_DEFAULT_STATE, 0)).toBe(0);
  });
});

describe('copying under a policy followed from main', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('clears at the managed time, and at the new time after main pushes a change', async () => {
    let current: PolicyStateMessage = managed({ clipboard: { clearSeconds: 10 } });
    const channel = new MessageChannel();
    const server = serveRpc(fromNodeMessagePort(channel.port1), PolicyUiContract, { 'policy.get': () => current });
    const client = connectRpc(fromNodeMessagePort(channel.port2), PolicyUiContract);
    let state: UiPolicyState = PERSONAL_DEFAULT_STATE;
    const stop = followPolicy(client, (s) => {
      state = s;
    });
    await vi.waitFor(() => expect(clipboardClearMs(state)).toBe(10_000));

    const clip = new MemoryClipboard();
    const first = await copyWithAutoClear('s3cret', clip, clipboardClearMs(state));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(clip.text).toBe('s3cret');
    await vi.advanceTimersByTimeAsync(1);
    expect(await first.done).toBe('cleared');

    current = managed({ clipboard: { clearSeconds: 3 } });
    server.emit('changed', current);
    await vi.waitFor(() => expect(clipboardClearMs(state)).toBe(3_000));
    const second = await copyWithAutoClear('other', clip, clipboardClearMs(state));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await second.done).toBe('cleared');
    expect(clip.text).toBe('');

    stop();
    client.close();
    server.close();
    channel.port1.close();
    channel.port2.close();
  });

  it('never clears by timer when no policy caps a personal "never" (lock still clears it)', async () => {
    const clip = new MemoryClipboard();
    const pending = await copyWithAutoClear('s3cret', clip, null);
    expect(pending.clearsAt).toBeNull();
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(clip.text).toBe('s3cret');
    pending.cancel();
    expect(await pending.done).toBe('cancelled');
  });

  it('keeps the defaults when main does not answer', async () => {
    const channel = new MessageChannel();
    const client = connectRpc(fromNodeMessagePort(channel.port2), PolicyUiContract);
    let state: UiPolicyState = PERSONAL_DEFAULT_STATE;
    const stop = followPolicy(client, (s) => {
      state = s;
    });
    await vi.advanceTimersByTimeAsync(60_000); // past the get timeout
    expect(clipboardClearMs(state)).toBe(30_000);
    stop();
    client.close();
    channel.port1.close();
    channel.port2.close();
  });
});
