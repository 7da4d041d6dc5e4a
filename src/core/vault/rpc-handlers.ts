/**
 * The engine behind its two RPC contracts. Params arrive parsed by the contract's
 * schemas (src/shared/rpc); every UI call counts as activity for auto-lock, calls
 * from main do not (an agent's traffic must not keep a vault open the person left).
 *
 * Wiring (engine worker entry):
 *   const ui = serveRpc(uiPort, EngineUiContract, engineUiHandlers(engine));
 *   const main = serveRpc(mainPort, EngineMainContract, engineMainHandlers(engine));
 *   forwardEngineEvents(engine, { ui, main });
 */
import { EngineMainContract, EngineUiContract, type SyncStatus } from '../../shared/contracts/engine';
import { LatchkeyError } from '../../shared/errors';
import type { RpcHandlers, RpcServer } from '../../shared/rpc/rpc';
import type { Engine } from '../engine';

const ok = { ok: true } as const;

/** The worker's org sync, when this device syncs (src/renderer/engine/device-sync.ts). */
export interface SyncControl {
  status(): SyncStatus;
  /** Runs a pass now (or once more after the running one) and resolves when it has run. */
  now(): Promise<SyncStatus>;
}

const NOT_SYNCING: SyncStatus = { active: false, running: false, lastSuccessAt: null, lastFailure: null };

export function engineUiHandlers(engine: Engine, opts: { sync?: SyncControl } = {}): RpcHandlers<typeof EngineUiContract> {
  const t = <T>(v: T): T => {
    engine.touch();
    return v;
  };
  return {
    'vault.status': () => engine.status(),
    'vault.create': ({ password }) => engine.createVault(password),
    'vault.unlockWithPassword': ({ password }) => engine.unlockWithPassword(password),
    'vault.unlockWithRecoveryCode': ({ recoveryCode }) => engine.unlockWithRecoveryCode(recoveryCode),
    'vault.lock': () => {
      engine.lock('user');
      return ok;
    },
    'vault.changePassword': async ({ currentPassword, newPassword }) => {
      t(0);
      await engine.changePassword(currentPassword, newPassword);
      return ok;
    },
    'vault.rotateKey': ({ currentPassword }) => t(engine.rotateVaultKey(currentPassword === undefined ? {} : { currentPassword })),
    'session.touch': () => t(ok),
    'slots.list': async () => ({ slots: await t(engine.listSlots()) }),
    'vault.breakGlassNotices': async () => ({ notices: await t(engine.breakGlassNotices()) }),
    'slots.remove': async ({ slotId }) => {
      await t(engine.removeSlot(slotId));
      return ok;
    },
    'slots.regenerateRecoveryCode': async () => ({ recoveryCode: await t(engine.regenerateRecoveryCode()) }),
    'settings.get': () => t(engine.getSettings()),
    'settings.update': (patch) => t(engine.updateSettings(patch)),
    'mcpServers.list': () => ({ servers: t(engine.listMcpServers()) }),
    'mcpServers.save': async ({ server, replaces }) => ({ servers: await t(engine.saveMcpServer(server, replaces)) }),
    'mcpServers.remove': async ({ name }) => ({ servers: await t(engine.removeMcpServer(name)) }),
    'items.list': ({ limit, ...filter }) => t(engine.listFirstItems(filter, limit ?? Infinity)),
    'items.search': ({ query, limit }) => ({ items: t(engine.searchItems(query, limit)) }),
    'item.get': async ({ id }) => ({ item: await t(engine.getItem(id)) }),
    'item.create': async ({ item }) => ({ item: await t(engine.createItem(item)) }),
    'item.update': async (upd) => ({ item: await t(engine.updateItem(upd)) }),
    'item.delete': async ({ id }) => {
      await t(engine.trashItem(id));
      return ok;
    },
    'trash.list': () => ({ items: t(engine.listTrash()) }),
    'trash.restore': async ({ id }) => ({ item: await t(engine.restoreItem(id)) }),
    'trash.delete': async ({ id }) => {
      await t(engine.deleteItemForever(id));
      return ok;
    },
    'trash.empty': async () => ({ deleted: await t(engine.emptyTrash()) }),
    'item.revealPrevious': async ({ id, version, field, purpose }) => ({ value: await t(engine.revealPreviousValue(id, version, field, purpose)) }),
    'item.restorePrevious': async ({ id, baseVersion, version }) => ({ item: await t(engine.restorePreviousVersion(id, baseVersion, version)) }),
    'sync.status': () => opts.sync?.status() ?? NOT_SYNCING,
    'sync.now': async () => {
      if (!opts.sync) throw new LatchkeyError('unsupported', 'This device does not sync: enrol it with your organisation server in Settings, then reopen Latchkey.');
      return opts.sync.now();
    },
    'item.reveal': async ({ id, field, purpose }) => ({ value: await t(engine.revealField(id, field, purpose)) }),
    'item.totp': ({ id }) => t(engine.totp(id)),
    'import.preview': ({ file, ...p }) => t(engine.importPreview({ ...p, bytes: file })),
    'import.commit': (p) => t(engine.importCommit(p)),
    'export.encrypted': ({ passphrase }) => t(engine.exportEncrypted(passphrase)),
    'export.plaintext': ({ format, confirmation }) => t(engine.exportPlaintext(format, confirmation)),
  };
}

export function engineMainHandlers(engine: Engine): RpcHandlers<typeof EngineMainContract> {
  return {
    'vault.status': () => engine.status(),
    'credentials.list': () => ({ credentials: engine.listCredentials() }),
    'credentials.use': ({ itemId, agentId }) => engine.useCredential(itemId, agentId),
    'references.resolve': (ref) => engine.resolveReference(ref),
    'references.release': ({ itemId, field }) => engine.releaseReferencedField(itemId, field),
    'mcpServers.list': () => ({ servers: engine.listMcpServers() }),
    'audit.append': async (event) => {
      await engine.appendAudit(event);
      return ok;
    },
    'results.scrub': async ({ texts, truncated, reportRedacted, echoOf }) => {
      const { redacted, ...r } = await engine.scrubResults(texts, truncated, echoOf);
      return reportRedacted === true ? { ...r, redacted } : r;
    },
  };
}

/** Forwards engine events to the UI and main connections; returns an unsubscribe. */
export function forwardEngineEvents(engine: Engine, to: { ui?: RpcServer<typeof EngineUiContract>; main?: RpcServer<typeof EngineMainContract> }): () => void {
  return engine.subscribe((e) => {
    if (e.type === 'locked') {
      to.ui?.emit('locked', { reason: e.reason });
      to.main?.emit('locked', { reason: e.reason });
    } else if (e.type === 'unlocked') {
      to.ui?.emit('unlocked', { vaultId: e.vaultId });
      to.main?.emit('unlocked', { vaultId: e.vaultId });
    } else if (e.type === 'breakGlass') {
      to.ui?.emit('breakGlass', { ...e.notice, admins: [...e.notice.admins] });
    } else if (e.type === 'mcpServersChanged') {
      to.main?.emit('mcpServersChanged', {});
    } else {
      to.ui?.emit('itemsChanged', { change: e.change, ids: [...e.ids] });
      to.main?.emit('credentialsChanged', { ids: [...e.ids] });
    }
  });
}
