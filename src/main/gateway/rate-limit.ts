/**
 * Per-agent token bucket: `burst` calls at once, refilled at `perMinute`. Protects the
 * person from a runaway agent (approval spam, credential use in a loop) and upstream
 * APIs from being hammered in their name.
 */
import { LatchkeyError } from '../../shared/errors';

export interface RateLimitOptions {
  readonly perMinute: number;
  readonly burst: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly opts: RateLimitOptions,
    private readonly now: () => number,
  ) {}

  take(agentId: string): void {
    const t = this.now();
    const b = this.buckets.get(agentId) ?? { tokens: this.opts.burst, at: t };
    b.tokens = Math.min(this.opts.burst, b.tokens + ((t - b.at) / 60_000) * this.opts.perMinute);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(agentId, b);
      const waitS = Math.ceil(((1 - b.tokens) / this.opts.perMinute) * 60);
      throw new LatchkeyError('rate_limited', `Too many calls from this agent; try again in ${waitS} s.`, { retryAfterSeconds: waitS });
    }
    b.tokens -= 1;
    this.buckets.set(agentId, b);
  }
}
