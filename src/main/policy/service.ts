/**
 * The running policy: loads it, watches the managed files, and tells subscribers when
 * it changes so enforcement follows a replaced file without a restart.
 *
 * Subscribers (wired in the composition root, src/main/index.ts):
 *  - push the new EffectivePolicy to the engine and gateway;
 *  - on `status: 'invalid'`, lock the vault and show the error (fail closed);
 *  - append an audit event for the change (action 'policy.load' — see
 *    src/shared/contracts/engine.ts; reason 'changed' / 'invalid').
 *
 * Watching: fs.watch on the files' directories catches the usual atomic
 * replace (write temp + rename), which a watch on the file itself would lose after
 * the first rename. fs.watchFile (stat polling) backs it up for directories that do
 * not exist yet and for file systems where fs.watch is unreliable. Events are
 * debounced so a multi-step replacement is read once, after it settles.
 */
import { watch, watchFile, unwatchFile, type FSWatcher, type StatsListener } from 'node:fs';
import path from 'node:path';
import { LatchkeyError } from '../../shared/errors';
import { POLICY_FIELDS, type EffectivePolicy, type PersonalSettings, type PolicyField } from '../../shared/policy';
import { managedValue, withPersonalSettings } from '../../core/policy';
import { loadPolicyState, type PolicySourcesOptions, type PolicyState } from './loader';
import { MANAGED_KEY_FILE, MANAGED_POLICY_FILE } from './paths';

export interface PolicyChangeEvent {
  readonly previous: PolicyState | null;
  readonly next: PolicyState;
  /** What caused it: first load, a watched file, a personal settings change, or reload(). */
  readonly trigger: 'initial' | 'file' | 'settings' | 'reload';
  /** Managed fields whose value or lock changed (empty for a settings change). */
  readonly changedFields: readonly PolicyField[];
}
export type PolicyChangeListener = (event: PolicyChangeEvent) => void;

export interface PolicyServiceOptions extends PolicySourcesOptions {
  /** Quiet time after the last file event before re-reading (ms). */
  readonly debounceMs?: number;
  /** Stat-polling interval of the backup watcher (ms). */
  readonly pollIntervalMs?: number;
  /** Off in tests that only load once. */
  readonly watch?: boolean;
}

export class PolicyService {
  private state: PolicyState | null = null;
  private personal: PersonalSettings | undefined;
  private readonly listeners = new Set<PolicyChangeListener>();
  private readonly watchers: FSWatcher[] = [];
  private readonly polled: Array<[string, StatsListener]> = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: PolicyServiceOptions) {
    this.personal = opts.personal;
  }

  /** Loads once and starts watching. Never throws for a bad policy: the state says so. */
  async start(): Promise<PolicyState> {
    const state = await this.reloadWith('initial');
    if (this.opts.watch !== false) this.startWatching();
    return state;
  }

  /** The last loaded state (null before start()). */
  getState(): PolicyState | null {
    return this.state;
  }

  /**
   * The policy every decision must use. Throws 'policy_invalid' while the managed
   * policy is broken, so a caller that forgets to check the state still fails closed.
   */
  current(): EffectivePolicy {
    const s = this.state;
    if (s === null) throw new LatchkeyError('policy_invalid', 'The policy has not been loaded yet.');
    if (s.status === 'invalid') throw LatchkeyError.from(s.error);
    return s.policy;
  }

  onChange(listener: PolicyChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies new personal settings to the open fields (no file is re-read or re-verified). */
  setPersonalSettings(personal: PersonalSettings): void {
    this.personal = personal;
    const prev = this.state;
    if (prev?.status !== 'ok') return;
    this.commit({ status: 'ok', policy: withPersonalSettings(prev.policy, personal) }, 'settings');
  }

  /** Re-reads the sources now. */
  reload(): Promise<PolicyState> {
    return this.reloadWith('reload');
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers.splice(0)) w.close();
    for (const [file, listener] of this.polled.splice(0)) unwatchFile(file, listener);
    this.listeners.clear();
  }

  private reloadWith(trigger: PolicyChangeEvent['trigger']): Promise<PolicyState> {
    // Serialised: two overlapping reads must not commit out of order.
    const run = this.queue.then(async () => {
      const next = await loadPolicyState({ ...this.opts, personal: this.personal });
      if (!this.closed) this.commit(next, trigger);
      return next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private commit(next: PolicyState, trigger: PolicyChangeEvent['trigger']): void {
    const previous = this.state;
    this.state = next;
    if (trigger !== 'initial' && previous !== null && sameState(previous, next)) return;
    const event: PolicyChangeEvent = { previous, next, trigger, changedFields: changedFields(previous, next) };
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One failing subscriber must not stop the others (e.g. the one that locks the vault).
      }
    }
  }

  private startWatching(): void {
    const files = new Set<string>();
    if (this.opts.managedDir !== null) {
      files.add(path.join(this.opts.managedDir, MANAGED_POLICY_FILE));
      files.add(path.join(this.opts.managedDir, MANAGED_KEY_FILE));
    }
    if (this.opts.osPolicyPath !== null) files.add(this.opts.osPolicyPath);
    const dirs = new Map<string, Set<string>>();
    for (const file of files) {
      const dir = path.dirname(file);
      const names = dirs.get(dir) ?? new Set<string>();
      names.add(path.basename(file));
      dirs.set(dir, names);
    }
    for (const [dir, names] of dirs) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          // Some platforms omit the name; then any event in the directory counts.
          if (name === null || names.has(name)) this.schedule();
        });
        w.on('error', () => undefined); // the poller still covers this directory
        this.watchers.push(w);
      } catch {
        // Directory absent (e.g. no /etc/latchkey yet): the poller notices when it appears.
      }
    }
    const interval = this.opts.pollIntervalMs ?? 5000;
    for (const file of files) {
      const listener: StatsListener = (curr, prev) => {
        if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino || curr.size !== prev.size) this.schedule();
      };
      watchFile(file, { persistent: false, interval }, listener);
      this.polled.push([file, listener]);
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reloadWith('file');
    }, this.opts.debounceMs ?? 250);
  }
}

function sameState(a: PolicyState, b: PolicyState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function changedFields(prev: PolicyState | null, next: PolicyState): PolicyField[] {
  const before = prev?.status === 'ok' ? prev.policy : null;
  const after = next.status === 'ok' ? next.policy : null;
  return POLICY_FIELDS.filter((f) => {
    const a = before ? JSON.stringify([managedValue(before, f), before.locks[f]]) : null;
    const b = after ? JSON.stringify([managedValue(after, f), after.locks[f]]) : null;
    return a !== b;
  });
}
