/**
 * The person's own devices, as their devices see them (docs/sync-protocol.md §5.4):
 * the list Settings → Devices shows and the revocation of any of them. Signed device
 * routes like every other; the person is always the calling device's owner, never an
 * id from the request, so no one can list or revoke another person's devices.
 *
 * Also the typed reason a revoked device is given at its next request
 * ({@link revocationDetailsSchema}), so its app can say who revoked it and when.
 */
import { z } from 'zod';
import { uuidSchema } from './sync';

export const ENROLLED_VIA = ['code', 'oidc'] as const;
export type EnrolledVia = (typeof ENROLLED_VIA)[number];

/** Who revoked a device: its own person (from one of their devices) or an administrator. */
export const REVOKED_BY = ['person', 'admin'] as const;
export type RevokedBy = (typeof REVOKED_BY)[number];

/** ISO 8601 UTC with milliseconds, as the server writes it. */
const isoTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'UTC time like 2026-01-02T03:04:05.678Z');

export const myDeviceSchema = z.strictObject({
  deviceId: uuidSchema,
  name: z.string().min(1).max(100),
  enrolledAt: isoTimeSchema,
  /** The last authenticated request, to the minute; null before the first one. */
  lastSeenAt: isoTimeSchema.nullable(),
  enrolledVia: z.enum(ENROLLED_VIA),
  revokedAt: isoTimeSchema.nullable(),
  /** null while not revoked (and for a device revoked before the server recorded who did it). */
  revokedBy: z.enum(REVOKED_BY).nullable(),
  /** The device that sent this request. */
  thisDevice: z.boolean(),
});
export type MyDevice = z.infer<typeof myDeviceSchema>;

export const MAX_MY_DEVICES = 1000;
export const myDevicesResponseSchema = z.strictObject({ devices: z.array(myDeviceSchema).max(MAX_MY_DEVICES) });

export const revokeMyDeviceRequestSchema = z.strictObject({ deviceId: uuidSchema });
export const revokeMyDeviceResponseSchema = z.strictObject({
  deviceId: uuidSchema,
  /** When it was revoked: now, or earlier when it already was (revoking again changes nothing). */
  revokedAt: isoTimeSchema,
});

/**
 * `details` of a 403 `device_revoked` answer. `scope` says whether the device or its
 * person was revoked. For a device its person revoked, `byDeviceId`/`byDeviceName` name
 * the device they did it from (the same device when it revoked itself). `revokedAt` is
 * absent only for a person revoked through a path that records no time.
 */
export const revocationDetailsSchema = z.strictObject({
  scope: z.enum(['device', 'person']),
  revokedBy: z.enum(REVOKED_BY),
  revokedAt: isoTimeSchema.optional(),
  byDeviceId: uuidSchema.optional(),
  byDeviceName: z.string().max(100).optional(),
});
export type RevocationDetails = z.infer<typeof revocationDetailsSchema>;

export const MY_DEVICES_ROUTES = {
  list: '/v1/account/devices',
  revoke: '/v1/account/devices/revoke',
} as const;
