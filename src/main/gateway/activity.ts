/**
 * Records every gateway use, allowed or refused: an in-memory ring for the Activity
 * page and an audit event through the engine's signed chain. Neither ever holds a
 * secret: targets are item ids, origins and command names.
 */
import type { ActivityEntry } from '../../shared/contracts/gateway';
import type { AuditSink } from './ports';

export type ActivityInput = Omit<ActivityEntry, 'id' | 'at'>;

export class ActivityLog {
  private readonly entries: ActivityEntry[] = [];
  private nextId = 0;

  constructor(
    private readonly audit: AuditSink,
    private readonly onEntry: (e: ActivityEntry) => void,
    private readonly now: () => number,
    private readonly capacity = 5000,
    private readonly onAuditError: (err: unknown) => void = () => undefined,
  ) {}

  async record(input: ActivityInput): Promise<void> {
    const entry: ActivityEntry = { ...input, id: this.nextId++, at: this.now() };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    this.onEntry(entry);
    const target: { itemId?: string; origin?: string } = {};
    if (input.itemId !== null) target.itemId = input.itemId;
    if (input.destination !== null) target.origin = input.destination.slice(0, 512);
    try {
      await this.audit.append({
        action: input.tool === 'pair' || input.tool === 'revoke' ? (input.tool === 'pair' ? 'agent.pair' : 'agent.revoke') : 'credential.use',
        actor: input.agentId === null ? { type: 'person' } : { type: 'agent', id: input.agentId },
        target,
        outcome: input.outcome,
        reason: `${input.tool}${input.reason ? `: ${input.reason}` : ''}`.slice(0, 128),
      });
    } catch (err) {
      this.onAuditError(err);
    }
  }

  list(opts: { agentId?: string; limit?: number }): ActivityEntry[] {
    const out: ActivityEntry[] = [];
    const limit = opts.limit ?? 200;
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.entries[i]!;
      if (opts.agentId === undefined || e.agentId === opts.agentId) out.push(e);
    }
    return out;
  }
}
