/**
 * Fixtures for the approval-receipt promises: a signed device's real engine with an
 * unlocked vault and the test's credentials, an upstream API on 127.0.0.1 that answers
 * every request, the real gateway over that engine (across the RPC link, as main runs
 * it) and one paired agent; then the checks each promise repeats: the export verified
 * as the device's, and `latchkey audit verify` run on that export as its own process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { recordsToJsonLines, verifyAuditExport } from '../../src/core/audit';
import type { AuditExportItem } from '../../src/core/audit/export';
import type { ItemDraft } from '../../src/shared/items';
import { PASSWORD } from '../unit/core/helpers';
import { startServer as startApi, type TestServer } from '../unit/gateway/harness';
import { startGatewayOverEngine, type GatewayOverEngine } from './gateway-over-engine';
import { DEVICE_ID, signedDevice, type SignedDevice } from './signed-device-log';

const ROOT = join(import.meta.dirname, '../..');

// Registered on the importing test file's root suite; run last-first after its tests.
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Closed (or removed) when the test file ends. */
export function cleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

export interface VaultGateway {
  readonly dev: SignedDevice;
  /** The upstream API the credentials are allowed for; it answers `{"ok":true}`. */
  readonly api: TestServer;
  /** The created items, in the order of `credentials`. */
  readonly items: ReadonlyArray<{ id: string }>;
  readonly main: GatewayOverEngine;
  readonly agentId: string;
  readonly agent: Awaited<ReturnType<GatewayOverEngine['connectAgent']>>['client'];
}

export async function startVaultGateway(o: {
  agent: string;
  credentials: (apiOrigin: string) => ItemDraft[];
  gateway: Parameters<typeof startGatewayOverEngine>[1];
}): Promise<VaultGateway> {
  const dev = signedDevice();
  cleanup(() => dev.close());
  const api = await startApi((_req, res) => res.end('{"ok":true}'));
  cleanup(() => api.close());
  await dev.h.engine.createVault(PASSWORD);
  const items: Array<{ id: string }> = [];
  for (const draft of o.credentials(api.origin)) items.push(await dev.h.engine.createItem(draft));
  const main = await startGatewayOverEngine(dev.h.engine, o.gateway);
  cleanup(() => main.close());
  const { id: agentId, client: agent } = await main.connectAgent(o.agent);
  return { dev, api, items, main, agentId, agent };
}

/** The verdict on an export of the device's log, with the device's key. */
export const verifyAsDevice = (dev: SignedDevice, items: AuditExportItem[]) => verifyAuditExport(items, { deviceKeys: new Map([[DEVICE_ID, dev.publicKey]]) });

/** `latchkey audit verify` (bin/latchkey.mjs, its own process) on the export and the device's key file. */
export async function cliVerify(dev: SignedDevice, items: AuditExportItem[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-receipt-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'log.jsonl');
  const keys = join(dir, 'keys.json');
  await writeFile(file, recordsToJsonLines(items));
  await writeFile(keys, dev.keysJson());
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/latchkey.mjs'), 'audit', 'verify', file, '--pubkeys', keys], { cwd: ROOT, timeout: 180_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}
