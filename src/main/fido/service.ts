/**
 * Main's hardware-key service: the CTAP2-over-HID backend of HardwareKeyContract.
 * It picks the device (several keys: a silent probe finds the one holding the
 * credential; otherwise the person chooses), asks for a PIN through a 'pin-needed'
 * event answered by 'pin.answer', reports touches through 'touch-needed', and
 * returns the hmac-secret to the caller (the engine). A PIN or secret never reaches
 * an event, an error or a log.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import {
  type DeviceDescriptor,
  type DeviceInfo,
  type EnrolResult,
  type HardwareKey,
  type HardwareKeyContract,
  type HmacSecretResult,
  enrolParamsSchema,
  hmacSecretParamsSchema,
} from '../../shared/contracts/hardware-key';
import type { z } from 'zod';
import { attestationRequirement } from '../../core/policy';
import { LatchkeyError } from '../../shared/errors';
import type { EffectivePolicy } from '../../shared/policy';
import type { RpcHandlers, RpcServer } from '../../shared/rpc/rpc';
import type { EventIn } from '../../shared/rpc/contract';
import type { ApprovalKey } from '../../shared/contracts/approval-receipt';
import type { ApprovalAssertion } from './approval-assertion';
import { FidoKey, type OperationHooks } from './fido-key';
import type { FidoDeviceHandle, FidoDiscovery } from './transport';

type Events = HardwareKeyContract['events'];
export type HardwareKeyEvent = { [E in keyof Events & string]: { event: E; payload: EventIn<HardwareKeyContract, E> } }[keyof Events & string];

export interface FidoServiceDeps {
  discovery: FidoDiscovery;
  random: (n: number) => Uint8Array;
  /** How long the person has to touch the key (default 30 s). */
  touchTimeoutMs?: number;
  /** How long a PIN prompt waits for an answer (default 120 s). */
  pinTimeoutMs?: number;
  /** CTAPHID INIT/cancel deadline (tests shorten it). */
  shortTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The running policy. When it restricts authenticators, enrolment verifies the key's
   * attestation (docs/hardware-key.md "Attestation"); absent = no restriction (tests,
   * preview). It throws while a managed policy is invalid, so enrolment fails closed.
   */
  policy?: () => EffectivePolicy;
  /** Clock for certificate validity (tests move it). */
  now?: () => Date;
}

export interface FidoService extends HardwareKey {
  info(deviceId?: string): Promise<DeviceInfo>;
  /** Makes a credential to approve requests with (touch to approve), on the one plugged-in key or `deviceId`. */
  enrolApproval(input: { userId: Uint8Array; userName: string; exclude: Uint8Array[]; uv: boolean; deviceId?: string }): Promise<ApprovalKey>;
  /** A touch over `clientDataHash` by whichever plugged-in key holds one of `credentialIds`. */
  approve(input: { credentialIds: Uint8Array[]; clientDataHash: Uint8Array; uv: boolean }): Promise<ApprovalAssertion>;
  setPin(pin: string, deviceId?: string): Promise<void>;
  answerPin(requestId: string, pin: string | undefined): void;
  cancel(requestId?: string): void;
  subscribe(listener: (e: HardwareKeyEvent) => void): () => void;
}

function deviceIdOf(h: FidoDeviceHandle): string {
  return h.id;
}

function toDescriptor(h: FidoDeviceHandle): DeviceDescriptor {
  const d: DeviceDescriptor = { id: deviceIdOf(h), transport: h.transport, product: h.product.slice(0, 128), manufacturer: h.manufacturer.slice(0, 128) };
  if (h.vendorId !== undefined) d.vendorId = h.vendorId;
  if (h.productId !== undefined) d.productId = h.productId;
  return d;
}

/** A short, stable, non-identifying id for a HID path (paths can contain serials). */
export function hidDeviceId(path: string): string {
  return Array.from(sha256(utf8ToBytes(`latchkey hid ${path}`)).subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function createFidoService(deps: FidoServiceDeps): FidoService {
  const listeners = new Set<(e: HardwareKeyEvent) => void>();
  const pendingPins = new Map<string, (pin: string | null) => void>();
  const running = new Map<string, AbortController>();
  /** PIN token kept from an enrolment for the next hmac-secret call on that key (60 s, single use). */
  const kept = new Map<string, { proto: number; token: Uint8Array; timer: ReturnType<typeof setTimeout> }>();
  const dropKept = (deviceId: string): void => {
    const k = kept.get(deviceId);
    if (!k) return;
    clearTimeout(k.timer);
    k.token.fill(0);
    kept.delete(deviceId);
  };

  const emit = (e: HardwareKeyEvent): void => {
    for (const l of listeners) l(e);
  };
  const newRequestId = (): string => Array.from(deps.random(12), (b) => b.toString(16).padStart(2, '0')).join('');

  async function pick(deviceId: string | undefined): Promise<FidoDeviceHandle[]> {
    const all = await deps.discovery.list();
    if (deviceId !== undefined) {
      const h = all.find((d) => deviceIdOf(d) === deviceId);
      if (!h) throw new LatchkeyError('fido_removed', 'That security key is no longer plugged in.');
      return [h];
    }
    if (all.length === 0) throw new LatchkeyError('not_found', 'No security key found. Plug in your key and try again.');
    return all;
  }

  async function only(deviceId: string | undefined): Promise<FidoDeviceHandle> {
    const hs = await pick(deviceId);
    if (hs.length > 1) throw new LatchkeyError('invalid_input', 'Several security keys are plugged in; choose one.', { reason: 'choose_device', count: hs.length });
    return hs[0]!;
  }

  async function withKey<T>(h: FidoDeviceHandle, fn: (key: FidoKey) => Promise<T>): Promise<T> {
    const key = await FidoKey.open(await h.open(), {
      random: deps.random,
      ...(deps.shortTimeoutMs === undefined ? {} : { shortTimeoutMs: deps.shortTimeoutMs }),
      ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    });
    try {
      return await fn(key);
    } finally {
      await key.close();
    }
  }

  /** Runs one person-facing operation with its own request id, events and cancel handle. */
  async function operation<T>(h: FidoDeviceHandle, fn: (key: FidoKey, hooks: OperationHooks) => Promise<T>): Promise<T> {
    const requestId = newRequestId();
    const deviceId = deviceIdOf(h);
    const abort = new AbortController();
    running.set(requestId, abort);
    const hooks: OperationHooks = {
      signal: abort.signal,
      touchTimeoutMs: deps.touchTimeoutMs ?? 30_000,
      tokenCache: {
        take() {
          const k = kept.get(deviceId);
          if (!k) return undefined;
          clearTimeout(k.timer);
          kept.delete(deviceId);
          return { proto: k.proto, token: k.token };
        },
        put(proto, token) {
          dropKept(deviceId);
          const timer = setTimeout(() => dropKept(deviceId), 60_000);
          (timer as { unref?: () => void }).unref?.();
          kept.set(deviceId, { proto, token, timer });
        },
      },
      onKeepalive(status) {
        emit(status === 'up-needed' ? { event: 'touch-needed', payload: { requestId, deviceId } } : { event: 'processing', payload: { requestId, deviceId } });
      },
      askPin(req) {
        return new Promise<string | null>((resolve) => {
          const timer = setTimeout(() => settle(null), deps.pinTimeoutMs ?? 120_000);
          const onAbort = (): void => settle(null);
          const settle = (pin: string | null): void => {
            clearTimeout(timer);
            abort.signal.removeEventListener('abort', onAbort);
            pendingPins.delete(requestId);
            resolve(pin);
          };
          abort.signal.addEventListener('abort', onAbort, { once: true });
          pendingPins.set(requestId, settle);
          emit({ event: 'pin-needed', payload: { requestId, deviceId, retriesLeft: req.retriesLeft, retry: req.retry } });
        });
      },
    };
    try {
      return await withKey(h, (key) => fn(key, hooks));
    } finally {
      running.delete(requestId);
      pendingPins.get(requestId)?.(null);
      emit({ event: 'done', payload: { requestId } });
    }
  }

  /** The one plugged-in key holding one of `ids`, found by silent probes when several are plugged in. */
  async function holderOf(handles: FidoDeviceHandle[], ids: Uint8Array[]): Promise<FidoDeviceHandle> {
    if (handles.length === 1) return handles[0]!;
    const holders: FidoDeviceHandle[] = [];
    for (const c of handles) {
      try {
        if (await withKey(c, (k) => k.findCredential(ids))) holders.push(c);
      } catch {
        /* a key that fails the probe is simply not chosen */
      }
    }
    if (holders.length === 0) throw new LatchkeyError('fido_not_enrolled', 'None of the plugged-in security keys is enrolled to approve requests.');
    if (holders.length > 1)
      throw new LatchkeyError('invalid_input', 'Several enrolled security keys are plugged in; unplug all but one.', { reason: 'choose_device', count: holders.length });
    return holders[0]!;
  }

  return {
    async list() {
      return (await deps.discovery.list()).map(toDescriptor);
    },
    async info(deviceId) {
      return withKey(await only(deviceId), (k) => k.info());
    },
    async setPin(pin, deviceId) {
      await withKey(await only(deviceId), (k) => k.setPin(pin));
    },
    async enrol(raw: z.input<typeof enrolParamsSchema>): Promise<EnrolResult> {
      const p = enrolParamsSchema.parse(raw);
      // Read before the touch: a policy that is broken now refuses before the key is asked.
      const requirement = deps.policy ? attestationRequirement(deps.policy()) : null;
      const h = await only(p.deviceId);
      const made = await operation(h, (k, hooks) =>
        k.enrol(
          {
            userId: p.userId,
            userName: p.userName,
            exclude: p.exclude,
            uv: p.uv,
            ...(requirement ? { attestation: { requirement, now: deps.now?.() ?? new Date() } } : {}),
          },
          hooks,
        ),
      );
      return { ...made, name: p.name, product: h.product.slice(0, 128) };
    },
    async enrolApproval(input) {
      const h = await only(input.deviceId);
      return operation(h, (k, hooks) => k.enrolApproval(input, hooks));
    },
    async approve(input) {
      const h = await holderOf(await pick(undefined), input.credentialIds);
      return operation(h, (k, hooks) => k.approve(input, hooks));
    },
    async getHmacSecret(raw): Promise<HmacSecretResult> {
      const p = hmacSecretParamsSchema.parse(raw);
      const handles = await pick(p.deviceId);
      let h = handles[0]!;
      if (handles.length > 1) {
        // Several keys: find the one holding a credential without asking for a touch.
        const holders: FidoDeviceHandle[] = [];
        for (const c of handles) {
          try {
            if (await withKey(c, (k) => k.findCredential(p.credentialIds))) holders.push(c);
          } catch {
            /* a key that fails the probe is simply not chosen */
          }
        }
        if (holders.length === 0) throw new LatchkeyError('fido_not_enrolled', 'None of the plugged-in security keys is enrolled in this vault.');
        if (holders.length > 1)
          throw new LatchkeyError('invalid_input', 'Several enrolled security keys are plugged in; choose one.', { reason: 'choose_device', count: holders.length });
        h = holders[0]!;
      }
      return operation(h, (k, hooks) => k.hmacSecret({ credentialIds: p.credentialIds, salt: p.salt, uv: p.uv }, hooks));
    },
    answerPin(requestId, pin) {
      const settle = pendingPins.get(requestId);
      if (!settle) throw new LatchkeyError('not_found', 'No PIN prompt is waiting for that request.');
      settle(pin ?? null);
    },
    cancel(requestId) {
      for (const [id, a] of running) if (requestId === undefined || id === requestId) a.abort();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const ok = { ok: true } as const;

/** Handlers for serveRpc(port, HardwareKeyContract, hardwareKeyHandlers(service)). */
export function hardwareKeyHandlers(service: FidoService): RpcHandlers<HardwareKeyContract> {
  return {
    'keys.list': async () => ({ keys: await service.list() }),
    'keys.info': ({ deviceId }) => service.info(deviceId),
    'keys.setPin': async ({ deviceId, pin }) => {
      await service.setPin(pin, deviceId);
      return ok;
    },
    'keys.enrol': (p) => service.enrol(p),
    'keys.getHmacSecret': async (p, ctx) => {
      const r = await service.getHmacSecret(p);
      // Move the secret to the caller instead of leaving a copy in main: a fresh
      // 32-byte buffer is transferred (detached here), the original is wiped.
      const secret = r.secret.slice();
      r.secret.fill(0);
      ctx.transfer(secret.buffer);
      return { credentialId: r.credentialId, secret };
    },
    'pin.answer': ({ requestId, pin }) => {
      service.answerPin(requestId, pin);
      return ok;
    },
    'keys.cancel': ({ requestId }) => {
      service.cancel(requestId);
      return ok;
    },
  };
}

/** Forwards the service's events to one RPC connection (UI or engine); returns an unsubscribe. */
export function forwardHardwareKeyEvents(service: FidoService, server: RpcServer<HardwareKeyContract>): () => void {
  return service.subscribe((e) => {
    switch (e.event) {
      case 'touch-needed':
        server.emit('touch-needed', e.payload);
        break;
      case 'pin-needed':
        server.emit('pin-needed', e.payload);
        break;
      case 'processing':
        server.emit('processing', e.payload);
        break;
      case 'done':
        server.emit('done', e.payload);
        break;
    }
  });
}
