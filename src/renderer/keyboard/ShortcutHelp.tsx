/** The keyboard shortcuts overlay ("?"), built from the one table in shortcuts.ts. */
import { SHORTCUTS } from './shortcuts';

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcut-help" onClick={onClose}>
      <section className="card overlay-card" onClick={(e) => e.stopPropagation()}>
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.action}>
                <td>
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && ' or '}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </td>
                <td>{s.does}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">Letters work when you are not typing in a field.</p>
        <button type="button" onClick={onClose} autoFocus>
          Close
        </button>
      </section>
    </div>
  );
}
