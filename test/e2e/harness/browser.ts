/**
 * Debian's Chromium driven by playwright-core (never `npx playwright install`), and
 * the app served by the real preview server (src/preview) running in this process.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { MainServices } from '../../../src/main/services';
import { startPreviewServer, type PreviewServer } from '../../../src/preview/server';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** A browser whose profile (and so IndexedDB) lives in `userDataDir` and survives a relaunch. */
export function launchPersistent(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 720 },
  });
}

/** The preview server on a free port; `services` replaces main's default preview composition. */
export function startApp(rendererDir: string, services?: MainServices): Promise<PreviewServer> {
  return startPreviewServer({ port: 0, rendererDir, version: '0.0.0-e2e', ...(services ? { services } : {}) });
}

/**
 * Opens the app and waits until the engine worker answered (the first screen is
 * rendered from vault.status). Console errors and CSP violations are collected so a
 * test can assert there were none.
 */
export async function openApp(context: BrowserContext, server: PreviewServer, problems: string[] = []): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(server.url);
  await page.waitForSelector('.card, .shell', { timeout: 30_000 });
  return page;
}
