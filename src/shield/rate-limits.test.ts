import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { AppError } from '../kernel/errors.js';
import { RateLimits } from './rate-limits.js';

const limits = { messagesPerSecond: 5, messagesPerMinute: 60, registrationsPerBlockHour: 3, loginsPerAccountHour: 30, loginsPerBlockHour: 120 };

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError);
    return err;
  }
  assert.fail('expected rate_limited');
}

describe('shield rate limits (virtual time)', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  before(() => {
    clock = FakeTimers.install({ now: Date.UTC(2026, 0, 1), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  after(() => clock.uninstall());

  it('messages per second: the sixth is refused with retryAfterMs, then allowed after it', async () => {
    const rl = new RateLimits(limits);
    for (let i = 0; i < 5; i++) await rl.consume('message_second', '1');
    clock.tick(400);
    const err = await rejection(rl.consume('message_second', '1'));
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.data?.limit, 'message_second');
    assert.equal(err.data?.retryAfterMs, 600);
    await rl.consume('message_second', '2');
    clock.tick(600);
    await rl.consume('message_second', '1');
  });

  it('registrations per block per hour', async () => {
    const rl = new RateLimits(limits);
    for (let i = 0; i < 3; i++) await rl.consume('register_block', 'blk');
    const err = await rejection(rl.consume('register_block', 'blk'));
    assert.equal(err.data?.retryAfterMs, 3_600_000);
  });
});
