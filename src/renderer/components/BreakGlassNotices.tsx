/**
 * Tells the person that their organisation's break-glass recovery gave this vault a new
 * way in (docs/break-glass.md §4): shown on every screen while the vault holds such a
 * code, from the stored slots ('vault.breakGlassNotices', readable while locked) and
 * at once when one arrives by sync (event 'breakGlass'). Dismissing hides it for this
 * session only; it goes for good when the person replaces the code.
 */
import { useEffect, useState } from 'react';
import type { BreakGlassNotice } from '../../shared/contracts/engine';
import { useEngine } from '../engine/context';

export function BreakGlassNotices() {
  const engine = useEngine();
  const [notices, setNotices] = useState<BreakGlassNotice[]>([]);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    let live = true;
    const refresh = () =>
      void engine
        .call('vault.breakGlassNotices', {})
        .then((r) => live && setNotices(r.notices))
        .catch(() => undefined);
    refresh();
    const offNotice = engine.on('breakGlass', (n) => setNotices((all) => (all.some((x) => x.slotId === n.slotId) ? all : [...all, n])));
    const offUnlocked = engine.on('unlocked', refresh);
    return () => {
      live = false;
      offNotice();
      offUnlocked();
    };
  }, [engine]);

  const shown = notices.filter((n) => !dismissed.has(n.slotId));
  if (shown.length === 0) return null;
  return (
    <div className="prompts" role="region" aria-label="Organisation recovery">
      {shown.map((n) => (
        <div className="prompt" role="alert" key={n.slotId} data-testid="break-glass-notice">
          <p>
            <strong>Your organisation gave this vault a new way in</strong> on {new Date(n.at).toLocaleString()}: administrators {n.admins.join(', ')} used break-glass recovery and
            made a recovery code for you.
          </p>
          <p className="warning">
            If you did not ask for this, contact your IT team now. If you did, add a new security key and make your own recovery code (Settings), which replaces this one.
          </p>
          <div className="row">
            <button type="button" onClick={() => setDismissed((d) => new Set([...d, n.slotId]))}>
              Dismiss for now
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
