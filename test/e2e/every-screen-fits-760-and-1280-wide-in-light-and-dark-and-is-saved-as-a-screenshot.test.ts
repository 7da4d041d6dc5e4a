/**
 * Every screen of the real app at 1280×800 and 760×800, in the light and the dark
 * scheme, each saved as a PNG under test-results/screens/ (the e2e run's artefacts, to
 * be looked at), and each checked for what a person would notice first: nothing sticks
 * out past the window's right edge (a long public key, a wide table), the dark scheme
 * really is dark, and at 1280 the page uses the window rather than a narrow column.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';

const SCREENS = join(process.cwd(), 'test-results', 'screens');
const PASSWORD = 'screens vault password 1';
const SIZES = [
  { width: 1280, height: 800 },
  { width: 760, height: 800 },
] as const;
const SCHEMES = ['light', 'dark'] as const;
// A real ed25519 public key line is ~100 characters with no break opportunity: the
// case that overflowed a 760 px window before.
const LONG_PUBLIC_KEY = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${'Q'.repeat(120)} someone@a-rather-long-host-name.example.com`;

let main: MainWithGateway;
let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

interface ScreenReport {
  readonly overflow: string[];
  readonly background: string;
  readonly pageWidth: number;
}

/** Elements whose right edge is past the window and that no scrolling or clipping ancestor contains. */
function measure(): Promise<ScreenReport> {
  return page.evaluate(() => {
    const limit = window.innerWidth + 1;
    const clips = (el: Element): boolean => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true;
      }
      return false;
    };
    const overflow: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.right <= limit || clips(el)) continue;
      const id = el.getAttribute('data-testid');
      overflow.push(`${el.tagName.toLowerCase()}${id ? `[data-testid=${id}]` : el.className ? `.${String(el.className).split(' ')[0]}` : ''} right=${Math.round(r.right)}`);
    }
    if (document.documentElement.scrollWidth > limit) overflow.push(`document scrollWidth=${document.documentElement.scrollWidth}`);
    // How much of the window the page's content spans: from the leftmost to the
    // rightmost visible element inside it (a narrow column leaves the rest empty).
    let left = Infinity;
    let right = 0;
    for (const el of Array.from(document.querySelectorAll('main.page *'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      left = Math.min(left, r.left);
      right = Math.max(right, r.right);
    }
    return { overflow, background: getComputedStyle(document.documentElement).backgroundColor, pageWidth: right > left ? right - left : 0 };
  });
}

/** Relative luminance of a CSS `rgb()`/`rgba()` colour, 0 (black) to 1 (white). */
function luminance(css: string): number {
  const m = /rgba?\((\d+), (\d+), (\d+)/.exec(css);
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** Shoots one screen at every size and scheme; returns what was wrong, by shot name. */
async function everyWay(name: string, opts: { fullWidth?: boolean } = {}): Promise<string[]> {
  const wrong: string[] = [];
  const backgrounds: Record<string, number> = {};
  for (const size of SIZES) {
    for (const scheme of SCHEMES) {
      await page.setViewportSize(size);
      await page.emulateMedia({ colorScheme: scheme });
      // Two frames: layout after the resize, then paint.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const shotName = `${name}-${size.width}-${scheme}`;
      await page.screenshot({ path: join(SCREENS, `${shotName}.png`), fullPage: true });
      const m = await measure();
      if (m.overflow.length > 0) wrong.push(`${shotName}: past the right edge: ${m.overflow.slice(0, 5).join('; ')}`);
      backgrounds[`${size.width}-${scheme}`] = luminance(m.background);
      if (opts.fullWidth && size.width === 1280 && m.pageWidth < 0.7 * size.width)
        wrong.push(`${shotName}: the content is a ${Math.round(m.pageWidth)} px column of a 1280 px window`);
    }
  }
  for (const size of SIZES) {
    const light = backgrounds[`${size.width}-light`]!;
    const dark = backgrounds[`${size.width}-dark`]!;
    if (!(light > 0.6 && dark < 0.2)) wrong.push(`${name}-${size.width}: background luminance light ${light.toFixed(2)}, dark ${dark.toFixed(2)}`);
  }
  await page.setViewportSize(SIZES[0]);
  await page.emulateMedia({ colorScheme: 'light' });
  return wrong;
}

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  // The app's own composition (gateway, devices, keys), so every page shows what it
  // shows a person rather than a missing service.
  main = await mainWithGateway();
  server = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: SIZES[0] });
  page = await openApp(context, server, problems);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await main?.close();
});

describe('every screen at 1280 and 760 wide, light and dark', () => {
  it('the first-run, recovery-code, item, editor, agents, activity, keys, import, settings, shortcut and unlock screens fit and follow the scheme', async () => {
    const wrong: string[] = [];
    await page.waitForSelector('[data-testid=create-password]');
    wrong.push(...(await everyWay('01-create-vault')));

    await page.fill('[data-testid=create-password]', PASSWORD);
    await page.fill('[data-testid=create-confirm]', PASSWORD);
    await page.click('[data-testid=create-submit]');
    await page.waitForSelector('[data-testid=recovery-code]', { timeout: 60_000 });
    wrong.push(...(await everyWay('02-recovery-code')));
    await page.check('[data-testid=recovery-saved]');
    await page.click('[data-testid=recovery-continue]');
    await page.waitForSelector('[data-testid=search]');

    await page.selectOption('[data-testid=new-kind]', 'ssh_key');
    await page.click('[data-testid=new-item]');
    await page.fill('[data-testid=edit-title]', 'Deploy key for the production cluster in another region');
    await page.fill(
      '[data-testid=edit-private-key] textarea, textarea[data-testid=edit-private-key]',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
    );
    await page.getByLabel('Public key').fill(LONG_PUBLIC_KEY);
    wrong.push(...(await everyWay('03-item-editor', { fullWidth: true })));
    await page.click('[data-testid=edit-save]');
    await page.waitForSelector('[data-testid=item-detail]');
    wrong.push(...(await everyWay('04-item-detail', { fullWidth: true })));

    for (const [id, name] of [
      ['trash', '04b-trash'],
      ['agents', '05-agents'],
      ['activity', '06-activity'],
      ['keys', '07-security-keys'],
      ['import', '08-import-export'],
      ['settings', '09-settings'],
    ] as const) {
      await page.click(`[data-testid=nav-${id}]`);
      await page.waitForSelector(`[data-testid=nav-${id}][aria-current=page]`);
      await page.waitForLoadState('networkidle');
      wrong.push(...(await everyWay(name, { fullWidth: true })));
    }

    await page.click('[data-testid=shortcuts]');
    await page.waitForSelector('[role=dialog]');
    wrong.push(...(await everyWay('10-shortcut-help')));
    await page.keyboard.press('Escape');

    await page.click('[data-testid=lock]');
    await page.waitForSelector('[data-testid=unlock-password]');
    wrong.push(...(await everyWay('11-unlock')));

    expect(wrong).toEqual([]);
    expect(problems).toEqual([]);
  });
});
