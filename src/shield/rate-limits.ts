import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../kernel/errors.js';
import type { RateKind, RateLimitsLike, ShieldConfig } from './shield.js';

/**
 * The hard rate limits: the safety net under the score. rate-limiter-flexible, in memory or in
 * Redis (pass an ioredis client) so that every node of a cluster shares them. A send consumes both
 * message_second and message_minute; registration consumes register_block; log-in consumes
 * login_account and login_block. Over the limit: AppError('rate_limited', { retryAfterMs, limit }).
 */
export class RateLimits implements RateLimitsLike {
  private readonly limiters: Record<RateKind, RateLimiterAbstract>;

  constructor(limits: ShieldConfig['limits'], opts: { redis?: unknown; keyPrefix?: string } = {}) {
    const make = (kind: RateKind, points: number, duration: number): RateLimiterAbstract => {
      const keyPrefix = `${opts.keyPrefix ?? 'parley:rl'}:${kind}`;
      return opts.redis ? new RateLimiterRedis({ storeClient: opts.redis, points, duration, keyPrefix }) : new RateLimiterMemory({ points, duration, keyPrefix });
    };
    this.limiters = {
      message_second: make('message_second', limits.messagesPerSecond, 1),
      message_minute: make('message_minute', limits.messagesPerMinute, 60),
      register_block: make('register_block', limits.registrationsPerBlockHour, 3600),
      login_account: make('login_account', limits.loginsPerAccountHour, 3600),
      login_block: make('login_block', limits.loginsPerBlockHour, 3600),
    };
  }

  /** Consumes one point of `kind` for `key`; throws rate_limited with retryAfterMs when over. */
  async consume(kind: RateKind, key: string): Promise<void> {
    try {
      await this.limiters[kind].consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        throw new AppError('rate_limited', { retryAfterMs: Math.max(1, Math.ceil(err.msBeforeNext)), limit: kind });
      }
      throw err;
    }
  }

  /** Gives a point back (a send refused for another reason should not cost the sender). */
  async refund(kind: RateKind, key: string): Promise<void> {
    await this.limiters[kind].reward(key, 1);
  }
}
