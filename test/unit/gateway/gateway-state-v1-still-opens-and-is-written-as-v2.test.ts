/** The gateway state file: version 1 (before server grants) still opens, keeps its grants, and is written back as the current version (3); a damaged server grant is refused. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../../src/main/gateway/registry';
import { createMemoryGatewayStore } from '../../../src/main/gateway/store';
import { itemId } from './harness';

const agentId = randomBytes(12).toString('base64url');
const item = itemId();
const agent = { id: agentId, name: 'Cursor', client: 'cursor', createdAt: 1, tokenIssuedAt: 1, lastUsedAt: null, revoked: false, tokenHash: 'a'.repeat(64) };
const v1 = { format: 'latchkey-gateway-state', version: 1, agents: [agent], grants: [{ agentId, itemId: item, mode: 'always' }] };

describe('gateway state versions', () => {
  it('a version-1 file opens with its grants and every server at ask; the next save is version 3', async () => {
    const store = createMemoryGatewayStore(v1);
    const r = await Registry.open(store, randomBytes(32), () => 5);
    expect(r.grantMode(agentId, item)).toBe('always');
    expect(r.serverGrantMode(agentId, 'notes')).toBe('ask');
    await r.setServerGrant(agentId, 'notes', 'never');
    expect(store.saved).toMatchObject({ version: 3, grants: v1.grants, serverGrants: [{ agentId, server: 'notes', mode: 'never' }] });
    const again = await Registry.open(store, randomBytes(32), () => 5);
    expect(again.serverGrantMode(agentId, 'notes')).toBe('never');
  });

  it('a server grant with an impossible name, or a version 2 without serverGrants, is refused as integrity', async () => {
    for (const bad of [
      { ...v1, version: 2, serverGrants: [{ agentId, server: 'bad name!', mode: 'always' }] },
      { ...v1, version: 2 },
    ]) {
      await expect(Registry.open(createMemoryGatewayStore(bad), randomBytes(32), () => 5)).rejects.toMatchObject({ code: 'integrity' });
    }
  });
});
