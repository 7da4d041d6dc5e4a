/**
 * The current RFC 6238 code of a login, computed in the engine (the seed never
 * leaves it). Shown on request, then kept fresh: a new code is fetched when the
 * current one's period ends.
 */
import { useEffect, useState } from 'react';
import { useEngine } from '../engine/context';
import { useClipboard } from './ClipboardProvider';
import { CopyReference } from './CopyReference';
import { ErrorMessage } from './ErrorMessage';

interface Code {
  code: string;
  period: number;
  validUntil: number;
}

export function TotpCode({ itemId, reference }: { itemId: string; reference?: string | undefined }) {
  const engine = useEngine();
  const clipboard = useClipboard();
  const [shown, setShown] = useState(false);
  const [code, setCode] = useState<Code | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!shown) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchCode = async (): Promise<void> => {
      try {
        const c = await engine.call('item.totp', { id: itemId });
        if (stop) return;
        setCode(c);
        setError(null);
        timer = setTimeout(() => void fetchCode(), Math.max(250, c.validUntil - Date.now()));
      } catch (e) {
        if (!stop) setError(e);
      }
    };
    void fetchCode();
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      stop = true;
      if (timer !== undefined) clearTimeout(timer);
      clearInterval(tick);
      setCode(null);
    };
  }, [engine, itemId, shown]);

  const left = code === null ? 0 : Math.max(0, Math.ceil((code.validUntil - now) / 1000));
  return (
    <div className="field">
      <span className="field-label">One-time code</span>
      <div className="field-value">
        {!shown || code === null ? (
          <span className="masked">••• •••</span>
        ) : (
          <code className="totp" data-testid="totp-code">
            {code.code.slice(0, 3)} {code.code.slice(3)}
          </code>
        )}
        {shown && code !== null && (
          <span className="muted" data-testid="totp-left">
            {left} s
          </span>
        )}
        <span className="field-actions">
          {shown ? (
            <button type="button" onClick={() => setShown(false)}>
              Hide
            </button>
          ) : (
            <button type="button" onClick={() => setShown(true)}>
              Show code
            </button>
          )}
          {shown && code !== null && (
            <button type="button" onClick={() => void clipboard.copySecret('One-time code', code.code)}>
              Copy
            </button>
          )}
          <CopyReference reference={reference} />
        </span>
      </div>
      <ErrorMessage error={error} />
    </div>
  );
}
