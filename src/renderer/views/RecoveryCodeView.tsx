/**
 * Shows a recovery code exactly once. The person copies or prints it and must confirm
 * they stored it before moving on; the code is dropped from memory when this view goes
 * away. Copying goes through the app's clipboard slot, so it is cleared like any secret.
 * Printing prints this card alone (styles.css `@media print`).
 */
import { useState } from 'react';
import { useClipboard } from '../components/ClipboardProvider';

export function RecoveryCodeView({ recoveryCode, onDone }: { recoveryCode: string; onDone: () => void }) {
  const [saved, setSaved] = useState(false);
  const clipboard = useClipboard();
  return (
    <main className="center-card">
      <section className="card recovery-print" aria-labelledby="rc-title">
        <h1 id="rc-title">Save your recovery code</h1>
        <p className="muted">
          This code opens your vault if you forget the password or lose your security keys. It is shown only now. Print it or write it down, and keep it somewhere safe, away from
          this device.
        </p>
        <code className="recovery-code" data-testid="recovery-code">
          {recoveryCode}
        </code>
        <div className="row no-print">
          <button type="button" onClick={() => void clipboard.copySecret('Recovery code', recoveryCode)} data-testid="recovery-copy">
            Copy
          </button>
          <button type="button" onClick={() => window.print()} data-testid="recovery-print">
            Print
          </button>
        </div>
        <label className="check no-print">
          <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} data-testid="recovery-saved" />I stored it somewhere safe
        </label>
        <button type="button" className="primary no-print" disabled={!saved} onClick={onDone} data-testid="recovery-continue">
          Continue
        </button>
      </section>
    </main>
  );
}
