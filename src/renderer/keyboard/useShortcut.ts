/** Runs `handler` when the shortcut for `action` is pressed anywhere in the window. */
import { useEffect, useRef } from 'react';
import { shortcutFor, type ShortcutAction } from './shortcuts';

export function useShortcut(action: ShortcutAction, handler: () => void, enabled = true): void {
  // The latest handler without re-subscribing on every render.
  const current = useRef(handler);
  current.current = handler;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || shortcutFor(e) !== action) return;
      e.preventDefault();
      current.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [action, enabled]);
}
