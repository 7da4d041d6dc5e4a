/**
 * Approval prompts waiting for the person. Each prompt resolves with the person's
 * answer, or rejects with 'approval_timeout' when unanswered in time, or 'cancelled'
 * when the agent's call is abandoned or the agent revoked. The UI learns about prompts
 * through events and answers through `approvals.answer`.
 */
import { randomBytes } from 'node:crypto';
import type { ApprovalAnswer, PendingApproval } from '../../shared/contracts/gateway';
import { LatchkeyError } from '../../shared/errors';

export type ApprovalPromptInput = Omit<PendingApproval, 'id' | 'requestedAt' | 'expiresAt'>;

export interface ApprovalEvents {
  requested(p: PendingApproval): void;
  settled(id: string, outcome: 'approved' | 'denied' | 'timeout' | 'cancelled'): void;
}

/**
 * Who is waiting on a call's prompt: the MCP front of that call, which tells its client
 * (a progress notification under 2025-11-25, a Task under 2026-07-28). Keyed by the
 * call's AbortSignal, the one thing that travels with the call down to `ask`.
 */
export interface ApprovalWatcher {
  requested(p: PendingApproval): void;
  settled(outcome: 'approved' | 'denied' | 'timeout' | 'cancelled'): void;
  /** The call waits for the person to unlock the vault (gateway.ts waitForUnlock): the same kind of wait as a prompt. */
  unlockRequested?(): void;
  /** That wait ended: unlocked, or not (timed out, or the call was abandoned). */
  unlockSettled?(unlocked: boolean): void;
}

const watchers = new WeakMap<AbortSignal, ApprovalWatcher>();

/** Tells `watcher` about every prompt the call carrying `signal` raises. */
export function watchApprovals(signal: AbortSignal, watcher: ApprovalWatcher): void {
  watchers.set(signal, watcher);
}

/** The watcher of the call carrying `signal`, if its front watches (the unlock wait tells it too). */
export function approvalWatcher(signal: AbortSignal | undefined): ApprovalWatcher | undefined {
  return signal ? watchers.get(signal) : undefined;
}

interface Waiting {
  readonly prompt: PendingApproval;
  resolve(answer: ApprovalAnswer): void;
  reject(err: LatchkeyError): void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class ApprovalQueue {
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly events: ApprovalEvents,
    private readonly timeoutMs: () => number,
    private readonly now: () => number,
  ) {}

  pending(): PendingApproval[] {
    return [...this.waiting.values()].map((w) => w.prompt);
  }

  ask(input: ApprovalPromptInput, signal?: AbortSignal): Promise<ApprovalAnswer> {
    const t = this.now();
    const ms = this.timeoutMs();
    const prompt: PendingApproval = { ...input, id: randomBytes(12).toString('base64url'), requestedAt: t, expiresAt: t + ms };
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      const settle = (outcome: 'approved' | 'denied' | 'timeout' | 'cancelled'): boolean => {
        const w = this.waiting.get(prompt.id);
        if (!w) return false;
        this.waiting.delete(prompt.id);
        clearTimeout(w.timer);
        this.events.settled(prompt.id, outcome);
        if (signal) watchers.get(signal)?.settled(outcome);
        return true;
      };
      const timer = setTimeout(() => {
        if (settle('timeout')) reject(new LatchkeyError('approval_timeout', `Nobody answered the approval prompt within ${Math.round(ms / 1000)} s; the call was refused.`));
      }, ms);
      this.waiting.set(prompt.id, {
        prompt,
        timer,
        resolve: (answer) => {
          if (settle(answer === 'deny' ? 'denied' : 'approved')) resolve(answer);
        },
        reject: (err) => {
          if (settle('cancelled')) reject(err);
        },
      });
      signal?.addEventListener('abort', () => this.waiting.get(prompt.id)?.reject(new LatchkeyError('cancelled', 'The call was cancelled before it was approved.')), {
        once: true,
      });
      this.events.requested(prompt);
      if (signal) watchers.get(signal)?.requested(prompt);
    });
  }

  answer(approvalId: string, answer: ApprovalAnswer): void {
    const w = this.waiting.get(approvalId);
    if (!w) throw new LatchkeyError('not_found', 'This approval prompt is no longer pending (answered, timed out or cancelled).');
    w.resolve(answer);
  }

  cancelForAgent(agentId: string, reason: string): void {
    for (const w of [...this.waiting.values()]) {
      if (w.prompt.agentId === agentId) w.reject(new LatchkeyError('cancelled', reason));
    }
  }

  cancelAll(reason: string): void {
    for (const w of [...this.waiting.values()]) w.reject(new LatchkeyError('cancelled', reason));
  }
}
