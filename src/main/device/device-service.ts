/**
 * Main's side of this device's identity and its org-server enrolment (DESIGN.md §7).
 *
 * The device's Ed25519 key exists from the app's first start, enrolled or not: it signs
 * the device's audit chain from vault creation (personal mode), and enrolment registers
 * that same key, so the chain continues and is uploaded whole. Main creates it the first
 * time anything asks (in practice the engine worker's `device.status` at first start)
 * and keeps the seed in the OS keychain (account 'device-key'). In personal mode the
 * device id is derived from the public key (src/core/sync/device-id.ts); enrolment
 * proposes that id and the server, which checks the derivation, keeps it. The identity
 * the server confirmed goes to 'device-identity' (JSON). A device enrolled before this
 * (server-assigned id) keeps its stored identity unchanged.
 *
 * The engine worker never sees the key: it asks main to sign, and it reaches the server
 * only through `serverFetch`, which goes to the ENROLLED server and to paths under /v1/
 * — nothing else, and nothing before enrolment.
 *
 * Settings → Devices (docs/sync-protocol.md §5.4) is main's own signed traffic: listing
 * the person's devices, revoking one (recorded as `device.revoke` in the engine's log),
 * and un-enrolling this device, which revokes it on the server before the key and the
 * enrolment leave the keychain — so a device never forgets an enrolment the server
 * still honours, unless the person forces it with the server unreachable.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createEd25519Signer, generateEd25519SecretKey } from '../../core/audit';
import { fromBase64url, toBase64url } from '../../core/crypto/bytes';
import { assertServerUrlAllowed } from '../../core/policy';
import { completeOidcEnrolment, createServerApi, enrolDevice, startOidcEnrolment, type FetchLike, type ServerApi } from '../../core/sync';
import { signInWithOidc } from './oidc-sign-in';
import { deviceIdForPublicKey } from '../../core/sync/device-id';
import {
  deviceStatusSchema,
  enrolParamsSchema,
  serverFetchParamsSchema,
  signInEnrolParamsSchema,
  serverUrlSchema,
  unenrolParamsSchema,
  type DeviceStatus,
  type SyncOutcome,
} from '../../shared/contracts/device';
import type { MyDevice } from '../../shared/contracts/my-devices';
import type { AuditEvent } from '../../shared/contracts/audit-event';
import { uuidSchema, type EnrolResponse } from '../../shared/contracts/sync';
import { isLatchkeyError, LatchkeyError } from '../../shared/errors';
import type { EffectivePolicy } from '../../shared/policy';
import type { Keychain } from '../keychain/keychain';
import { CA_ACCOUNT } from '../proxy/ca';

export const DEVICE_KEY_ACCOUNT = 'device-key';
export const DEVICE_IDENTITY_ACCOUNT = 'device-identity';

/** Largest server response relayed to the engine (a page of pulled records is far smaller). */
const MAX_RESPONSE_CHARS = 32 * 1024 * 1024;
/** Request headers relayed: the protocol's signed headers and the body's type. */
const RELAYED_HEADER = /^(x-latchkey-[a-z-]+|content-type)$/;

const storedIdentitySchema = z.object({
  v: z.literal(1),
  serverUrl: serverUrlSchema,
  orgId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  userId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  deviceId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
type StoredIdentity = z.infer<typeof storedIdentitySchema>;

/** The subset of WHATWG fetch main uses; global fetch satisfies it. */
export type HttpFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; redirect: 'error' },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface DeviceServiceDeps {
  readonly keychain: Keychain;
  /** The effective policy; a policy naming an org server refuses enrolment elsewhere. */
  readonly policy?: () => EffectivePolicy;
  /** Defaults to global fetch. */
  readonly fetch?: HttpFetch;
  /** Opens the IdP's sign-in page in the browser; without it sign-in enrolment is unsupported. */
  readonly openBrowser?: (url: string) => Promise<void> | void;
  /** How long sign-in enrolment waits for the browser (default 5 minutes). */
  readonly signInTimeoutMs?: number;
  /** This device's audit log (the engine's chain, through main's engine link): revocations are recorded there. */
  readonly audit?: { append(event: AuditEvent): void | Promise<void> };
  /**
   * Whether the vault is unlocked now. Revoking devices and un-enrolling need it: the
   * device key signs without the vault, so without this check anyone at an unlocked OS
   * session with Latchkey locked could revoke the person's other devices.
   */
  readonly vaultUnlocked?: () => Promise<boolean>;
}

export interface DeviceService {
  status(): Promise<DeviceStatus>;
  enrol(params: z.input<typeof enrolParamsSchema>): Promise<DeviceStatus>;
  /** Enrols by signing in with the org's IdP (OIDC, docs/identity.md §3); the one-time code stays the fallback. */
  enrolWithSignIn(params: z.input<typeof signInEnrolParamsSchema>): Promise<DeviceStatus>;
  sign(bytes: Uint8Array): Promise<Uint8Array>;
  serverFetch(params: z.input<typeof serverFetchParamsSchema>): Promise<{ status: number; headers: Record<string, string>; body: string }>;
  reportSync(outcome: SyncOutcome): void;
  /** This person's devices, asked of the server by this device. */
  listDevices(): Promise<MyDevice[]>;
  /** Revokes one of this person's devices (this one included). */
  revokeDevice(deviceId: string): Promise<{ deviceId: string; revokedAt: string }>;
  /**
   * Tells the server this device is revoked, then removes the device key and the
   * enrolment from the keychain; the caller deletes the local databases ('sync' state
   * when keeping the vault, everything when wiping).
   */
  unenrol(params: z.input<typeof unenrolParamsSchema>): Promise<{ localData: 'keep' | 'wipe'; serverNotified: boolean }>;
  /** Wipes the cached signing key (the next use reads it from the keychain again). */
  close(): void;
}

/** Parses a caller's input; refusals name the rule, never echo the value. */
function parseInput<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new LatchkeyError('invalid_input', `The ${what} was refused: ${r.error.issues[0]?.message ?? 'invalid'}.`);
  return r.data;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

export function createDeviceService(deps: DeviceServiceDeps): DeviceService {
  const httpFetch: HttpFetch = deps.fetch ?? ((url, init) => fetch(url, init));
  let identity: StoredIdentity | null | undefined; // undefined: not read yet
  let lastSync: SyncOutcome | null = null;
  let enrolling = false;

  async function loadIdentity(): Promise<StoredIdentity | null> {
    if (identity !== undefined) return identity;
    const raw = await deps.keychain.get(DEVICE_IDENTITY_ACCOUNT);
    if (raw === null) return (identity = null);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = null;
    }
    const parsed = storedIdentitySchema.safeParse(json);
    // A damaged entry means "not enrolled" rather than a crash; enrolling again replaces it.
    identity = parsed.success ? parsed.data : null;
    return identity;
  }

  async function requireIdentity(): Promise<StoredIdentity> {
    const id = await loadIdentity();
    if (id === null) throw new LatchkeyError('forbidden', 'This device is not enrolled with an organisation server: enrol it in Settings first.');
    return id;
  }

  /**
   * The device key, created on first use. One creation at a time (memoised promise), so
   * two first callers cannot store two different keys.
   */
  let signerP: Promise<ReturnType<typeof createEd25519Signer>> | null = null;
  function deviceSigner(): Promise<ReturnType<typeof createEd25519Signer>> {
    signerP ??= loadOrCreateSigner().catch((e: unknown) => {
      signerP = null;
      throw e;
    });
    return signerP;
  }

  async function loadOrCreateSigner(): Promise<ReturnType<typeof createEd25519Signer>> {
    const id = await loadIdentity();
    const stored = await deps.keychain.get(DEVICE_KEY_ACCOUNT);
    if (stored === null) {
      if (id !== null) throw new LatchkeyError('forbidden', 'The device key is missing from the system keychain: enrol this device again.');
      const fresh = generateEd25519SecretKey();
      try {
        await deps.keychain.set(DEVICE_KEY_ACCOUNT, toBase64url(fresh));
        return createEd25519Signer(fresh);
      } finally {
        fresh.fill(0);
      }
    }
    const seed = fromBase64url(stored);
    try {
      if (seed.length !== 32) throw new LatchkeyError('integrity', 'The device key in the system keychain is damaged: enrol this device again.');
      const s = createEd25519Signer(seed);
      if (id !== null && toBase64url(s.publicKey) !== id.publicKey) {
        s.dispose();
        throw new LatchkeyError('integrity', 'The device key in the system keychain does not match the enrolled device: enrol this device again.');
      }
      return s;
    } finally {
      seed.fill(0);
    }
  }

  async function statusOf(id: StoredIdentity | null): Promise<DeviceStatus> {
    if (id === null) {
      // Personal mode: the identity the audit chain is signed with, ready for enrolment.
      const publicKey = (await deviceSigner()).publicKey;
      return deviceStatusSchema.parse({ enrolled: false, deviceId: deviceIdForPublicKey(publicKey), publicKey: toBase64url(publicKey) });
    }
    const { serverUrl, orgId, userId, deviceId, publicKey } = id;
    return deviceStatusSchema.parse({ enrolled: true, serverUrl, orgId, userId, deviceId, publicKey, lastSync });
  }

  const fetchLike: FetchLike = async (url, init) => {
    const res = await httpFetch(url, { ...init, redirect: 'error' });
    return { status: res.status, text: () => res.text() };
  };

  /** The server API signed by this device, as main itself (the page's device actions). */
  async function signedApi(): Promise<{ api: ServerApi; id: StoredIdentity }> {
    const id = await requireIdentity();
    if (deps.policy !== undefined) assertServerUrlAllowed(deps.policy(), id.serverUrl);
    const signer = await deviceSigner();
    const api = createServerApi({
      baseUrl: id.serverUrl,
      fetch: async (url, init) => {
        try {
          return await fetchLike(url, init);
        } catch {
          throw new LatchkeyError('upstream_failed', `The organisation server at ${id.serverUrl} could not be reached.`);
        }
      },
      clock: { now: () => Date.now() },
      random: { bytes: (n) => new Uint8Array(randomBytes(n)) },
      signer: { publicKey: signer.publicKey, sign: (m) => signer.sign(m) },
      identity: { orgId: id.orgId, userId: id.userId, deviceId: id.deviceId },
    });
    return { api, id };
  }

  /** A revocation joins this device's signed audit log; without an open engine there is no log to write to, and the server keeps who revoked it. */
  async function recordRevoke(deviceId: string, outcome: AuditEvent['outcome'], reason?: AuditEvent['reason']): Promise<void> {
    if (deps.audit === undefined) return;
    const event: AuditEvent = { action: 'device.revoke', actor: { type: 'person' }, target: { deviceId }, outcome, ...(reason === undefined ? {} : { reason }) };
    await Promise.resolve(deps.audit.append(event)).catch(() => undefined);
  }

  async function requireUnlocked(): Promise<void> {
    if (deps.vaultUnlocked !== undefined && !(await deps.vaultUnlocked().catch(() => false))) {
      throw new LatchkeyError('vault_locked', 'Unlock Latchkey first: revoking devices and un-enrolling need the unlocked vault.');
    }
  }

  async function revoke(deviceId: string): Promise<{ deviceId: string; revokedAt: string }> {
    const { api } = await signedApi();
    try {
      const out = await api.revokeMyDevice(deviceId);
      await recordRevoke(deviceId, 'success');
      return out;
    } catch (err) {
      await recordRevoke(deviceId, 'failure', isLatchkeyError(err) ? err.code : 'internal');
      throw err;
    }
  }

  async function forgetEnrolment(): Promise<void> {
    const p = signerP;
    signerP = null;
    await p?.then(
      (s) => s.dispose(),
      () => undefined,
    );
    // Identity first: a device key left without it is personal mode again, never a half enrolment.
    await deps.keychain.delete(DEVICE_IDENTITY_ACCOUNT);
    await deps.keychain.delete(DEVICE_KEY_ACCOUNT);
    identity = null;
    lastSync = null;
  }

  /**
   * Both enrolment paths: registers the key that has signed this device's audit chain
   * since its first start, under its derived id, then stores the identity the server
   * confirmed. `register` talks to the server (one-time code, or sign-in with the IdP).
   */
  async function enrolWith(
    rawServerUrl: string,
    register: (api: { baseUrl: string; fetch: FetchLike }, publicKey: Uint8Array, deviceId: string) => Promise<EnrolResponse>,
  ): Promise<DeviceStatus> {
    const serverUrl = trimSlash(rawServerUrl);
    if (deps.policy !== undefined) assertServerUrlAllowed(deps.policy(), serverUrl);
    if (enrolling) throw new LatchkeyError('conflict', 'This device is already being enrolled.');
    // Set before any await, so two overlapping requests cannot both register a key.
    enrolling = true;
    try {
      if ((await loadIdentity()) !== null) throw new LatchkeyError('conflict', 'This device is already enrolled with an organisation server.');
      const publicKey = (await deviceSigner()).publicKey;
      const deviceId = deviceIdForPublicKey(publicKey);
      let r: EnrolResponse;
      try {
        r = await register({ baseUrl: serverUrl, fetch: fetchLike }, publicKey, deviceId);
      } catch (err) {
        if (err instanceof LatchkeyError) throw err;
        throw new LatchkeyError('upstream_failed', `The organisation server at ${serverUrl} could not be reached.`);
      }
      // Under another id the chain signed so far could not be uploaded as this device's.
      if (r.deviceId !== deviceId) {
        throw new LatchkeyError(
          'upstream_failed',
          `The organisation server at ${serverUrl} assigned this device another id than its key's, so enrolment was not completed. The server needs updating.`,
        );
      }
      const stored: StoredIdentity = storedIdentitySchema.parse({ v: 1, serverUrl, orgId: r.orgId, userId: r.userId, deviceId, publicKey: toBase64url(publicKey) });
      await deps.keychain.set(DEVICE_IDENTITY_ACCOUNT, JSON.stringify(stored));
      identity = stored;
      lastSync = null;
      return await statusOf(stored);
    } finally {
      enrolling = false;
    }
  }

  return {
    async status() {
      return await statusOf(await loadIdentity());
    },

    async enrol(raw) {
      const p = parseInput(enrolParamsSchema, raw, 'enrolment request');
      return enrolWith(p.serverUrl, (api, publicKey, deviceId) => enrolDevice(api, p.code, publicKey, p.deviceName, deviceId));
    },

    async enrolWithSignIn(raw) {
      const p = parseInput(signInEnrolParamsSchema, raw, 'enrolment request');
      const openBrowser = deps.openBrowser;
      if (openBrowser === undefined) throw new LatchkeyError('unsupported', 'Sign-in enrolment is not available in this build; enrol with a one-time code.');
      return enrolWith(p.serverUrl, async (api, publicKey, deviceId) => {
        const start = await startOidcEnrolment(api, p.orgId, publicKey);
        const idToken = await signInWithOidc(start, { openBrowser, ...(deps.signInTimeoutMs !== undefined ? { timeoutMs: deps.signInTimeoutMs } : {}) });
        return completeOidcEnrolment(api, { orgId: p.orgId, attemptId: start.attemptId, idToken, publicKey, deviceName: p.deviceName, deviceId });
      });
    },

    async sign(bytes) {
      // Personal mode signs too: the audit chain starts before any enrolment.
      const s = await deviceSigner();
      return await s.sign(bytes);
    },

    async serverFetch(raw) {
      const p = parseInput(serverFetchParamsSchema, raw, 'server request');
      const id = await requireIdentity();
      // A policy installed after enrolment that names another server stops sync (fail closed).
      if (deps.policy !== undefined) assertServerUrlAllowed(deps.policy(), id.serverUrl);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(p.headers)) if (RELAYED_HEADER.test(k)) headers[k] = v;
      const url = trimSlash(id.serverUrl) + p.path;
      let res: Awaited<ReturnType<HttpFetch>>;
      try {
        res = await httpFetch(url, p.body === undefined ? { method: p.method, headers, redirect: 'error' } : { method: p.method, headers, body: p.body, redirect: 'error' });
      } catch {
        throw new LatchkeyError('upstream_failed', `The organisation server at ${id.serverUrl} could not be reached.`);
      }
      const body = await res.text();
      if (body.length > MAX_RESPONSE_CHARS) throw new LatchkeyError('upstream_failed', 'The organisation server sent a response too large to be a sync protocol answer.');
      const type = res.headers.get('content-type');
      const out: Record<string, string> = {};
      if (type !== null) out['content-type'] = type;
      return { status: res.status, headers: out, body };
    },

    reportSync(outcome) {
      lastSync = outcome;
    },

    async listDevices() {
      const { api } = await signedApi();
      return (await api.myDevices()).devices;
    },

    async revokeDevice(raw) {
      const deviceId = parseInput(uuidSchema, raw, 'device id');
      await requireUnlocked();
      return await revoke(deviceId);
    },

    async unenrol(raw) {
      const p = parseInput(unenrolParamsSchema, raw, 'un-enrolment request');
      const id = await requireIdentity();
      await requireUnlocked();
      let serverNotified = false;
      try {
        await revoke(id.deviceId);
        serverNotified = true;
      } catch (err) {
        // Revoked already (by an admin, or from another device): the server knows.
        if (isLatchkeyError(err, 'device_revoked')) serverNotified = true;
        else if (p.force !== true)
          throw new LatchkeyError(
            isLatchkeyError(err) ? err.code : 'upstream_failed',
            `This device is still enrolled: the organisation server could not be told (${isLatchkeyError(err) ? err.message : 'it could not be reached'}). Try again, or remove it from this device only.`,
          );
      }
      await forgetEnrolment();
      // Wiping leaves no key of this device behind: the per-device CA that run proxies
      // sign with goes too (made anew when next needed). Policy serials stay: they are
      // what refuses an older policy file, and wiping must not reopen that door.
      if (p.localData === 'wipe') await deps.keychain.delete(CA_ACCOUNT);
      return { localData: p.localData, serverNotified };
    },

    close() {
      const p = signerP;
      signerP = null;
      void p?.then(
        (s) => s.dispose(),
        () => undefined,
      );
    },
  };
}
