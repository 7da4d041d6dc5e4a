/**
 * The few runtime facilities RPC needs (timers, AbortSignal) reached through
 * `globalThis`, so this folder compiles under src/core's tsconfig (no DOM, no Node
 * types) while every real runtime (Node, browser, worker, Electron) supplies them.
 */

/** The minimal AbortSignal surface RPC relies on. */
export interface MinimalAbortSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The platform's AbortSignal when its types are visible (root tsconfig), so handlers
 * can hand `ctx.signal` straight to fetch(); the minimal surface under src/core.
 */
export type AbortSignalLike = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : MinimalAbortSignal;

interface AbortControllerLike {
  readonly signal: AbortSignalLike;
  abort(reason?: unknown): void;
}

interface RuntimeGlobals {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  AbortController: new () => AbortControllerLike;
}

const g = globalThis as unknown as RuntimeGlobals;

export function startTimer(fn: () => void, ms: number): unknown {
  return g.setTimeout(fn, ms);
}

export function stopTimer(handle: unknown): void {
  if (handle !== undefined) g.clearTimeout(handle);
}

export function newAbortController(): AbortControllerLike {
  return new g.AbortController();
}
