/** The unlocked app: header with nav, the shortcuts button and the lock button, then the active page. */
import { useState } from 'react';
import { useClipboard } from '../components/ClipboardProvider';
import { useEngine } from '../engine/context';
import { ShortcutHelp } from '../keyboard/ShortcutHelp';
import { useShortcut } from '../keyboard/useShortcut';
import { PAGES } from './pages';

export function Shell() {
  const engine = useEngine();
  const clipboard = useClipboard();
  const [pageId, setPageId] = useState(PAGES[0]?.id ?? 'items');
  const page = PAGES.find((p) => p.id === pageId) ?? PAGES[0];
  const [help, setHelp] = useState(false);
  const lock = async () => {
    await clipboard.clearNow();
    await engine.call('vault.lock', {});
  };
  useShortcut('lock', () => void lock());
  useShortcut('help', () => setHelp(true));
  useShortcut('close', () => setHelp(false), help);
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Latchkey</span>
        <nav aria-label="Sections">
          {PAGES.map((p) => (
            <button
              key={p.id}
              type="button"
              className={p.id === page?.id ? 'nav active' : 'nav'}
              aria-current={p.id === page?.id ? 'page' : undefined}
              onClick={() => setPageId(p.id)}
              data-testid={`nav-${p.id}`}
            >
              {p.label}
            </button>
          ))}
        </nav>
        <button type="button" className="icon-button" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" data-testid="shortcuts">
          ?
        </button>
        <button type="button" className="lock" onClick={() => void lock()} data-testid="lock">
          Lock
        </button>
      </header>
      <main className="page">{page && <page.View />}</main>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}
