/**
 * Approval prompts from the gateway, on every screen: agent, credential, destination
 * and tool, with a countdown to the automatic refusal. Also the "an agent wants a
 * credential while the vault is locked" notice, so the person knows why to unlock.
 */
import { useEffect, useMemo, useState } from 'react';
import type { ApprovalAnswer, PendingApproval } from '../../shared/contracts/gateway';
import { createApprovalNotifier } from '../approval-notifications';
import { useEngine } from '../engine/context';
import { useMain } from '../main-services';
import { mainTransport } from '../platform/connect-main';
import { ErrorMessage } from './ErrorMessage';

/** Seconds left, never more than the prompt's own timeout (main's and this clock may disagree slightly). */
function secondsLeft(p: PendingApproval, now: number): number {
  return Math.max(0, Math.ceil(Math.min(p.expiresAt - now, p.expiresAt - p.requestedAt) / 1000));
}

/** A body size for people: "no body", "512 bytes", "12.3 KB". */
function formatBytes(n: number): string {
  if (n === 0) return 'no body';
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'} of body`;
  return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB of body`;
}

interface UnlockAsk {
  agentName: string;
  tool: string;
  until: number;
}

export function ApprovalPrompts() {
  const main = useMain();
  const engine = useEngine();
  const notifier = useMemo(() => createApprovalNotifier(mainTransport() === 'preview'), []);
  const [pending, setPending] = useState<PendingApproval[]>([]);
  const [unlockAsk, setUnlockAsk] = useState<UnlockAsk | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (main === null) return;
    let live = true;
    main.gateway.call('approvals.pending', {}).then(
      (r) => {
        if (!live) return;
        setNow(Date.now());
        setPending(r.approvals);
      },
      () => undefined,
    );
    // `now` is only ticked while something is shown: take a fresh reading whenever a prompt arrives.
    const offs = [
      main.gateway.on('approval-requested', (a) => {
        setNow(Date.now());
        setPending((p) => [...p.filter((x) => x.id !== a.id), a]);
        notifier.show(a);
      }),
      main.gateway.on('approval-settled', (s) => {
        setPending((p) => p.filter((x) => x.id !== s.id));
        notifier.close(s.id);
      }),
      main.gateway.on('unlock-requested', (u) => {
        setNow(Date.now());
        setUnlockAsk(u);
      }),
      // Once unlocked, the agent's next call asks for approval itself: the notice has done its job.
      engine.on('unlocked', () => setUnlockAsk(null)),
      // Every waiting call was cancelled (or gave up): nobody needs the unlock now.
      main.gateway.on('unlock-withdrawn', () => setUnlockAsk(null)),
    ];
    return () => {
      live = false;
      for (const off of offs) off();
    };
  }, [main, engine, notifier]);

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
      notifier.close(id);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="prompts" role="region" aria-label="Agent requests">
      {unlockAsk !== null && unlockAsk.until > now && (
        <div className="prompt" role="alert" data-testid="unlock-ask">
          <strong>{unlockAsk.agentName}</strong> wants to use a credential (<code>{unlockAsk.tool}</code>). Unlock the vault to let it — or ignore this to refuse.
        </div>
      )}
      {pending.map((p) => (
        <div className="prompt" role="alertdialog" aria-label={`Approve ${p.agentName}`} key={p.id} data-testid="approval">
          <p>
            <strong>{p.agentName}</strong> wants to use <strong>{p.credentialName}</strong>
          </p>
          <p className="muted">
            with <code>{p.tool}</code> → <code>{p.destination}</code> · refused automatically in <span data-testid="approval-countdown">{secondsLeft(p, now)}</span> s
          </p>
          {p.request !== undefined && (
            <p data-testid="approval-request">
              <code>{p.request.method}</code> <code>{p.request.url}</code> · {formatBytes(p.request.bodyBytes)}
            </p>
          )}
          {p.touch === true && (
            <p className="warning" role="note" data-testid="approval-touch">
              This credential is marked high-risk: after you allow it, touch your security key to approve exactly this request.
            </p>
          )}
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
            {/* A touch approves one request: no standing answer can stand in for it. */}
            {p.touch !== true && (
              <>
                <button type="button" onClick={() => void answer(p.id, 'session')}>
                  Allow until lock
                </button>
                <button type="button" onClick={() => void answer(p.id, 'always')}>
                  Always allow
                </button>
              </>
            )}
          </div>
        </div>
      ))}
      <ErrorMessage error={error} />
    </div>
  );
}
