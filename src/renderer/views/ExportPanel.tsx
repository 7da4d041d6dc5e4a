/**
 * Export: an encrypted Latchkey file by default; plaintext only after ticking the
 * sentence that says what that means. Both are refused when the organisation's policy
 * forbids export (the engine checks; the page says so up front).
 */
import { useState } from 'react';
import { PLAINTEXT_EXPORT_CONFIRMATION } from '../../shared/contracts/import-export';
import { ErrorMessage } from '../components/ErrorMessage';
import { usePolicy } from '../components/PolicyProvider';
import { useAction } from '../components/useAction';
import { useEngine } from '../engine/context';
import { saveFile } from '../save-file';

function download(file: { fileName: string; mediaType: string; bytes: Uint8Array }): void {
  saveFile(file.fileName, file.mediaType, file.bytes.slice());
}

export function ExportPanel() {
  const engine = useEngine();
  const policy = usePolicy();
  const action = useAction();
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [plainFormat, setPlainFormat] = useState<'csv' | 'json'>('json');
  const [confirmed, setConfirmed] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const forbidden = policy.status === 'ok' && policy.policy.policy?.export?.allowed === false;
  const mismatch = again !== '' && again !== passphrase;

  if (forbidden) {
    return (
      <section className="card wide" aria-labelledby="export-title">
        <h2 id="export-title">Export</h2>
        <p className="muted" data-testid="export-forbidden">
          Your organisation&apos;s policy does not allow exporting this vault.
        </p>
      </section>
    );
  }
  return (
    <section className="card wide" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p className="muted">
        An encrypted file of every item — the trash and earlier versions of secrets included — which Latchkey can import on any device. Choose a passphrase you will remember:
        without it the file cannot be opened.
      </p>
      <label>
        Passphrase for the file
        <input type="password" autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} data-testid="export-passphrase" />
      </label>
      <label>
        The same passphrase again
        <input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} data-testid="export-passphrase-again" />
      </label>
      {mismatch && <p className="error">The two passphrases differ.</p>}
      <button
        type="button"
        disabled={action.busy || passphrase.length < 8 || passphrase !== again}
        onClick={() =>
          void action.run(async () => {
            const f = await engine.call('export.encrypted', { passphrase });
            download(f);
            setSaved(f.fileName);
            setPassphrase('');
            setAgain('');
          })
        }
        data-testid="export-encrypted"
      >
        Export encrypted
      </button>
      {passphrase !== '' && passphrase.length < 8 && <p className="muted">At least 8 characters.</p>}
      <details>
        <summary>Export without encryption</summary>
        <p className="muted">
          For moving to another app. Anyone who gets the file can read every password in it; delete it as soon as you have imported it. It holds the current items only: not the
          trash, and not earlier versions of secrets.
        </p>
        <label className="check">
          <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} data-testid="export-plain-confirm" /> {PLAINTEXT_EXPORT_CONFIRMATION}
        </label>
        <label>
          Format
          <select value={plainFormat} onChange={(e) => setPlainFormat(e.target.value as 'csv' | 'json')}>
            <option value="json">JSON (current items, Latchkey can import it)</option>
            <option value="csv">CSV (Bitwarden columns, for other apps)</option>
          </select>
        </label>
        <button
          type="button"
          disabled={action.busy || !confirmed}
          onClick={() =>
            void action.run(async () => {
              const f = await engine.call('export.plaintext', { format: plainFormat, confirmation: PLAINTEXT_EXPORT_CONFIRMATION });
              download(f);
              setSaved(f.fileName);
              setConfirmed(false);
            })
          }
          data-testid="export-plain"
        >
          Export unencrypted
        </button>
      </details>
      <ErrorMessage error={action.error} />
      {saved && (
        <p className="ok" role="status">
          Saved {saved}.
        </p>
      )}
    </section>
  );
}
