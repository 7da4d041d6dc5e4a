/**
 * Approval prompts from the gateway, on every screen: agent, credential, destination
 * and tool, with a countdown to the automatic refusal. Also the "an agent wants a
 * credential while the vault is locked" notice, so the person knows why to unlock.
 */
import { useEffect, useState } from 'react';
import type { ApprovalAnswer, PendingApproval } from '../../shared/contracts/gateway';
import { useMain } from '../main-services';
import { ErrorMessage } from './ErrorMessage';

interface UnlockAsk {
  agentName: string;
  tool: string;
  until: number;
}

export function ApprovalPrompts() {
  const main = useMain();
  const [pending, setPending] = useState<PendingApproval[]>([]);
  const [unlockAsk, setUnlockAsk] = useState<UnlockAsk | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (main === null) return;
    let live = true;
    main.gateway.call('approvals.pending', {}).then(
      (r) => {
        if (live) setPending(r.approvals);
      },
      () => undefined,
    );
    const offs = [
      main.gateway.on('approval-requested', (a) => setPending((p) => [...p.filter((x) => x.id !== a.id), a])),
      main.gateway.on('approval-settled', (s) => setPending((p) => p.filter((x) => x.id !== s.id))),
      main.gateway.on('unlock-requested', (u) => setUnlockAsk(u)),
    ];
    return () => {
      live = false;
      for (const off of offs) off();
    };
  }, [main]);

  const active = pending.length > 0 || (unlockAsk !== null && unlockAsk.until > now);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);

  if (main === null || !active) return null;
  const answer = async (id: string, a: ApprovalAnswer) => {
    try {
      await main.gateway.call('approvals.answer', { approvalId: id, answer: a });
      setPending((p) => p.filter((x) => x.id !== id));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="prompts" role="region" aria-label="Agent requests">
      {unlockAsk !== null && unlockAsk.until > now && (
        <div className="prompt" role="alert">
          <strong>{unlockAsk.agentName}</strong> wants to use a credential (<code>{unlockAsk.tool}</code>). Unlock the vault to let it — or ignore this to refuse.
        </div>
      )}
      {pending.map((p) => (
        <div className="prompt" role="alertdialog" aria-label={`Approve ${p.agentName}`} key={p.id} data-testid="approval">
          <p>
            <strong>{p.agentName}</strong> wants to use <strong>{p.credentialName}</strong>
          </p>
          <p className="muted">
            with <code>{p.tool}</code> → <code>{p.destination}</code> · refused automatically in {Math.max(0, Math.ceil((p.expiresAt - now) / 1000))} s
          </p>
          {p.warning !== undefined && (
            <p className="warning" role="note" data-testid="approval-warning">
              {p.warning}
            </p>
          )}
          <div className="row">
            <button type="button" className="danger" onClick={() => void answer(p.id, 'deny')}>
              Deny
            </button>
            <button type="button" className="primary" onClick={() => void answer(p.id, 'once')} data-testid="approve-once">
              Allow once
            </button>
            <button type="button" onClick={() => void answer(p.id, 'session')}>
              Allow until lock
            </button>
            <button type="button" onClick={() => void answer(p.id, 'always')}>
              Always allow
            </button>
          </div>
        </div>
      ))}
      <ErrorMessage error={error} />
    </div>
  );
}
