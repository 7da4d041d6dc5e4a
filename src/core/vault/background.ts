/**
 * Cooperative slicing for work the engine does in the background (the scrub matcher's
 * build after unlock): run a slice, give the host's event loop a turn, go on. The
 * engine runs in one worker thread; a loop that decrypts every item in one go (seconds
 * at 100k items) would hold every RPC call — a search, a list, a lock — until it ends.
 *
 * The turn is taken with `scheduler.postTask(…, { priority: 'background' })` where the
 * host has it (Chromium's window and workers): incoming messages run before it. Else
 * `setTimeout(…, 0)` (Node: about 1 ms, after pending I/O and port messages). Timers are
 * host APIs the engine's lib does not declare, so they are read from globalThis.
 */

interface HostScheduling {
  scheduler?: { postTask?: (cb: () => void, options: { priority: 'background' }) => Promise<void> };
  setTimeout(run: () => void, ms: number): unknown;
  performance?: { now(): number };
}

const host = globalThis as unknown as HostScheduling;

/** Longest a slice runs before yielding, in ms: one slice is all a search can wait behind (2, not 4: search p95 at 100k items under load). */
export const SLICE_MS = 2;

/** Resolves after the host has run what was queued before it (messages, timers). */
export function yieldToHost(): Promise<void> {
  const scheduler = host.scheduler;
  if (typeof scheduler?.postTask === 'function') return scheduler.postTask(() => undefined, { priority: 'background' });
  return new Promise((resolve) => {
    host.setTimeout(resolve, 0);
  });
}

/**
 * A slice clock: `due()` is true once SLICE_MS has passed since the last `reset()`.
 * Without a monotonic clock on the host, every `every`-th call is due instead.
 */
export function sliceClock(every = 32): { due(): boolean; reset(): void } {
  const perf = host.performance;
  if (perf && typeof perf.now === 'function') {
    let start = perf.now();
    return { due: () => perf.now() - start >= SLICE_MS, reset: () => void (start = perf.now()) };
  }
  let n = 0;
  return { due: () => ++n >= every, reset: () => void (n = 0) };
}
