/**
 * Copying a secret: write it, then clear the clipboard after a delay — the policy's
 * (clipboardClearSeconds, see ./policy-state), CLEAR_AFTER_MS by default — but
 * only if it still holds what we put there, so a person's own later copy is never
 * destroyed. When the clipboard cannot be read back (permission refused), we clear
 * anyway: leaving a secret on the clipboard indefinitely is the worse failure.
 */
/** The personal default (DEFAULT_PERSONAL_SETTINGS.clipboardClearSeconds), in ms. */
export const CLIPBOARD_CLEAR_AFTER_MS = 30_000;

export interface ClipboardLike {
  writeText(text: string): Promise<void>;
  readText(): Promise<string>;
}

export type ClearOutcome = 'cleared' | 'changed' | 'cleared_unverified';

/** Clears `clip` if it still holds `value`. */
export async function clearIfUnchanged(clip: ClipboardLike, value: string): Promise<ClearOutcome> {
  let current: string;
  try {
    current = await clip.readText();
  } catch {
    await clip.writeText('').catch(() => undefined);
    return 'cleared_unverified';
  }
  if (current !== value) return 'changed';
  await clip.writeText('');
  return 'cleared';
}

export interface PendingClear {
  /** Epoch ms when the clipboard will be cleared; null when it is never cleared automatically. */
  readonly clearsAt: number | null;
  /** Cancels the timer (e.g. a newer copy replaced this one). */
  cancel(): void;
  readonly done: Promise<ClearOutcome | 'cancelled'>;
}

/**
 * `ms` null = never clear automatically (the person chose 0 and no policy sets a
 * maximum); `done` then settles only on cancel. Lock still clears it (ClipboardProvider).
 */
export async function copyWithAutoClear(value: string, clip: ClipboardLike = navigator.clipboard, ms: number | null = CLIPBOARD_CLEAR_AFTER_MS): Promise<PendingClear> {
  await clip.writeText(value);
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settle: (v: ClearOutcome | 'cancelled') => void = () => undefined;
  const done = new Promise<ClearOutcome | 'cancelled'>((resolve) => {
    settle = resolve;
  });
  if (ms !== null) {
    timer = setTimeout(() => {
      timer = undefined;
      if (cancelled) return;
      void clearIfUnchanged(clip, value).then(settle, () => settle('cleared_unverified'));
    }, ms);
  }
  return {
    clearsAt: ms === null ? null : Date.now() + ms,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
      settle('cancelled');
    },
    done,
  };
}
