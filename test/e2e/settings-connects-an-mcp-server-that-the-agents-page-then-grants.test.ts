/**
 * Settings → Connected MCP servers in Chromium, with the real engine worker and the real
 * gateway in main (the composition passes no GatewayOptions.downstream): the person adds
 * a stdio server (server-everything) with a credential in an environment variable; it is
 * stored in the vault, main learns of it from the engine, and the Agents page shows the
 * server's grant for a paired agent. Setting the grant there reaches the gateway.
 */
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';

const require = createRequire(import.meta.url);
const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/package.json').replace(/package\.json$/, 'dist/index.js');

let main: MainWithGateway;
let server: PreviewServer;
let browser: Browser;
let page: Page;
let agentId = '';

beforeAll(async () => {
  main = await mainWithGateway();
  server = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  page = await openApp(context, server);
  await pageCall(page, 'ui', 'vault.create', { password: 'mcp servers e2e password' });
  await pageCall(page, 'ui', 'item.create', {
    item: {
      overview: { kind: 'api_credential', title: 'Everything token', urls: [], tags: [], description: 'for the server', injection: { type: 'bearer' }, allowedOrigins: [] },
      details: { kind: 'api_credential', secret: 'sk_e2e_mcp_server_0123', customFields: [] },
    },
  });
  agentId = (await main.gateway.uiHandlers['agents.pair']({ name: 'Server agent', client: 'claude_code' }, {} as never)).agent.id;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await main?.close();
});

describe('Connected MCP servers', () => {
  it('adds a stdio server in Settings, stored in the vault; main runs it and the Agents page grants it', async () => {
    await page.click('[data-testid=nav-settings]');
    await page.click('[data-testid=mcp-server-add]');
    await page.fill('[data-testid=mcp-server-name]', 'bad_name');
    await page.fill('[data-testid=mcp-server-command]', process.execPath);
    await page.click('[data-testid=mcp-server-save]');
    // Refused in plain words before anything is stored.
    await expect.poll(() => page.textContent('[data-testid=mcp-servers] [role=alert]')).toContain('Name');
    await page.fill('[data-testid=mcp-server-name]', 'everything');
    await page.fill('[data-testid=mcp-server-args]', `${EVERYTHING}\nstdio`);
    await page.click('[data-testid=mcp-servers] button:has-text("Add a credential")');
    await page.fill('[data-testid=mcp-servers] input[aria-label="Environment variable"]', 'EVERYTHING_TOKEN');
    await page.click('[data-testid=mcp-server-save]');
    await page.locator('[data-testid=mcp-server-everything]').waitFor();
    expect(await page.textContent('[data-testid=mcp-server-everything]')).toContain('Everything token → EVERYTHING_TOKEN');

    // Stored in the vault (the engine has it), and main learned of it from the engine.
    const stored = await pageCall(page, 'ui', 'mcpServers.list', {});
    expect((stored as { servers: Array<{ name: string }> }).servers.map((s) => s.name)).toEqual(['everything']);
    await expect.poll(async () => (await main.gateway.uiHandlers['serverGrants.get']({ agentId }, {} as never)).grants.map((g) => g.server)).toEqual(['everything']);

    await page.click('[data-testid=nav-agents]');
    const card = page.locator('[data-testid=agent-card]', { hasText: 'Server agent' });
    const grant = card.locator('select[aria-label="Grant for server everything"]');
    await grant.waitFor();
    expect(await grant.inputValue()).toBe('ask');
    await grant.selectOption('always');
    await expect.poll(async () => (await main.gateway.uiHandlers['serverGrants.get']({ agentId }, {} as never)).grants[0]?.mode).toBe('always');
  });

  it('removing it in Settings takes it off the Agents page', async () => {
    await page.click('[data-testid=nav-settings]');
    await page.click('button[aria-label="Remove server everything"]');
    await expect.poll(() => page.locator('[data-testid=mcp-server-everything]').count()).toBe(0);
    await expect.poll(async () => (await main.gateway.uiHandlers['serverGrants.get']({ agentId }, {} as never)).grants).toEqual([]);
    await page.click('[data-testid=nav-agents]');
    const card = page.locator('[data-testid=agent-card]', { hasText: 'Server agent' });
    await card.waitFor();
    await expect.poll(() => card.locator('select[aria-label="Grant for server everything"]').count()).toBe(0);
  });
});
