import { launchChromium, openApp, startApp } from './harness/browser';
import { pageCall } from './harness/page-engine';
const server = await startApp('/work/main/out/e2e-renderer');
const browser = await launchChromium();
const ctx = await browser.newContext();
const page = await openApp(ctx, server);
page.on('console', (m) => { if (m.text().startsWith('DBG')) console.log(m.text()); });

await pageCall(page, 'ui', 'vault.create', { password: 'durability password' });
const PADDING = 'p'.repeat(2048);
const drafts = Array.from({ length: 400 }, (_, i) => ({
    overview: { kind: 'api_credential', title: `Item ${i} v1`, username: `user-${i}-v1`, urls: [], tags: ['bulk'], description: 'bulk', injection: { type: 'bearer' }, allowedOrigins: ['https://api.example.com'] },
    details: { kind: 'api_credential', secret: `secret-${i}-v1`, notes: PADDING, customFields: [] },
  }));
let t = Date.now();
await pageCall(page, 'transfer', 'items.import', { items: drafts });
console.log('import ms', Date.now() - t);
const r = await page.evaluate(async () => {
  const hooks = window.__latchkeyE2E!;
  const { items } = await hooks.ui.call('items.list', {});
  const times: number[] = [];
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); await hooks.ui.call('vault.status', {}); times.push(-(performance.now() - t0)); }
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); await hooks.ui.call('item.get', { id: items[i]!.id }); times.push(-1000-(performance.now() - t0)); }
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); await hooks.ui.call('items.list', {}); times.push(-2000-(performance.now() - t0)); }
  for (let i = 0; i < 10; i++) {
    const it = items[i]!;
    const t0 = performance.now();
    try {
    await hooks.ui.call('item.update', { id: it.id, baseVersion: it.version, overview: { ...it.overview, title: it.overview.title + 'x' }, details: { kind: 'api_credential', secret: 's', customFields: [] } });
    } catch (e) { return String(e) + JSON.stringify(e); }
    times.push(performance.now() - t0);
  }
  return times;
});
console.log(r);
await browser.close(); await server.close();
