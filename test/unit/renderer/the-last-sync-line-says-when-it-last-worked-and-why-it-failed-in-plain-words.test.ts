/**
 * Settings → Organisation server: the last-sync line names the time of the last
 * success and, after a failure, when and why in plain words (no error code, no
 * internal name), and what the person can do. Over the real engine's UI contract, a
 * worker that does not sync says so and "Sync now" is refused with a reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../../src/shared/contracts/engine';
import { syncStatusWords } from '../../../src/renderer/views/sync-words';
import { engineUiOverChannel, expectCode, makeHarness } from '../core/helpers';

const AT = Date.UTC(2026, 11, 4, 9, 30);
const base: SyncStatus = { active: true, running: false, lastSuccessAt: null, lastFailure: null };
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

describe('the last-sync line', () => {
  it('says when it last worked, and nothing failed', () => {
    expect(syncStatusWords(base)).toEqual({ success: 'Not synced yet since Latchkey opened.', failure: null });
    const w = syncStatusWords({ ...base, lastSuccessAt: AT });
    expect(w.success).toBe(`Last synced ${new Date(AT).toLocaleString()}.`);
    expect(w.failure).toBeNull();
  });

  it('gives the reason of the last failure in words, with what to do', () => {
    const unreachable = syncStatusWords({
      ...base,
      lastSuccessAt: AT,
      lastFailure: { at: AT + 60_000, code: 'upstream_failed', message: 'The organisation server at https://org.example could not be reached.' },
    });
    expect(unreachable.success).toContain('Last synced');
    expect(unreachable.failure).toContain(new Date(AT + 60_000).toLocaleString());
    expect(unreachable.failure).toContain('could not be reached. Latchkey tries again every minute.');
    const revoked = syncStatusWords({ ...base, lastFailure: { at: AT, code: 'device_revoked', message: 'device_revoked' } }).failure!;
    expect(revoked).toContain('revoked this device');
    expect(revoked).not.toContain('device_revoked');
    const rollback = syncStatusWords({
      ...base,
      lastFailure: { at: AT, code: 'rollback_detected', message: 'The server offered an older vault than this device has seen.' },
    }).failure!;
    expect(rollback).toContain('Tell your administrator.');
  });

  it('over the engine contract, a worker that does not sync says so and refuses Sync now with a reason', async () => {
    const h = makeHarness();
    const { ui, close } = engineUiOverChannel(h.engine);
    cleanups.push(() => {
      close();
      h.store.close();
    });
    expect(await ui.call('sync.status', {})).toEqual({ active: false, running: false, lastSuccessAt: null, lastFailure: null });
    await expectCode(ui.call('sync.now', {}), 'unsupported');
    await expect(ui.call('sync.now', {})).rejects.toThrow(/enrol it with your organisation server in Settings, then reopen Latchkey/);
  });
});
