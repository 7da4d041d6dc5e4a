/**
 * Shows a recovery code exactly once. The person must confirm they saved it before
 * moving on; the code is dropped from memory when this view goes away.
 */
import { useState } from 'react';

export function RecoveryCodeView({ recoveryCode, onDone }: { recoveryCode: string; onDone: () => void }) {
  const [saved, setSaved] = useState(false);
  return (
    <main className="center-card">
      <section className="card" aria-labelledby="rc-title">
        <h1 id="rc-title">Save your recovery code</h1>
        <p className="muted">This code opens your vault if you forget the password. It is shown only now. Write it down or store it somewhere safe, away from this device.</p>
        <code className="recovery-code" data-testid="recovery-code">
          {recoveryCode}
        </code>
        <label className="check">
          <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} data-testid="recovery-saved" />I saved it
        </label>
        <button type="button" className="primary" disabled={!saved} onClick={onDone} data-testid="recovery-continue">
          Continue
        </button>
      </section>
    </main>
  );
}
