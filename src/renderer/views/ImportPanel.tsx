/**
 * Import: choose a file and its format, see what would be imported (and what not,
 * and why), then confirm. The file is parsed in the engine worker; this page only
 * ever sees titles, kinds and the report, never a secret.
 */
import { useState } from 'react';
import type { z } from 'zod';
import { IMPORT_FORMATS, type ImportFormat, type importPreviewSchema } from '../../shared/contracts/import-export';
import { guessImportFormat } from '../../core/import/guess';
import { ErrorMessage } from '../components/ErrorMessage';
import { useAction } from '../components/useAction';
import { useEngine } from '../engine/context';
import { FORMAT_LABELS, HAS_PASSWORD, SOURCE_KIND_WORDS, ruleWords } from './import-words';

type Preview = z.infer<typeof importPreviewSchema>;

async function readFile(input: HTMLInputElement): Promise<{ name: string; bytes: Uint8Array } | null> {
  const f = input.files?.[0];
  return f ? { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) } : null;
}

function Report({ preview }: { preview: Preview }) {
  const counts = Object.entries(preview.report.counts).filter(([, n]) => n > 0);
  return (
    <div data-testid="import-report">
      <p>
        {preview.entries.length === 0 ? 'Nothing to import.' : `Ready to import from ${preview.fileName}: `}
        {counts.map(([k, n]) => `${n} ${SOURCE_KIND_WORDS[k] ?? k}`).join(', ')}.
      </p>
      {preview.report.skipped.length > 0 && (
        <details open>
          <summary>{preview.report.skipped.length} not imported</summary>
          <ul data-testid="import-skipped">
            {preview.report.skipped.map((s, i) => (
              <li key={i}>
                {s.entry}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {preview.report.dropped.length > 0 && (
        <details>
          <summary>{preview.report.dropped.length} parts left out</summary>
          <ul>
            {preview.report.dropped.map((s, i) => (
              <li key={i}>
                {s.entry}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

export function ImportPanel() {
  const engine = useEngine();
  const action = useAction();
  const [file, setFile] = useState<{ name: string; bytes: Uint8Array } | null>(null);
  const [keyFile, setKeyFile] = useState<Uint8Array | null>(null);
  const [format, setFormat] = useState<ImportFormat>('kdbx');
  const [password, setPassword] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [excluded, setExcluded] = useState<Set<number>>(new Set());
  const [asApi, setAsApi] = useState<Set<number>>(new Set());
  const [done, setDone] = useState<number | null>(null);

  const reset = () => {
    setPreview(null);
    setExcluded(new Set());
    setAsApi(new Set());
    setDone(null);
  };
  const toggle = (set: Set<number>, i: number, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(i);
    else next.delete(i);
    return next;
  };

  const showPreview = () =>
    action.run(async () => {
      if (!file) return;
      reset();
      const p = await engine.call('import.preview', {
        format,
        fileName: file.name,
        file: file.bytes,
        ...(HAS_PASSWORD.has(format) && password ? { password } : {}),
        ...(format === 'kdbx' && keyFile ? { keyFile } : {}),
      });
      setPreview(p);
      // Offers are only offers: each starts unticked.
    });
  const commit = () =>
    action.run(async () => {
      if (!preview) return;
      const r = await engine.call('import.commit', { previewId: preview.previewId, exclude: [...excluded], asApiCredential: [...asApi].filter((i) => !excluded.has(i)) });
      setPreview(null);
      setPassword('');
      setDone(r.created);
    });

  const count = preview ? preview.entries.length - excluded.size : 0;
  return (
    <section className="card wide" aria-labelledby="import-title">
      <h2 id="import-title">Import</h2>
      <p className="muted">Bring in logins, notes, cards and keys from KeePassXC, Bitwarden, 1Password or a browser. You see everything before it is written.</p>
      <label>
        File
        <input
          type="file"
          accept=".kdbx,.csv,.json,.1pux,.lkexport"
          data-testid="import-file"
          onChange={(e) => {
            const input = e.currentTarget;
            void readFile(input).then((f) => {
              reset();
              setFile(f);
              if (f) setFormat(guessImportFormat(f.name, f.bytes.subarray(0, 4096)) ?? format);
            });
          }}
        />
      </label>
      <label>
        Format
        <select value={format} onChange={(e) => (setFormat(e.target.value as ImportFormat), reset())} data-testid="import-format">
          {IMPORT_FORMATS.map((f) => (
            <option key={f} value={f}>
              {FORMAT_LABELS[f]}
            </option>
          ))}
        </select>
      </label>
      {HAS_PASSWORD.has(format) && (
        <label>
          {format === 'kdbx' ? 'Database password' : format === 'latchkey_export' ? 'Export passphrase' : 'Export password (if it has one)'}
          <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="import-password" />
        </label>
      )}
      {format === 'kdbx' && (
        <label>
          Key file (if the database has one)
          <input type="file" data-testid="import-key-file" onChange={(e) => void readFile(e.currentTarget).then((f) => setKeyFile(f?.bytes ?? null))} />
        </label>
      )}
      <ErrorMessage error={action.error} />
      {done !== null && (
        <p className="ok" role="status" data-testid="import-done">
          Imported {done} item{done === 1 ? '' : 's'}.
        </p>
      )}
      {!preview && (
        <button type="button" disabled={!file || action.busy} onClick={() => void showPreview()} data-testid="import-preview">
          Preview
        </button>
      )}
      {preview && (
        <>
          <Report preview={preview} />
          <table className="grid" data-testid="import-entries">
            <thead>
              <tr>
                <th>Import</th>
                <th>Title</th>
                <th>Kind</th>
                <th>Tags</th>
                <th>As API credential</th>
              </tr>
            </thead>
            <tbody>
              {preview.entries.map((e) => (
                <tr key={e.index}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Import ${e.title}`}
                      checked={!excluded.has(e.index)}
                      onChange={(ev) => setExcluded(toggle(excluded, e.index, !ev.target.checked))}
                    />
                  </td>
                  <td>
                    {e.title}
                    {e.username ? <span className="muted"> · {e.username}</span> : null}
                    {e.hasTotp ? <span className="muted"> · one-time codes</span> : null}
                    {e.previousVersions ? (
                      <span className="muted" data-testid={`import-history-${e.index}`}>
                        {' '}
                        · {e.previousVersions === 1 ? '1 earlier version' : `${e.previousVersions} earlier versions`}
                      </span>
                    ) : null}
                    {e.inTrash ? (
                      <span className="muted" data-testid={`import-trashed-${e.index}`}>
                        {' '}
                        · back to the trash
                      </span>
                    ) : null}
                  </td>
                  <td>{SOURCE_KIND_WORDS[e.sourceKind]?.replace(/s$/, '') ?? e.sourceKind}</td>
                  <td>{e.tags.join(', ')}</td>
                  <td>
                    {e.apiSuggestion ? (
                      <label className="check">
                        <input
                          type="checkbox"
                          checked={asApi.has(e.index)}
                          onChange={(ev) => setAsApi(toggle(asApi, e.index, ev.target.checked))}
                          data-testid={`import-as-api-${e.index}`}
                        />{' '}
                        {e.apiSuggestion.description}: {ruleWords(e.apiSuggestion.injection)}, to{' '}
                        {e.apiSuggestion.allowedOrigins.join(', ') || 'no origin yet (add one after import)'}
                      </label>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row">
            <button type="button" className="primary" disabled={action.busy || count === 0} onClick={() => void commit()} data-testid="import-commit">
              Import {count} item{count === 1 ? '' : 's'}
            </button>
            <button type="button" onClick={reset}>
              Cancel
            </button>
          </div>
        </>
      )}
    </section>
  );
}
