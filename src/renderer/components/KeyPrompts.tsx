/**
 * What a security key needs from the person while main talks to it: "touch your key"
 * and the PIN. The PIN goes straight back to main with pin.answer and is cleared
 * from this component at once; it is never shown, logged or kept.
 */
import { useEffect, useState, type SubmitEvent } from 'react';
import { useMain } from '../main-services';
import { ErrorMessage } from './ErrorMessage';

type Ask = { kind: 'touch'; requestId: string } | { kind: 'pin'; requestId: string; retriesLeft?: number; retry: boolean };

export function KeyPrompts() {
  const main = useMain();
  const [ask, setAsk] = useState<Ask | null>(null);
  const [pin, setPin] = useState('');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (main === null) return;
    const hk = main.hardwareKey;
    const offs = [
      hk.on('touch-needed', (e) => setAsk({ kind: 'touch', requestId: e.requestId })),
      hk.on('pin-needed', (e) => {
        setPin('');
        setAsk({ kind: 'pin', requestId: e.requestId, retry: e.retry, ...(e.retriesLeft !== undefined ? { retriesLeft: e.retriesLeft } : {}) });
      }),
      hk.on('done', (e) => setAsk((a) => (a?.requestId === e.requestId ? null : a))),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [main]);

  if (main === null || ask === null) return null;
  const answer = async (value: string | undefined) => {
    const requestId = ask.requestId;
    setPin('');
    setAsk(null);
    try {
      await main.hardwareKey.call('pin.answer', value === undefined ? { requestId } : { requestId, pin: value });
    } catch (e) {
      setError(e);
    }
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    void answer(pin);
  };

  return (
    <div className="modal-backdrop">
      {ask.kind === 'touch' ? (
        <div className="card" role="alertdialog" aria-label="Touch your security key">
          <h2>Touch your security key</h2>
          <p className="muted">It is blinking or waiting for your finger.</p>
          <button type="button" onClick={() => void main.hardwareKey.call('keys.cancel', { requestId: ask.requestId }).catch(setError)}>
            Cancel
          </button>
        </div>
      ) : (
        <form className="card" onSubmit={submit} aria-label="Security key PIN">
          <h2>Enter the key's PIN</h2>
          {ask.retry && (
            <p className="error" role="alert">
              Wrong PIN.{ask.retriesLeft !== undefined ? ` ${ask.retriesLeft} tries left before the key locks.` : ''}
            </p>
          )}
          {!ask.retry && ask.retriesLeft !== undefined && <p className="muted">{ask.retriesLeft} tries left.</p>}
          <label>
            PIN
            <input type="password" autoComplete="off" value={pin} onChange={(e) => setPin(e.target.value)} autoFocus minLength={4} />
          </label>
          <div className="row">
            <button type="submit" className="primary" disabled={pin.length < 4}>
              Continue
            </button>
            <button type="button" onClick={() => void answer(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
