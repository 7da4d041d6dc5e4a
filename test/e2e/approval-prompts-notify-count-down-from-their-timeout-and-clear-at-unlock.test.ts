/**
 * Approval prompts as a person meets them, in the real renderer against the real
 * gateway and engine worker (preview shell):
 * - with Latchkey's page in the background, a prompt raises a notification naming the
 *   agent, the credential and the destination (never the value), closed once answered;
 * - the countdown of a new prompt starts at the gateway's timeout, never above it, even
 *   after the page sat idle for a while (it once showed "520 s" for 120 s);
 * - the "unlock to let it" notice goes away when the vault is unlocked.
 * The page's Notification and focus are replaced by recording stand-ins (a headless
 * browser has no notification centre to look at).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';

const SECRET = 'sk_e2e_notify_9f2a';
const PASSWORD = 'notification e2e password';

let main: MainWithGateway;
let server: PreviewServer;
let browser: Browser;
let page: Page;
let token = '';

interface Recorded {
  shown: { title: string; body: string; tag: string }[];
  closed: string[];
}
declare global {
  interface Window {
    __notifications: Recorded;
  }
}

beforeAll(async () => {
  main = await mainWithGateway({ unlockWaitMs: 60_000 });
  server = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  await context.addInitScript(() => {
    const rec: Recorded = { shown: [], closed: [] };
    window.__notifications = rec;
    // The person is in another window.
    document.hasFocus = () => false;
    class RecordingNotification {
      static permission: NotificationPermission = 'granted';
      static requestPermission = async (): Promise<NotificationPermission> => 'granted';
      onclick: (() => void) | null = null;
      readonly tag: string;
      constructor(title: string, options: NotificationOptions = {}) {
        this.tag = options.tag ?? '';
        rec.shown.push({ title, body: options.body ?? '', tag: this.tag });
      }
      close(): void {
        rec.closed.push(this.tag);
      }
    }
    (window as unknown as { Notification: unknown }).Notification = RecordingNotification;
  });
  page = await openApp(context, server);
  await pageCall(page, 'ui', 'vault.create', { password: PASSWORD });
  await pageCall(page, 'ui', 'item.create', {
    item: {
      overview: { kind: 'api_credential', title: 'Billing API', urls: [], tags: [], description: '', injection: { type: 'bearer' }, allowedOrigins: ['https://billing.example'] },
      details: { kind: 'api_credential', secret: SECRET, customFields: [] },
    },
  });
  // main reaches the worker once the page's engine connected.
  for (let i = 0; i < 200 && main.engine() === null; i++) await new Promise((r) => setTimeout(r, 100));
  token = (await main.gateway.uiHandlers['agents.pair']({ name: 'Cursor at work', client: 'cursor' }, {} as never)).token;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await main?.close();
});

const recorded = (): Promise<Recorded> => page.evaluate(() => window.__notifications);

describe('approval prompts', () => {
  it('notify with agent, credential and destination, count down from the timeout after an idle page, and close the notification once answered', async () => {
    // The page has been idle: nothing ticked its clock since it rendered.
    await new Promise((r) => setTimeout(r, 4_000));
    const call = main.gateway.callTool(token, 'http_request', { credential: 'Billing API', method: 'GET', url: 'https://billing.example/invoices' });
    const prompt = page.locator('[data-testid=approval]');
    await prompt.waitFor();
    const first = Number(await page.textContent('[data-testid=approval-countdown]'));
    const { approvals } = await main.gateway.uiHandlers['approvals.pending']({}, {} as never);
    const timeoutS = Math.round((approvals[0]!.expiresAt - approvals[0]!.requestedAt) / 1000);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(timeoutS);

    await expect.poll(async () => (await recorded()).shown.length).toBe(1);
    const shown = (await recorded()).shown[0]!;
    expect(shown.title).toBe('Cursor at work wants to use Billing API');
    expect(shown.body).toContain('https://billing.example');
    expect(JSON.stringify(await recorded())).not.toContain(SECRET);

    await prompt.locator('button:has-text("Deny")').click();
    expect((await call).isError).toBe(true);
    await expect.poll(async () => (await recorded()).closed).toEqual([shown.tag]);
  });

  it('a prompt that times out or is settled elsewhere closes its notification too', async () => {
    const call = main.gateway.callTool(token, 'http_request', { credential: 'Billing API', method: 'GET', url: 'https://billing.example/usage' });
    await page.locator('[data-testid=approval]').waitFor();
    await expect.poll(async () => (await recorded()).shown.length).toBe(2);
    const tag = (await recorded()).shown[1]!.tag;
    // Answered through main (another window, the tray…): the page hears approval-settled.
    const { approvals } = await main.gateway.uiHandlers['approvals.pending']({}, {} as never);
    await main.gateway.uiHandlers['approvals.answer']({ approvalId: approvals[0]!.id, answer: 'deny' }, {} as never);
    await call;
    await expect.poll(async () => (await recorded()).closed).toContain(tag);
    await expect.poll(() => page.locator('[data-testid=approval]').count()).toBe(0);
  });

  it('the "unlock to let it" notice goes away when the vault is unlocked', async () => {
    await pageCall(page, 'ui', 'vault.lock', {});
    await page.waitForSelector('[data-testid=unlock-ask], .card');
    const call = main.gateway.callTool(token, 'http_request', { credential: 'Billing API', method: 'GET', url: 'https://billing.example/plan' });
    const notice = page.locator('[data-testid=unlock-ask]');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Cursor at work');
    await pageCall(page, 'ui', 'vault.unlockWithPassword', { password: PASSWORD });
    await expect.poll(() => notice.count()).toBe(0);
    // The call goes on to ask for approval; refuse it to finish.
    const prompt = page.locator('[data-testid=approval]');
    await prompt.waitFor();
    await prompt.locator('button:has-text("Deny")').click();
    expect((await call).isError).toBe(true);
  });
});
