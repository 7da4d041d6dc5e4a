/**
 * A downstream server's base64 blobs stay valid: an image whose bytes hold a vault
 * secret is withheld and replaced by a text item saying why (the agent's client accepts
 * the result — no -32602 — and Activity records a failure, not `success`); a text file
 * blob is scrubbed INSIDE its decoded text (the secret and, by DLP, the card number)
 * and re-encoded as valid base64; a clean image passes byte for byte.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemId, startHarness, type Harness } from './harness';
import { BLOB_SECRET } from './fixtures/blob-secret';

const ROOT = path.resolve(__dirname, '../../..');
const serverId = itemId();
let h: Harness;
let agent: { id: string; token: string };

beforeAll(async () => {
  h = await startHarness(
    [
      { id: serverId, name: 'Blob token', description: 'for the blob server', injection: { type: 'bearer' }, allowedOrigins: [], secret: 'blob-server-own-Token-0123456789' },
      { id: itemId(), name: 'Other', description: 'another item', injection: { type: 'bearer' }, allowedOrigins: [], secret: BLOB_SECRET },
    ],
    {
      downstream: [
        {
          name: 'blobs',
          transport: { type: 'stdio', command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'test/unit/gateway/fixtures/blob-server.ts')], cwd: ROOT },
          credentials: [{ credential: 'Blob token', env: 'BLOB_TOKEN' }],
        },
      ],
    },
  );
  agent = await h.pair('Claude Code');
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: serverId, mode: 'session' }, {} as never);
  await h.gateway.uiHandlers['serverGrants.set']({ agentId: agent.id, server: 'blobs', mode: 'session' }, {} as never);
});
afterAll(async () => h?.close());

type Content = Array<{ type: string; text?: string; data?: string; mimeType?: string; resource?: { uri: string; blob?: string; text?: string } }>;

describe('downstream base64 blobs', () => {
  it('an image holding a secret is withheld with a note, the result stays valid, and Activity records the real outcome', async () => {
    const c = await h.connect(agent.token);
    const r = await c.callTool({ name: 'blobs__leaky_image', arguments: {} });
    const content = r.content as Content;
    expect(content[0]).toEqual({ type: 'text', text: 'here is the chart' });
    expect(content[1]!.type).toBe('text');
    expect(content[1]!.text).toContain('withheld an image (image/png)');
    expect(JSON.stringify(r)).not.toContain(Buffer.from(BLOB_SECRET).toString('base64').slice(4, 24));
    const { entries } = await h.gateway.uiHandlers['activity.list']({}, {} as never);
    const call = entries.find((e) => e.tool === 'downstream:blobs' && e.reason === 'content_withheld' && e.outcome === 'failure');
    expect(call).toBeDefined();
    expect(entries.some((e) => e.tool === 'downstream:blobs' && e.outcome === 'success' && e.reason === null)).toBe(false);
    expect(h.audit.events.some((e) => e.target?.server === 'blobs' && e.reason === 'content_withheld')).toBe(true);
  });

  it('a text blob is scrubbed inside its decoded text and re-encoded as valid base64', async () => {
    const c = await h.connect(agent.token);
    const r = await c.callTool({ name: 'blobs__text_file', arguments: {} });
    const item = (r.content as Content)[0]!;
    expect(item.type).toBe('resource');
    const blob = item.resource!.blob!;
    expect(blob).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    const text = Buffer.from(blob, 'base64').toString('utf8');
    expect(text).toBe('token: [REDACTED by Latchkey]\ncard: [REDACTED by Latchkey DLP: cards]\nend\n');
    expect(h.audit.events.some((e) => e.reason === 'dlp_redacted' && e.target?.dlpRule === 'card.luhn')).toBe(true);
    expect(JSON.stringify(h.audit.events)).not.toContain('4111');
  });

  it('a clean image passes byte for byte and the call is a success', async () => {
    const c = await h.connect(agent.token);
    const r = await c.callTool({ name: 'blobs__clean_image', arguments: {} });
    const item = (r.content as Content)[0]!;
    expect(item.type).toBe('image');
    expect(Buffer.from(item.data!, 'base64').toString('latin1')).toContain('rendered by blobs');
    const { entries } = await h.gateway.uiHandlers['activity.list']({}, {} as never);
    expect(entries[0]).toMatchObject({ tool: 'downstream:blobs', outcome: 'success' });
  });
});
