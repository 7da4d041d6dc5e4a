/**
 * The real node-hid adapter: loading it lazily works under plain Node, discovery
 * filters on the FIDO usage page, and ids do not expose the HID path (paths can carry
 * serial numbers). This machine has no hidraw devices, so the list is empty; real
 * keys are covered by the software authenticator behind the same interface.
 */
import { describe, expect, it } from 'vitest';
import { createNodeHidDiscovery, FIDO_USAGE_PAGE } from '../../../src/main/fido/hid.node-hid';
import { hidDeviceId } from '../../../src/main/fido/service';

describe('node-hid discovery', () => {
  it('loads node-hid on first use and lists only FIDO devices (none here)', async () => {
    const keys = await createNodeHidDiscovery().list();
    expect(Array.isArray(keys)).toBe(true);
    for (const k of keys) expect(k.transport).toBe('hid');
    expect(FIDO_USAGE_PAGE).toBe(0xf1d0);
  });

  it('device ids are stable hashes, not paths', () => {
    const path = '/dev/hidraw3';
    expect(hidDeviceId(path)).toBe(hidDeviceId(path));
    expect(hidDeviceId(path)).toMatch(/^[0-9a-f]{24}$/);
    expect(hidDeviceId(path)).not.toContain('hidraw');
    expect(hidDeviceId('/dev/hidraw4')).not.toBe(hidDeviceId(path));
  });
});
