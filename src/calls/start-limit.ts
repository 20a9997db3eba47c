import { AppError } from '../kernel/errors.js';

/**
 * Call attempts per account in a sliding minute. A call rings every device of the callee and writes a
 * log row for both parties, so start-and-cancel in a loop ("ring bombing") is harassment and a cheap way
 * to fill someone's call log; real users never dial a dozen calls a minute. In memory per node, like
 * the live calls themselves (docs/calls.md).
 */
export class StartLimit {
  private readonly starts = new Map<number, number[]>();

  constructor(private readonly perMinute: number) {}

  /** Counts an attempt at `now`; throws `rate_limited` with `retryAfterMs` when over the limit. */
  take(accountId: number, now: number): void {
    const since = now - 60_000;
    const recent = (this.starts.get(accountId) ?? []).filter((t) => t > since);
    if (recent.length >= this.perMinute) {
      this.starts.set(accountId, recent);
      throw new AppError('rate_limited', { retryAfterMs: Math.max(1, recent[0]! + 60_000 - now), limit: 'calls_per_minute' });
    }
    recent.push(now);
    this.starts.set(accountId, recent);
    // Bounded: accounts with nothing in the window are forgotten now and then.
    if (this.starts.size > 10_000) for (const [id, ts] of this.starts) if (!ts.some((t) => t > since)) this.starts.delete(id);
  }
}
