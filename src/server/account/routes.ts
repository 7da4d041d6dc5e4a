/**
 * The person's device routes (docs/sync-protocol.md §5.4), signed like every device
 * route: list their devices, revoke any of them. The person is the authenticated
 * device's owner; the body names only which of their devices.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MY_DEVICES_ROUTES, myDevicesResponseSchema, revokeMyDeviceRequestSchema, revokeMyDeviceResponseSchema } from '../../shared/contracts/my-devices';
import { LatchkeyError } from '../../shared/errors';
import type { Authenticator } from '../http/authenticator';
import { listMyDevices, revokeMyDevice } from './devices';

const noQuerySchema = z.strictObject({});

export function registerAccountRoutes(app: FastifyInstance, auth: Authenticator, now: () => number): void {
  app.get(MY_DEVICES_ROUTES.list, async (req) => {
    const devices = await auth(req, (who, sql) => {
      noQuerySchema.parse(req.query);
      if (req.body !== undefined) throw new LatchkeyError('invalid_input', 'This request takes no body.');
      return listMyDevices(sql, who);
    });
    return myDevicesResponseSchema.parse({ devices });
  });

  app.post(MY_DEVICES_ROUTES.revoke, async (req) => {
    const out = await auth(req, (who, sql) => {
      noQuerySchema.parse(req.query);
      return revokeMyDevice(sql, who, revokeMyDeviceRequestSchema.parse(req.body).deviceId, now());
    });
    return revokeMyDeviceResponseSchema.parse(out);
  });
}
