/**
 * One app-wide clipboard slot for copied secrets: the latest copy replaces the
 * pending clear of the previous one (its value is no longer on the clipboard), a
 * countdown shows when it will be cleared, and locking the vault clears it early.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { clearIfUnchanged, copyWithAutoClear, type ClipboardLike, type PendingClear } from '../clipboard';
import { clipboardClearMs } from '../policy-state';
import { usePolicy } from './PolicyProvider';

interface ClipboardApi {
  /** Copies `value`; `label` names the field in the countdown (never the value). */
  copySecret(label: string, value: string): Promise<void>;
  /** Clears now if the clipboard still holds our value (used at lock). */
  clearNow(): Promise<void>;
}

const ClipboardContext = createContext<ClipboardApi | null>(null);

export function useClipboard(): ClipboardApi {
  const c = useContext(ClipboardContext);
  if (c === null) throw new Error('useClipboard() outside <ClipboardProvider>');
  return c;
}

interface Copied {
  label: string;
  clearsAt: number | null;
}

export function ClipboardProvider({ children, clipboard }: { children: ReactNode; clipboard?: ClipboardLike }) {
  const pending = useRef<{ clear: PendingClear; value: string } | null>(null);
  const [copied, setCopied] = useState<Copied | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const clip = clipboard ?? navigator.clipboard;
  // The policy's maximum (or the person's choice under it); read at each copy.
  const clearMs = clipboardClearMs(usePolicy());

  const copySecret = useCallback(
    async (label: string, value: string) => {
      pending.current?.clear.cancel();
      const clear = await copyWithAutoClear(value, clip, clearMs);
      const entry = { clear, value };
      pending.current = entry;
      setCopied({ label, clearsAt: clear.clearsAt });
      setNow(Date.now());
      void clear.done.then(() => {
        if (pending.current !== entry) return;
        pending.current = null;
        setCopied(null);
      });
    },
    [clip, clearMs],
  );

  const clearNow = useCallback(async () => {
    const p = pending.current;
    if (p === null) return;
    pending.current = null;
    p.clear.cancel();
    setCopied(null);
    await clearIfUnchanged(clip, p.value);
  }, [clip]);

  useEffect(() => {
    if (copied === null || copied.clearsAt === null) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [copied]);

  const api = useMemo(() => ({ copySecret, clearNow }), [copySecret, clearNow]);
  const seconds = copied?.clearsAt == null ? 0 : Math.max(0, Math.ceil((copied.clearsAt - now) / 1000));
  return (
    <ClipboardContext.Provider value={api}>
      {children}
      {copied !== null && (
        <div className="toast" role="status" data-testid="clipboard-countdown">
          {copied.clearsAt === null ? `${copied.label} copied — clears when the vault locks` : `${copied.label} copied — clipboard clears in ${seconds} s`}
        </div>
      )}
    </ClipboardContext.Provider>
  );
}
