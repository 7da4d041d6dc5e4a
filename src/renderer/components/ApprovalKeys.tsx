/**
 * Security keys enrolled to approve agents' requests for high-risk credentials (touch to
 * approve, docs/gateway.md §16). Enrolling asks the plugged-in key for a touch; its
 * public key is signed into the audit log so anyone can check the approvals offline.
 */
import { useCallback, useEffect, useState } from 'react';
import { useMain } from '../main-services';
import { ErrorMessage } from './ErrorMessage';
import { useAction } from './useAction';

export function ApprovalKeys() {
  const main = useMain();
  const [keys, setKeys] = useState<Array<{ credentialId: string; alg: number }> | null>(null);
  const action = useAction();
  const load = useCallback(async () => {
    if (main === null) return;
    setKeys((await main.gateway.call('approvalKeys.list', {})).keys);
  }, [main]);
  useEffect(() => {
    void action.run(load);
  }, [load]);
  if (main === null) return null;
  const enrol = () =>
    action.run(async () => {
      await main.gateway.call('approvalKeys.enrol', {});
      await load();
    });
  return (
    <section className="card wide" aria-labelledby="approval-keys-title">
      <h2 id="approval-keys-title">Keys that approve agent requests</h2>
      <p className="muted">
        Credentials tagged <code>production</code> (or marked by your organisation) are sent only after you touch one of these keys for each request.
      </p>
      {keys !== null && keys.length === 0 && <p className="muted">None yet.</p>}
      <ul className="plain-list" data-testid="approval-keys">
        {(keys ?? []).map((k) => (
          <li key={k.credentialId}>
            Security key <code>{k.credentialId.slice(0, 12)}…</code> <span className="muted">({k.alg === -8 ? 'Ed25519' : 'P-256'})</span>
          </li>
        ))}
      </ul>
      <button type="button" disabled={action.busy} onClick={() => void enrol()}>
        {action.busy ? 'Touch your security key…' : 'Add the plugged-in key'}
      </button>
      <ErrorMessage error={action.error} />
    </section>
  );
}
