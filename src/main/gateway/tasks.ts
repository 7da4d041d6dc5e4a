/**
 * Tool calls that wait for the person, as Tasks (the `io.modelcontextprotocol/tasks`
 * extension of MCP 2026-07-28, SEP-2663): a `tools/call` whose client declared the
 * extension on that very request answers with a task handle (`resultType: "task"`) as
 * soon as the call raises an approval prompt or waits for the vault to be unlocked; the client polls `tasks/get` and may
 * `tasks/cancel`, which aborts the call and so withdraws the prompt.
 *
 * A task belongs to the agent whose token created it: another agent asking for it is
 * told it does not exist (the id is 96 random bits, and no answer says whose it is).
 * Tasks live in memory only; a finished task is kept for {@link TASK_TTL_MS}, then
 * forgotten. Nothing here is keyed by connection: every request names its task.
 */
import { randomBytes } from 'node:crypto';
import type { ToolResult } from './dispatch';

/** How long a task (finished or not) may be polled after it was created. */
export const TASK_TTL_MS = 15 * 60_000;
/** The polling interval suggested to clients while a task waits. */
export const TASK_POLL_MS = 1_000;
/** At most this many live tasks per agent: a client that never polls cannot grow memory without bound. */
export const MAX_TASKS_PER_AGENT = 64;

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export type TaskStatus = 'working' | 'completed' | 'cancelled' | 'failed';

/** The `Task` shape of the extension, with the status-specific payload inlined (DetailedTask). */
export interface TaskView {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs?: number;
  result?: ToolResult;
  [key: string]: unknown;
}

interface Entry {
  readonly agentId: string;
  readonly createdAt: number;
  lastUpdatedAt: number;
  status: TaskStatus;
  statusMessage: string;
  result: ToolResult | null;
  readonly controller: AbortController;
  readonly expiry: ReturnType<typeof setTimeout>;
}

export class TaskStore {
  private readonly tasks = new Map<string, Entry>();
  /** The task each running call became, by the call's controller (the one handle the call's front holds). */
  private readonly byCall = new WeakMap<AbortController, string>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Registers a running call as a task. `controller` aborts the call (tasks/cancel);
   * `done` settles the task with the call's result.
   */
  create(agentId: string, controller: AbortController, statusMessage: string, done: Promise<ToolResult>): TaskView {
    this.evictOldest(agentId);
    const id = randomBytes(12).toString('base64url');
    const t = this.now();
    const expiry = setTimeout(() => this.drop(id), TASK_TTL_MS);
    expiry.unref?.();
    const entry: Entry = { agentId, createdAt: t, lastUpdatedAt: t, status: 'working', statusMessage, result: null, controller, expiry };
    this.tasks.set(id, entry);
    this.byCall.set(controller, id);
    void done.then(
      (result) => this.settle(id, controller.signal.aborted ? 'cancelled' : 'completed', result),
      () => this.settle(id, controller.signal.aborted ? 'cancelled' : 'failed', null),
    );
    return this.view(id, entry);
  }

  /**
   * The call behind a task waits for something else now (it waited for the unlock, now
   * for an approval): its status message says so. No task for that call: nothing to do.
   */
  update(controller: AbortController, statusMessage: string): void {
    const id = this.byCall.get(controller);
    const e = id === undefined ? undefined : this.tasks.get(id);
    if (!e || e.status !== 'working') return;
    e.statusMessage = statusMessage;
    e.lastUpdatedAt = this.now();
  }

  /** The task, if it exists and belongs to this agent; otherwise null (never says which). */
  get(agentId: string, taskId: string): TaskView | null {
    const e = this.tasks.get(taskId);
    return e && e.agentId === agentId ? this.view(taskId, e) : null;
  }

  /** Cancels the agent's task; false when there is no such task. A finished task stays as it finished. */
  cancel(agentId: string, taskId: string): boolean {
    const e = this.tasks.get(taskId);
    if (!e || e.agentId !== agentId) return false;
    if (e.status === 'working') {
      e.status = 'cancelled';
      e.statusMessage = 'Cancelled by the client; the approval prompt or unlock wait was withdrawn.';
      e.lastUpdatedAt = this.now();
      e.controller.abort();
    }
    return true;
  }

  /** Ends every task of an agent (revoked) or of everyone (shutdown). */
  cancelAll(agentId?: string): void {
    for (const [id, e] of this.tasks) {
      if (agentId !== undefined && e.agentId !== agentId) continue;
      e.controller.abort();
      clearTimeout(e.expiry);
      this.tasks.delete(id);
    }
  }

  private settle(id: string, status: TaskStatus, result: ToolResult | null): void {
    const e = this.tasks.get(id);
    if (!e || e.status !== 'working') return;
    e.status = status;
    e.result = status === 'completed' ? result : null;
    e.statusMessage = status === 'completed' ? 'Finished.' : status === 'cancelled' ? 'Cancelled.' : 'The call failed inside Latchkey.';
    e.lastUpdatedAt = this.now();
  }

  private drop(id: string): void {
    const e = this.tasks.get(id);
    if (!e) return;
    e.controller.abort();
    this.tasks.delete(id);
  }

  private evictOldest(agentId: string): void {
    const own = [...this.tasks].filter(([, e]) => e.agentId === agentId);
    if (own.length < MAX_TASKS_PER_AGENT) return;
    const [id, e] = own.reduce((a, b) => (b[1].createdAt < a[1].createdAt ? b : a));
    clearTimeout(e.expiry);
    this.drop(id);
  }

  private view(taskId: string, e: Entry): TaskView {
    const v: TaskView = {
      taskId,
      status: e.status,
      statusMessage: e.statusMessage,
      createdAt: new Date(e.createdAt).toISOString(),
      lastUpdatedAt: new Date(e.lastUpdatedAt).toISOString(),
      ttlMs: TASK_TTL_MS,
    };
    if (e.status === 'working') v.pollIntervalMs = TASK_POLL_MS;
    if (e.status === 'completed' && e.result) v.result = e.result;
    if (e.status === 'failed') v.error = { code: -32603, message: 'Internal error.' };
    return v;
  }
}
