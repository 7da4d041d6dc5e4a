/**
 * Internal plumbing shared by the engine's parts: the injected platform (store,
 * randomness, clock, audit) and the current unlocked session. Not exported from
 * src/core/index.ts.
 */
import type { AuditEvent, AuditSink } from '../../shared/contracts/engine';
import { LatchkeyError } from '../../shared/errors';
import type { RandomSource } from '../crypto/random';
import type { VaultStore, WriteBatch } from '../store/store';
import type { VaultKeys } from './keys';
import type { EngineEvent } from '../engine-types';
import type { UnlockedSession } from './session';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface EngineCore {
  readonly store: VaultStore;
  readonly random: RandomSource;
  readonly clock: Clock;
  /** The session, or 'vault_locked'. Call again after every await: the vault may have locked meanwhile. */
  session(): UnlockedSession;
  /**
   * Every write of an unlocked vault goes through here: the batch is committed together
   * with the vault head it leads to (head.ts), MACed under the session's keys (or
   * `keys`, for a rotation's new VK), and the session's head follows on success.
   */
  commit(batch: WriteBatch, keys?: VaultKeys): Promise<void>;
  /** Runs writes one at a time so versions and page generations never race. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Appends to the audit chain; errors propagate (an unauditable reveal must fail). */
  audit(event: AuditEvent): Promise<void>;
  /** Appends many events at once (an import): one segment when the sink can batch. */
  auditMany(events: readonly AuditEvent[]): Promise<void>;
  emit(event: EngineEvent): void;
}

export function makeBatchAuditor(sink: AuditSink | undefined): (events: readonly AuditEvent[]) => Promise<void> {
  return async (events) => {
    if (!sink || events.length === 0) return;
    if (sink.appendMany) await sink.appendMany(events);
    else for (const e of events) await sink.append(e);
  };
}

export function makeAuditor(sink: AuditSink | undefined): (e: AuditEvent) => Promise<void> {
  return async (e) => {
    if (sink) await sink.append(e);
  };
}

export function lockedError(): LatchkeyError {
  return new LatchkeyError('vault_locked', 'The vault is locked. Unlock it first.');
}
