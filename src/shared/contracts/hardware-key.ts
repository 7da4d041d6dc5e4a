/**
 * Hardware security key (FIDO2 hmac-secret / WebAuthn PRF) API, served by main.
 *
 * Callers: the engine (enrol a key into a slot, get the 32-byte secret that opens a
 * slot) and the UI (list keys, answer a PIN prompt, show "touch your key"). Two
 * backends implement the same contract: CTAP2 over HID (src/main/fido, Linux/macOS)
 * and, later, the Windows WebAuthn API with the PRF extension (docs/hardware-key.md).
 * Everything here is therefore phrased in WebAuthn PRF terms:
 *
 * - The caller passes a 32-byte PRF *input* (`salt`). The backend sends the CTAP2
 *   hmac-secret salt SHA-256("WebAuthn PRF" || 0x00 || salt), exactly what a browser
 *   or webauthn.dll does, so one key yields one secret on every backend.
 * - Relying party id is {@link HARDWARE_KEY_RP_ID}. A WebAuthn backend must use the same
 *   value, or the key's credential is not found.
 * - `uv` selects which of a CTAP 2.1 credential's two hmac secrets is used (with or
 *   without user verification). Enrol and unlock MUST use the same value, so the slot
 *   records what enrolment used and passes it back on unlock.
 *
 * Errors (LatchkeyError codes): fido_pin_invalid (details.retriesLeft),
 * fido_pin_blocked, fido_pin_required, fido_not_enrolled (none of the credential ids is
 * on the key), fido_no_touch, fido_removed, fido_no_hmac_secret, fido_device (malformed
 * or failing device), fido_busy, cancelled, not_found (no key plugged in / unknown
 * deviceId), invalid_input (several keys plugged in and none chosen: details.reason
 * 'choose_device'). `keys.enrol` under a policy that restricts authenticators also:
 * policy_forbidden (the key's attestation was refused; details.reason, docs/hardware-key.md
 * §3a) and policy_invalid (the managed policy, or one of its pinned roots, is broken).
 *
 * PINs: the UI answers a 'pin-needed' event with `pin.answer`; PINs never appear in an
 * event, a result, an error or a log.
 */
import { z } from 'zod';
import { defineContract } from '../rpc/contract';

/** Relying party id of every Latchkey credential (not a web origin; never resolvable). */
export const HARDWARE_KEY_RP_ID = 'latchkey.local';
/** Context string of the WebAuthn PRF salt transform (WebAuthn L3 §10.1.4). */
export const PRF_CONTEXT = 'WebAuthn PRF';

export const bytesSchema = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes');
const bytes32 = bytesSchema.refine((b) => b.length === 32, 'must be 32 bytes');
/** CTAP credential ids are at most 1023 bytes in practice (CTAP 2.1 §6.1.2 says ≤ 1023 for allowList entries). */
export const credentialIdSchema = bytesSchema.refine((b) => b.length >= 16 && b.length <= 1023, '16..1023 bytes');

/** An opaque handle for one plugged-in key (HID path hash, or 'platform' on WebAuthn). */
export const deviceIdSchema = z.string().min(1).max(128);
/** Correlates events and PIN answers with one operation. */
export const requestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** AAGUID as 36-char lowercase UUID text; all zeros when the key does not tell. */
export const aaguidSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
/** CTAP2 PIN: 4..63 UTF-8 bytes after NFC (checked again by the backend in bytes). */
export const pinSchema = z.string().min(4).max(63);

export const deviceDescriptorSchema = z.object({
  id: deviceIdSchema,
  /** 'hid' = raw CTAPHID; 'webauthn' = OS WebAuthn API (Windows); 'software' = tests. */
  transport: z.enum(['hid', 'webauthn', 'software']),
  product: z.string().max(128),
  manufacturer: z.string().max(128),
  vendorId: z.number().int().min(0).max(0xffff).optional(),
  productId: z.number().int().min(0).max(0xffff).optional(),
});
export type DeviceDescriptor = z.infer<typeof deviceDescriptorSchema>;

/** What the UI needs to explain a key (from authenticatorGetInfo). */
export const deviceInfoSchema = z.object({
  aaguid: aaguidSchema,
  versions: z.array(z.string().max(64)).max(32),
  hmacSecret: z.boolean(),
  credProtect: z.boolean(),
  /** true = PIN set, false = key supports a PIN but has none, null = no PIN support. */
  clientPin: z.boolean().nullable(),
  /** Built-in user verification (fingerprint): true = enrolled, false = not, null = none. */
  uv: z.boolean().nullable(),
  pinProtocols: z.array(z.number().int()).max(16),
  /** PIN retries left when the key has a PIN. */
  pinRetries: z.number().int().min(0).max(255).optional(),
});
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;

/**
 * 'required' = verify the person (PIN or built-in UV) and use the with-UV secret;
 * 'discouraged' = touch only, the without-UV secret; 'preferred' = UV if the key
 * can do it (PIN set or UV enrolled), otherwise touch only.
 */
export const uvPreferenceSchema = z.enum(['required', 'preferred', 'discouraged']);
export type UvPreference = z.infer<typeof uvPreferenceSchema>;

export const enrolParamsSchema = z.object({
  /** Which key; optional when exactly one is plugged in. */
  deviceId: deviceIdSchema.optional(),
  /** Person-given name for the key, recorded in the slot. */
  name: z.string().min(1).max(64),
  uv: uvPreferenceSchema.default('preferred'),
  /** Random per-vault user handle (≤ 64 bytes) so keys can tell vaults apart. */
  userId: bytesSchema.refine((b) => b.length >= 1 && b.length <= 64, '1..64 bytes'),
  /** Shown by keys with a display / OS dialogs. */
  userName: z.string().min(1).max(64).default('Latchkey vault'),
  /** Credential ids already enrolled in this vault: the key refuses to enrol twice (excludeList). */
  exclude: z.array(credentialIdSchema).max(32).default([]),
});
export const enrolResultSchema = z.object({
  credentialId: credentialIdSchema,
  aaguid: aaguidSchema,
  /** Whether UV was performed: unlock must ask for the same secret. */
  uv: z.boolean(),
  name: z.string().max(64),
  /** Product name of the key, for the slot list. */
  product: z.string().max(128),
});
export type EnrolResult = z.infer<typeof enrolResultSchema>;

export const hmacSecretParamsSchema = z.object({
  deviceId: deviceIdSchema.optional(),
  /** Any of the vault's enrolled credentials (allowList). */
  credentialIds: z.array(credentialIdSchema).min(1).max(32),
  /** PRF input; the backend applies the PRF transform before it reaches the key. */
  salt: bytes32,
  /** The UV setting recorded at enrolment. */
  uv: z.boolean(),
});
export const hmacSecretResultSchema = z.object({
  /** Which credential answered (picks the slot). */
  credentialId: credentialIdSchema,
  /** 32-byte hmac-secret output. Key material: wipe after deriving the KEK. */
  secret: bytes32,
});
export type HmacSecretParams = z.input<typeof hmacSecretParamsSchema>;
export type HmacSecretResult = z.infer<typeof hmacSecretResultSchema>;

const ok = z.object({ ok: z.literal(true) });

export const HardwareKeyContract = defineContract({
  name: 'hardware-key',
  methods: {
    /** Keys plugged in now; several → the UI lets the person pick. */
    'keys.list': { params: z.object({}), result: z.object({ keys: z.array(deviceDescriptorSchema) }) },
    'keys.info': { params: z.object({ deviceId: deviceIdSchema.optional() }), result: deviceInfoSchema },
    /** Sets a PIN on a key that has none ('conflict' if it has one). */
    'keys.setPin': { params: z.object({ deviceId: deviceIdSchema.optional(), pin: pinSchema }), result: ok },
    /** MakeCredential with hmac-secret (+ credProtect where supported). Emits touch/pin events. */
    'keys.enrol': { params: enrolParamsSchema, result: enrolResultSchema },
    /** GetAssertion with hmac-secret, one salt. Emits touch/pin events. */
    'keys.getHmacSecret': { params: hmacSecretParamsSchema, result: hmacSecretResultSchema },
    /** Answers a 'pin-needed' event; `pin` absent = the person cancelled. */
    'pin.answer': { params: z.object({ requestId: requestIdSchema, pin: pinSchema.optional() }), result: ok },
    /** Cancels the running operation (CTAPHID_CANCEL); it fails with 'cancelled'. */
    'keys.cancel': { params: z.object({ requestId: requestIdSchema.optional() }), result: ok },
  },
  events: {
    /** The key waits for a touch (KEEPALIVE status "user presence needed"). */
    'touch-needed': z.object({ requestId: requestIdSchema, deviceId: deviceIdSchema }),
    /** The key needs its PIN: answer with 'pin.answer'. retriesLeft when known. */
    'pin-needed': z.object({
      requestId: requestIdSchema,
      deviceId: deviceIdSchema,
      retriesLeft: z.number().int().min(0).max(255).optional(),
      /** true after a wrong PIN, so the UI can say so. */
      retry: z.boolean(),
    }),
    /** The key is working (KEEPALIVE status "processing"). */
    processing: z.object({ requestId: requestIdSchema, deviceId: deviceIdSchema }),
    /** The operation ended (success or error): the UI closes its prompt. */
    done: z.object({ requestId: requestIdSchema }),
  },
});
export type HardwareKeyContract = typeof HardwareKeyContract;

/**
 * The same API as a plain interface — what a backend implements and what the engine
 * is given (an RPC client of {@link HardwareKeyContract} adapts to it in one line).
 */
export interface HardwareKey {
  list(): Promise<DeviceDescriptor[]>;
  enrol(params: z.input<typeof enrolParamsSchema>): Promise<EnrolResult>;
  getHmacSecret(params: HmacSecretParams): Promise<HmacSecretResult>;
}

/** An enrolled key as the UI lists it (from the vault's hardware-key slots). */
export const enrolledKeySchema = z.object({
  slotId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: z.string().max(128),
  aaguid: aaguidSchema,
  uv: z.boolean(),
  createdAt: z.number().int(),
});
export type EnrolledKey = z.infer<typeof enrolledKeySchema>;

/**
 * UI -> engine: the vault's hardware-key flows. Served by the engine worker next to
 * EngineUiContract (`engineHardwareKeyHandlers` in src/core/vault/slots/hardware-key.ts);
 * the engine reaches main's HardwareKeyContract for the key itself, so the secret
 * never passes through the UI. Removing a key is EngineUiContract 'slots.remove'.
 */
export const EngineHardwareKeyContract = defineContract({
  name: 'engine-hardware-key',
  methods: {
    /**
     * Creates the vault with this key as its first way in (+ a recovery code, returned
     * once). Without `password` the vault has no password slot (policy forbids them).
     */
    'hardwareKey.createVault': {
      params: z.object({
        name: z.string().min(1).max(64),
        uv: uvPreferenceSchema.optional(),
        deviceId: deviceIdSchema.optional(),
        password: z.string().min(8).max(1024).optional(),
      }),
      result: z.object({ vaultId: z.string(), recoveryCode: z.string(), slotId: z.string(), uv: z.boolean(), aaguid: aaguidSchema }),
    },
    /** Opens the vault with whichever enrolled key is plugged in (touch, maybe PIN). */
    'hardwareKey.unlock': { params: z.object({ deviceId: deviceIdSchema.optional() }), result: z.object({ vaultId: z.string(), slotId: z.string() }) },
    /** Adds a key as one more way in (vault unlocked). Two touches; the PIN once. */
    'hardwareKey.enrol': {
      params: z.object({ name: z.string().min(1).max(64), uv: uvPreferenceSchema.optional(), deviceId: deviceIdSchema.optional() }),
      result: z.object({ slotId: z.string(), uv: z.boolean(), aaguid: aaguidSchema }),
    },
    'hardwareKey.rename': { params: z.object({ slotId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), name: z.string().min(1).max(64) }), result: ok },
    /** Enrolled keys (vault unlocked). */
    'hardwareKey.list': { params: z.object({}), result: z.object({ keys: z.array(enrolledKeySchema) }) },
  },
  events: {},
});
export type EngineHardwareKeyContract = typeof EngineHardwareKeyContract;

/** The RPC methods {@link hardwareKeyOverRpc} needs (an RpcClient of HardwareKeyContract has them). */
export interface HardwareKeyRpcCaller {
  call(method: 'keys.list', params: Record<string, never>, opts?: { timeoutMs?: number }): Promise<{ keys: DeviceDescriptor[] }>;
  call(method: 'keys.enrol', params: z.input<typeof enrolParamsSchema>, opts?: { timeoutMs?: number }): Promise<EnrolResult>;
  call(method: 'keys.getHmacSecret', params: HmacSecretParams, opts?: { timeoutMs?: number }): Promise<HmacSecretResult>;
}

/**
 * The engine's view of main's service: `hardwareKeyOverRpc(connectRpc(port, HardwareKeyContract))`.
 * Calls that wait for a touch or a PIN get a long RPC timeout (the service has its own).
 */
export function hardwareKeyOverRpc(rpc: HardwareKeyRpcCaller, timeoutMs = 5 * 60_000): HardwareKey {
  return {
    list: async () => (await rpc.call('keys.list', {}, { timeoutMs })).keys,
    enrol: (p) => rpc.call('keys.enrol', p, { timeoutMs }),
    getHmacSecret: (p) => rpc.call('keys.getHmacSecret', p, { timeoutMs }),
  };
}
