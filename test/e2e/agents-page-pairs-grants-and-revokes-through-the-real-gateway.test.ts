/**
 * The Agents and Activity pages against the real agent gateway (src/main/gateway) and
 * the real engine worker: main reads credentials from the worker over its own
 * 'engine' connection, the page pairs an agent (token shown once, with config
 * snippets), sets a grant, and revokes. The token the person saw is checked against
 * the gateway itself, and an agent call shows what it may know: names, never values.
 * Activity shows the device's signed audit log (personal mode, from vault creation),
 * verified by the worker.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdirSync } from 'node:fs';

const SECRET = 'sk_e2e_gateway_7c1d';
const SCREENS = join(tmpdir(), 'latchkey-e2e-screens');

let main: MainWithGateway;
let server: PreviewServer;
let browser: Browser;
let page: Page;
let token = '';

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  main = await mainWithGateway();
  server = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  page = await openApp(context, server);
  await pageCall(page, 'ui', 'vault.create', { password: 'gateway e2e password' });
  await pageCall(page, 'ui', 'item.create', {
    item: {
      overview: {
        kind: 'api_credential',
        title: 'Weather API',
        urls: [],
        tags: [],
        description: 'Forecasts',
        injection: { type: 'bearer' },
        allowedOrigins: ['https://api.weather.example'],
      },
      details: { kind: 'api_credential', secret: SECRET, customFields: [] },
    },
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await main?.close();
});

describe('Agents page with the real gateway', () => {
  it('main reaches the engine worker over its engine connection and sees names, not values', async () => {
    await expect.poll(() => main.engine() !== null).toBe(true);
    const { credentials } = await main.engine()!.call('credentials.list', {});
    expect(credentials.map((c) => c.name)).toEqual(['Weather API']);
    expect(JSON.stringify(credentials)).not.toContain(SECRET);
  });

  it('pairs an agent and shows its token once, inside ready-to-paste snippets', async () => {
    await page.click('[data-testid=nav-agents]');
    await page.fill('[data-testid=pair-name]', 'Claude Code on laptop');
    await page.selectOption('[data-testid=pair-client]', 'claude_code');
    await page.click('[data-testid=pair-submit]');
    token = (await page.textContent('[data-testid=agent-token]')) ?? '';
    expect(main.gateway.authenticate(token)?.name).toBe('Claude Code on laptop');
    expect(await page.textContent('[data-testid=agent-snippet]')).toContain(token);
    await page.screenshot({ path: join(SCREENS, '09-agent-paired-token-once.png') });
    await page.check('.token-once input[type=checkbox]');
    await page.click('[data-testid=token-done]');
    expect(await page.content()).not.toContain(token);
  });

  it('sets a grant in the UI that the gateway then applies to the agent', async () => {
    const card = page.locator('[data-testid=agent-card]', { hasText: 'Claude Code on laptop' });
    const grant = card.locator('select[aria-label=Grant]');
    await expect.poll(() => grant.count()).toBe(1);
    expect(await grant.inputValue()).toBe('ask');
    await grant.selectOption('always');
    await expect.poll(async () => (await main.gateway.uiHandlers['grants.get']({ agentId: main.gateway.authenticate(token)!.id }, {} as never)).grants[0]?.mode).toBe('always');
    const listed = await main.gateway.callTool(token, 'list_credentials', {});
    const text = listed.content.map((c) => c.text).join('');
    expect(text).toContain('Weather API');
    expect(text).not.toContain(SECRET);
    await page.screenshot({ path: join(SCREENS, '10-agents-grants.png') });
  });

  it('shows an approval prompt with agent, credential and destination; "Deny" refuses the call', async () => {
    const card = page.locator('[data-testid=agent-card]', { hasText: 'Claude Code on laptop' });
    await card.locator('select[aria-label=Grant]').selectOption('ask');
    await expect.poll(async () => (await main.gateway.uiHandlers['grants.get']({ agentId: main.gateway.authenticate(token)!.id }, {} as never)).grants[0]?.mode).toBe('ask');
    const call = main.gateway.callTool(token, 'http_request', { credential: 'Weather API', method: 'GET', url: 'https://api.weather.example/today' });
    const prompt = page.locator('[data-testid=approval]');
    await prompt.waitFor();
    const text = (await prompt.textContent()) ?? '';
    expect(text).toContain('Claude Code on laptop');
    expect(text).toContain('Weather API');
    expect(text).toContain('https://api.weather.example');
    expect(text).not.toContain(SECRET);
    await page.screenshot({ path: join(SCREENS, '12-approval-prompt.png') });
    await prompt.locator('button:has-text("Deny")').click();
    const result = await call;
    expect(result.isError).toBe(true);
    expect(result.content.map((c) => c.text).join('')).toContain('approval_denied');
    await expect.poll(() => prompt.count()).toBe(0);
  });

  it('shows the pairing in Activity, and revoking stops the token at once', async () => {
    await page.click('[data-testid=nav-activity]');
    await expect.poll(() => page.locator('[data-testid=activity] tbody tr').count()).toBeGreaterThan(0);
    // The signed log, verified by the worker: from vault creation (personal mode), with the agent's refused use.
    await expect.poll(() => page.textContent('[data-testid=activity-verified]')).toContain('checked against its signature');
    const activity = (await page.textContent('[data-testid=activity]')) ?? '';
    expect(activity).toContain('Created the vault');
    expect(activity).toContain('Paired an agent');
    expect(activity).toContain('Claude Code on laptop');
    expect(activity).toContain('Refused: you said no');
    expect(activity).toContain('HTTP request · to https://api.weather.example');
    expect(activity).not.toContain(SECRET);
    await page.screenshot({ path: join(SCREENS, '11-activity.png') });
    await page.click('[data-testid=nav-agents]');
    const card = page.locator('[data-testid=agent-card]', { hasText: 'Claude Code on laptop' });
    await card.locator('button:has-text("Revoke")').click();
    await card.locator('button:has-text("Revoke for good")').click();
    await expect.poll(() => main.gateway.authenticate(token)).toBeNull();
    await expect.poll(() => card.textContent()).toContain('revoked');
  });

  it('Activity says the log did not verify, and shows none of it, once a stored record is edited', async () => {
    // Anyone who can write this origin's IndexedDB: turn the refused use into an allowed one.
    const edited = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('latchkey-vault-audit');
          open.onerror = () => reject(new Error('open failed'));
          open.onsuccess = () => {
            const tx = open.result.transaction('records', 'readwrite');
            const records = tx.objectStore('records');
            const all = records.getAll();
            all.onsuccess = () => {
              const denied = (all.result as Array<{ seq: number; outcome: string; reason?: string }>).find((r) => r.outcome === 'denied');
              if (denied === undefined) return reject(new Error('no refused use in the log'));
              records.put({ ...denied, outcome: 'success', reason: 'approved_once' });
              tx.oncomplete = () => {
                open.result.close();
                resolve(denied.seq);
              };
            };
          };
        }),
    );
    await page.click('[data-testid=nav-agents]');
    await page.click('[data-testid=nav-activity]');
    await expect.poll(() => page.textContent('[data-testid=activity-unverified]')).toContain(`Record ${edited}`);
    expect(await page.textContent('[data-testid=activity-unverified]')).toContain('did not verify');
    expect(await page.locator('[data-testid=activity]').count()).toBe(0);
    await page.screenshot({ path: join(SCREENS, '13-activity-unverified.png') });
  });
});
