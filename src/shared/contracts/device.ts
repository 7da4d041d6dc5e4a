/**
 * This device's enrolment with the org server (DESIGN.md §7, docs/sync-protocol.md).
 * Main owns the device's Ed25519 key (OS keychain) and serves:
 * - DevicePageContract on the page's port: status and enrolment (a person's action);
 * - DeviceEngineContract on the engine worker's port: status, signing with the device
 *   key (the key never leaves main) and HTTP to the ENROLLED server only (paths under
 *   /v1/), so the worker needs no CORS and can reach nothing else through main.
 * Before enrolment (personal mode) status gives the device's own identity and signing
 * works (the audit chain is signed from the first start); the server relay refuses.
 */
import { z } from 'zod';
import { defineContract } from '../rpc/contract';
import { bytesSchema } from './hardware-key';
import { myDeviceSchema, revocationDetailsSchema, revokeMyDeviceResponseSchema } from './my-devices';

const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'identifier');

/**
 * An org server's base URL: https, or http on loopback only (development, tests); no
 * credentials, query or fragment. A regex, not URL(): src/shared compiles without DOM.
 */
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(\/[A-Za-z0-9\-._~/%]*)?$/;
const LOOPBACK_URL = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?(\/[A-Za-z0-9\-._~/%]*)?$/;
export const serverUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => (HTTPS_URL.test(s) || LOOPBACK_URL.test(s)) && !s.includes('..'), 'an https:// URL (http:// only on this computer) without credentials, query or fragment');

/** The outcome of the engine's last sync pass, as shown in Settings. No secrets: code and message only. */
export const syncOutcomeSchema = z.object({
  /** Epoch ms when the pass ended. */
  at: z.number().int().nonnegative(),
  ok: z.boolean(),
  error: z
    .object({
      code: z.string().max(64),
      message: z.string().max(2000),
      /** With `device_revoked`: who revoked this device (or its person) and when, as the server said. */
      revocation: revocationDetailsSchema.optional(),
    })
    .optional(),
});
export type SyncOutcome = z.infer<typeof syncOutcomeSchema>;

/** The device's Ed25519 public key (32 bytes, base64url): public; it verifies the device's audit chain. */
const publicKeySchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const deviceStatusSchema = z.discriminatedUnion('enrolled', [
  z.object({
    enrolled: z.literal(false),
    /** Personal mode: the id the audit chain is signed under, derived from the key (src/core/sync/device-id.ts). */
    deviceId: idSchema,
    publicKey: publicKeySchema,
  }),
  z.object({
    enrolled: z.literal(true),
    serverUrl: serverUrlSchema,
    orgId: idSchema,
    userId: idSchema,
    deviceId: idSchema,
    /** Registered at enrolment; the same key the device signed with before enrolling. */
    publicKey: publicKeySchema,
    lastSync: syncOutcomeSchema.nullable(),
  }),
]);
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

export const enrolParamsSchema = z.object({
  serverUrl: serverUrlSchema,
  code: z.string().trim().min(1).max(256),
  deviceName: z.string().trim().min(1).max(64),
});

/** Enrolment by signing in with the org's IdP (docs/identity.md §3): the server and the org's id on it. */
export const signInEnrolParamsSchema = z.object({
  serverUrl: serverUrlSchema,
  orgId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'an organisation id'),
  deviceName: z.string().trim().min(1).max(64),
});

/**
 * Un-enrolling this device: the server is told (this device revoked by its person),
 * then main removes the device key and the enrolment from the keychain. `localData`:
 * 'keep' leaves the vault on this device (personal mode, with a new device key at the
 * next start), 'wipe' is answered by the page deleting the vault and its databases too.
 * `force`: remove locally even when the server cannot be told (it then still lists the
 * device as enrolled until an administrator or another device revokes it).
 */
export const unenrolParamsSchema = z.strictObject({ localData: z.enum(['keep', 'wipe']), force: z.boolean().optional() });
export const unenrolResultSchema = z.strictObject({
  localData: z.enum(['keep', 'wipe']),
  /** Whether the server recorded this device as revoked (false only with `force`). */
  serverNotified: z.boolean(),
});

const HTTP_HEADER_NAME = /^[a-z0-9-]{1,64}$/;
/** Paths the engine may request: the protocol's own, nothing that climbs out of /v1/. */
export const serverPathSchema = z
  .string()
  .max(2048)
  .refine((p) => p.startsWith('/v1/') && /^[A-Za-z0-9\-._~/%?=&]*$/.test(p) && !p.includes('..') && !p.includes('//'), 'a path under /v1/');
const headersSchema = z.record(z.string().regex(HTTP_HEADER_NAME), z.string().max(1024)).refine((h) => Object.keys(h).length <= 16, 'at most 16 headers');

export const serverFetchParamsSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT']),
  path: serverPathSchema,
  headers: headersSchema,
  body: z
    .string()
    .max(32 * 1024 * 1024)
    .optional(),
});
export const serverFetchResultSchema = z.object({
  status: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});

export const DevicePageContract = defineContract({
  name: 'device',
  methods: {
    'device.status': { params: z.object({}), result: deviceStatusSchema },
    /** Registers the device key (made at first start, kept in main's keychain) with the one-time code. */
    'device.enrol': { params: enrolParamsSchema, result: deviceStatusSchema },
    /** Registers the same key after the person signs in with the org's IdP (OIDC); opens their browser. */
    'device.enrolSignIn': { params: signInEnrolParamsSchema, result: deviceStatusSchema },
    /** This person's devices (Settings → Devices), signed by this device. `forbidden` when not enrolled. */
    'devices.list': { params: z.object({}), result: z.object({ devices: z.array(myDeviceSchema).max(1000) }) },
    /** Revokes one of this person's devices (this one included); recorded as `device.revoke` in this device's audit log. */
    'devices.revoke': { params: z.strictObject({ deviceId: z.string().regex(/^[0-9a-f-]{36}$/, 'device id') }), result: revokeMyDeviceResponseSchema },
    'device.unenrol': { params: unenrolParamsSchema, result: unenrolResultSchema },
  },
  events: {},
});

export const DeviceEngineContract = defineContract({
  name: 'device',
  methods: {
    'device.status': { params: z.object({}), result: deviceStatusSchema },
    /** Ed25519 over `bytes` with the device key (requests, manifests, audit records), enrolled or not. */
    'device.sign': { params: z.object({ bytes: bytesSchema.refine((b) => b.length <= 1024 * 1024, 'at most 1 MiB') }), result: z.object({ sig: bytesSchema }) },
    'server.fetch': { params: serverFetchParamsSchema, result: serverFetchResultSchema },
    /** The engine tells main how its last sync pass went (shown in Settings). */
    'device.reportSync': { params: syncOutcomeSchema, result: z.object({}) },
  },
  events: {},
});
