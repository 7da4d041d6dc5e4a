/**
 * Serves a software authenticator's CTAPHID over UDP on 127.0.0.1: each datagram is
 * one 64-byte report; answers go to the sender of the most recent datagram. This is
 * how an independent client (python-fido2, see python/cross_check.py) drives it.
 *
 * Standalone: npx tsx test/fido/udp-listener.ts [port] [state.json]
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { SoftAuthenticator } from './soft-authenticator';
import { SoftCtapHid } from './soft-ctaphid';
import { random } from './random';

export interface UdpListener {
  port: number;
  authenticator: SoftAuthenticator;
  close(): Promise<void>;
}

export async function listenUdp(authenticator: SoftAuthenticator, port = 0): Promise<UdpListener> {
  const device = new SoftCtapHid(authenticator, { random });
  const sock: Socket = createSocket('udp4');
  let peer: { address: string; port: number } | null = null;
  device.onReport = (r) => {
    if (peer) sock.send(r, peer.port, peer.address);
  };
  sock.on('message', (msg, rinfo) => {
    if (msg.length !== 64) return; // not a report: ignore, like a HID device would
    peer = { address: rinfo.address, port: rinfo.port };
    device.receive(new Uint8Array(msg));
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, '127.0.0.1', () => resolve());
  });
  return {
    port: sock.address().port,
    authenticator,
    close: () => new Promise((resolve) => sock.close(() => resolve())),
  };
}

const isMain = process.argv[1]?.endsWith('udp-listener.ts');
if (isMain) {
  const port = Number(process.argv[2] ?? 8111);
  const file = process.argv[3];
  const state = file && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const auth = new SoftAuthenticator({ random, ...(state ? { state } : {}) });
  const l = await listenUdp(auth, port);
  process.stdout.write(`software key listening on udp://127.0.0.1:${l.port}\n`);
  const save = (): void => {
    if (file) writeFileSync(file, auth.serialize());
    process.exit(0);
  };
  process.on('SIGINT', save);
  process.on('SIGTERM', save);
}
