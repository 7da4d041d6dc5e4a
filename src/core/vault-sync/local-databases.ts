/**
 * The IndexedDB databases a device keeps for one vault (named in ./device.dexie.ts),
 * and deleting them when the person un-enrols the device:
 * - 'sync': the enrolment's state only (`<dbName>-sync` outbox and cursor, `<dbName>-inbox`
 *   pulled records), so the vault stays and a later enrolment starts clean;
 * - 'all': the vault too, and every audit chain kept beside it.
 * Nothing else is touched: another vault's databases share no name with these.
 *
 * Typed structurally (the IndexedDB factory's two methods), so it runs on the browser's
 * IndexedDB and on fake-indexeddb alike. Call it with every connection closed (the
 * engine worker terminated): an open one blocks the deletion, which is then reported.
 */
import { LatchkeyError } from '../../shared/errors';

export type ForgetScope = 'sync' | 'all';

interface DeleteRequest {
  onsuccess: ((this: never, ev: never) => unknown) | null;
  onerror: ((this: never, ev: never) => unknown) | null;
  onblocked: ((this: never, ev: never) => unknown) | null;
}

export interface IdbFactoryLike {
  databases?(): Promise<readonly { name?: string | undefined }[]>;
  deleteDatabase(name: string): DeleteRequest;
}

/** Which of `existing` belong to this vault and `scope`; the fixed names are always included (deleting an absent one is harmless). */
export function databasesToForget(dbName: string, scope: ForgetScope, existing: readonly string[]): string[] {
  const fixed = scope === 'sync' ? [`${dbName}-sync`, `${dbName}-inbox`] : [dbName, `${dbName}-audit`, `${dbName}-sync`, `${dbName}-inbox`];
  const chains = scope === 'all' ? existing.filter((n) => n.startsWith(`${dbName}-audit-`) && /^[A-Za-z0-9_-]{1,64}$/.test(n.slice(dbName.length + 7))) : [];
  return [...new Set([...fixed, ...chains])];
}

/** How long a deletion blocked by an open connection may wait for it to close (ms): a just-terminated worker's connections close shortly after. */
const BLOCKED_WAIT_MS = 10_000;

function deleteOne(idb: IdbFactoryLike, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const req = idb.deleteDatabase(name);
    req.onsuccess = () => {
      clearTimeout(timer);
      resolve();
    };
    req.onerror = () => {
      clearTimeout(timer);
      reject(new LatchkeyError('internal', 'A database of this vault could not be deleted from this device.'));
    };
    // Blocked is not failed: the deletion proceeds once the last connection closes.
    req.onblocked = () => {
      timer ??= setTimeout(
        () => reject(new LatchkeyError('conflict', 'A database of this vault is still open in another Latchkey window; close it and try again.')),
        BLOCKED_WAIT_MS,
      );
    };
  });
}

/** Deletes this vault's databases for `scope`; returns the names deleted. */
export async function forgetLocalDatabases(idb: IdbFactoryLike, dbName: string, scope: ForgetScope): Promise<string[]> {
  const existing = idb.databases === undefined ? [] : (await idb.databases()).flatMap((d) => (d.name === undefined ? [] : [d.name]));
  const names = databasesToForget(dbName, scope, existing);
  for (const n of names) await deleteOne(idb, n);
  return names;
}
