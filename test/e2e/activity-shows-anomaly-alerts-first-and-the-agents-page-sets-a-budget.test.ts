/**
 * The Activity page shows anomaly alerts first, above the signed log, as the gateway
 * raises them (here: an agent asking for a canary credential), and dismissing one
 * takes it away; the Agents page sets a grant's budget that the real gateway then
 * enforces. Real renderer and engine worker in Chromium, main's own composition.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';

const SECRET = 'sk_e2e_alerts_5b2e';

let main: MainWithGateway;
let server: PreviewServer;
let browser: Browser;
let page: Page;
let token = '';

const apiItem = (title: string, canary: boolean) => ({
  item: {
    overview: {
      kind: 'api_credential',
      title,
      urls: [],
      tags: [],
      description: title,
      injection: { type: 'bearer' },
      allowedOrigins: ['https://api.weather.example'],
      ...(canary ? { canary: true } : {}),
    },
    details: { kind: 'api_credential', secret: canary ? `${SECRET}_bait` : SECRET, customFields: [] },
  },
});

beforeAll(async () => {
  main = await mainWithGateway();
  server = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  page = await openApp(await browser.newContext({ viewport: { width: 1100, height: 760 } }), server);
  await pageCall(page, 'ui', 'vault.create', { password: 'alerts e2e password' });
  await pageCall(page, 'ui', 'item.create', apiItem('Weather API', false));
  await pageCall(page, 'ui', 'item.create', apiItem('Old Deploy Key', true));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await main?.close();
});

describe('alerts and budgets in the UI', () => {
  it('Activity shows an alert above the signed log, and Dismiss takes it away', async () => {
    await expect.poll(() => main.engine() !== null).toBe(true);
    token = (await main.gateway.uiHandlers['agents.pair']({ name: 'Night Bot', client: 'other' }, {} as never)).token;
    await page.click('[data-testid=nav-activity]');
    await expect.poll(() => page.locator('[data-testid=activity] tbody tr').count()).toBeGreaterThan(0);
    const r = await main.gateway.callTool(token, 'http_request', { credential: 'Old Deploy Key', method: 'GET', url: 'https://api.weather.example/today' });
    expect(r.isError).toBe(true);
    const alert = page.locator('[data-testid=alert]');
    await alert.first().waitFor();
    const text = (await alert.first().textContent()) ?? '';
    expect(text).toContain('Canary credential touched');
    expect(text).toContain('Night Bot');
    expect(text).not.toContain(SECRET);
    // First on the page: the alert comes before the log in document order.
    const first = await page.evaluate(() => {
      const a = document.querySelector('[data-testid=alert]');
      const log = document.querySelector('[data-testid=activity]');
      return a !== null && log !== null && (a.compareDocumentPosition(log) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    });
    expect(first).toBe(true);
    // The signed record of the alert is in the log too, in plain words.
    await expect.poll(async () => (await page.textContent('[data-testid=activity]')) ?? '').toContain('Raised an alert about unusual use');
    // Alerts raised before the page opened are listed too (alerts.list), newest first.
    await page.click('[data-testid=nav-agents]');
    await page.click('[data-testid=nav-activity]');
    await alert.first().waitFor();
    await alert.first().locator('[data-testid=alert-dismiss]').click();
    await expect.poll(() => alert.count()).toBe(0);
    expect((await main.gateway.uiHandlers['alerts.list']({}, {} as never)).alerts).toHaveLength(0);
  });

  it('the Agents page sets a budget the gateway then holds the agent to', async () => {
    await main.gateway.uiHandlers['agents.restore']({ agentId: main.gateway.authenticate(token)!.id }, {} as never);
    // The canary alarm's own banner (components/CanaryAlerts.tsx) stays on every screen until dismissed.
    await page.locator('[data-testid=canary-alert] button:has-text("Dismiss")').click();
    await page.click('[data-testid=nav-agents]');
    const budget = page.locator('[data-testid=budget]', { hasText: 'Weather API' });
    await budget.waitFor();
    await budget.locator('input[aria-label="Uses an hour for Weather API"]').fill('0');
    await budget.locator('input[aria-label="Methods for Weather API"]').fill('get, head');
    await budget.locator('[data-testid=budget-save]').click();
    const agentId = main.gateway.authenticate(token)!.id;
    const weather = async () => (await main.gateway.uiHandlers['budgets.get']({ agentId }, {} as never)).budgets.find((b) => b.budget !== null)?.budget;
    await expect.poll(weather).toEqual({ usesPerHour: 0, methods: ['GET', 'HEAD'] });
    // A budget of 0 uses an hour: even a grant "always" asks; the prompt says which budget.
    await page.locator('[data-testid=agent-card]', { hasText: 'Night Bot' }).locator('select[aria-label=Grant]').first().selectOption('always');
    const call = main.gateway.callTool(token, 'http_request', { credential: 'Weather API', method: 'GET', url: 'https://api.weather.example/today' });
    const prompt = page.locator('[data-testid=approval]');
    await prompt.waitFor();
    expect(await prompt.locator('[data-testid=approval-warning]').textContent()).toContain('at most 0 uses an hour');
    await prompt.locator('button:has-text("Deny")').click();
    expect((await call).content.map((c) => c.text).join('')).toContain('approval_denied');
    // A figure that is not a whole number is refused in the page, in plain words, and nothing is saved.
    await budget.locator('input[aria-label="Uses a day for Weather API"]').fill('lots');
    await budget.locator('[data-testid=budget-save]').click();
    expect(await budget.locator('[role=alert]').textContent()).toContain('a whole number');
    expect(await weather()).toEqual({ usesPerHour: 0, methods: ['GET', 'HEAD'] });
  });
});
