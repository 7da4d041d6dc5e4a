/**
 * Tells the engine the person is active (keys, pointer) so auto-lock counts idle time
 * from their last input, not their last vault call. At most one touch per
 * TOUCH_EVERY_MS: idle timeouts are minutes, so this loses nothing.
 */
import { useEffect } from 'react';
import { useEngine } from '../engine/context';

const TOUCH_EVERY_MS = 15_000;

export function useActivityTouch(enabled: boolean): void {
  const engine = useEngine();
  useEffect(() => {
    if (!enabled) return;
    let last = 0;
    const onInput = (): void => {
      const now = Date.now();
      if (now - last < TOUCH_EVERY_MS) return;
      last = now;
      engine.call('session.touch', {}).catch(() => undefined);
    };
    const events = ['keydown', 'pointerdown', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, onInput, { passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, onInput);
    };
  }, [engine, enabled]);
}
