/**
 * Fixtures for the hardware-key tests: software keys behind the real client and
 * service, short timeouts (no test waits seconds), and a scripted PIN pad.
 */
import { createFidoService, type FidoService, type FidoServiceDeps, type HardwareKeyEvent } from '../../../src/main/fido/service';
import type { SoftAuthenticatorOptions } from '../../fido/soft-authenticator';
import { softDiscovery, softKey, type SoftKey } from '../../fido/soft-transport';
import { random } from '../../fido/random';

export { random };

export function makeKey(id: string, o: Partial<SoftAuthenticatorOptions> = {}): SoftKey {
  return softKey(id, { random, keepaliveMs: 5, ...o });
}

export interface ServiceHarness {
  service: FidoService;
  keys: SoftKey[];
  events: HardwareKeyEvent[];
  /** PINs handed out in order to successive prompts; undefined = cancel. */
  pins: Array<string | undefined>;
}

export function makeService(keys: SoftKey[], o: { touchTimeoutMs?: number } & Pick<FidoServiceDeps, 'policy' | 'now'> = {}): ServiceHarness {
  const discovery = softDiscovery(keys);
  const service = createFidoService({
    discovery,
    random,
    touchTimeoutMs: o.touchTimeoutMs ?? 2_000,
    pinTimeoutMs: 2_000,
    shortTimeoutMs: 300,
    sleep: async () => {},
    ...(o.policy ? { policy: o.policy } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  const h: ServiceHarness = { service, keys, events: [], pins: [] };
  service.subscribe((e) => {
    h.events.push(e);
    if (e.event === 'pin-needed') {
      const pin = h.pins.shift();
      queueMicrotask(() => service.answerPin(e.payload.requestId, pin));
    }
  });
  return h;
}

export async function expectCode(p: Promise<unknown>, code: string): Promise<Record<string, unknown> | undefined> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; details?: Record<string, unknown> };
    if (err.code !== code) throw new Error(`expected ${code}, got ${String(err.code)}: ${String(e)}`);
    return err.details;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
