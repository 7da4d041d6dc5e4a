/**
 * Pairing state: the token is shown once and stored only as HMAC-SHA256 under the
 * per-install key; the state survives a restart; another key (a copied state file on
 * another install) authenticates nothing; a damaged file fails closed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../../src/main/gateway/registry';
import { createFileGatewayStore, createMemoryGatewayStore } from '../../../src/main/gateway/store';
import { findTokenHash, hashToken, newToken } from '../../../src/main/gateway/tokens';

describe('agent tokens', () => {
  it('are 256-bit, prefixed, and never stored — only their keyed hash is', async () => {
    const key = randomBytes(32);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-tok-'));
    const file = path.join(dir, 'gateway.json');
    const store = createFileGatewayStore(file);
    const reg = await Registry.open(store, key, Date.now);
    const { token, agent } = await reg.pair('Cursor', 'cursor');
    await reg.flush();
    expect(token).toMatch(/^lkat_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(5));
    expect(text).toContain(hashToken(key, token));
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    const reopened = await Registry.open(store, key, Date.now);
    expect(reopened.authenticate(token)).toEqual({ id: agent.id, name: 'Cursor' });
    const otherInstall = await Registry.open(store, randomBytes(32), Date.now);
    expect(otherInstall.authenticate(token)).toBeNull();
  });

  it('the matcher compares against every entry and accepts only an exact token', () => {
    const key = randomBytes(32);
    const tokens = [newToken(), newToken(), newToken()];
    const hashes = tokens.map((t) => hashToken(key, t));
    expect(findTokenHash(key, tokens[2]!, hashes)).toBe(2);
    expect(findTokenHash(key, tokens[2]!.slice(0, -1), hashes)).toBe(-1);
    expect(findTokenHash(key, '', hashes)).toBe(-1);
    expect(findTokenHash(key, tokens[0]!, ['', ...hashes])).toBe(1);
  });

  it('a revoked agent cannot authenticate or be rotated back to life', async () => {
    const reg = await Registry.open(createMemoryGatewayStore(), randomBytes(32), Date.now);
    const { token, agent } = await reg.pair('Old', 'other');
    await reg.revoke(agent.id);
    expect(reg.authenticate(token)).toBeNull();
    await expect(reg.rotate(agent.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect(reg.listAgents()[0]!.revoked).toBe(true);
  });

  it('a damaged state file fails closed instead of forgetting revocations', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-tok-'));
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ format: 'latchkey-gateway-state', version: 1, agents: [{ id: 'x' }], grants: [] }));
    await expect(Registry.open(createFileGatewayStore(file), randomBytes(32), Date.now)).rejects.toMatchObject({ code: 'integrity' });
  });
});
