/** This device's org-server enrolment: the service and its RPC handlers for the page and the engine. */
import { DeviceEngineContract, DevicePageContract } from '../../shared/contracts/device';
import type { RpcHandlers } from '../../shared/rpc/rpc';
import type { DeviceService } from './device-service';

export { createDeviceService, DEVICE_IDENTITY_ACCOUNT, DEVICE_KEY_ACCOUNT, type DeviceService } from './device-service';

/** The page may read the status, enrol, list and revoke the person's devices and un-enrol; it may not sign or reach the server itself. */
export function devicePageHandlers(device: DeviceService): RpcHandlers<typeof DevicePageContract> {
  return {
    'device.status': () => device.status(),
    'device.enrol': (p) => device.enrol(p),
    'device.enrolSignIn': (p) => device.enrolWithSignIn(p),
    'devices.list': async () => ({ devices: await device.listDevices() }),
    'devices.revoke': (p) => device.revokeDevice(p.deviceId),
    'device.unenrol': (p) => device.unenrol(p),
  };
}

/** The engine signs and syncs through main; the key and the server URL stay here. */
export function deviceEngineHandlers(device: DeviceService): RpcHandlers<typeof DeviceEngineContract> {
  return {
    'device.status': () => device.status(),
    'device.sign': async ({ bytes }) => ({ sig: await device.sign(bytes) }),
    'server.fetch': (p) => device.serverFetch(p),
    'device.reportSync': (o) => {
      device.reportSync(o);
      return {};
    },
  };
}
