import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../kernel/clock.js';
import { AddressBans, MemoryAddressBanStore, DEFAULT_ADDRESS_BAN_POLICY as P } from './address-bans.js';

function engine(allowlist: string[] = []) {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryAddressBanStore();
  const banned: string[] = [];
  const bans = new AddressBans({ ...P, allowlist }, store, clock, { banned: (b) => banned.push(`${b.address}:${b.offences}`) });
  return { clock, store, bans, banned };
}

test('5 failures in 10 minutes ban for 5 minutes; a repeat offence after release bans for a day', async () => {
  const { clock, bans, banned } = engine();
  for (let i = 0; i < 4; i++) assert.equal(await bans.fail('192.0.2.7'), undefined);
  assert.equal(bans.isBanned('192.0.2.7'), false);
  const first = await bans.fail('192.0.2.7');
  assert.equal(first?.until, clock.now() + P.firstBanMs);
  assert.ok(bans.isBanned('192.0.2.7'));
  assert.ok(bans.isBanned('::ffff:192.0.2.7'), 'IPv4-mapped form is the same address');
  assert.equal(bans.isBanned('192.0.2.8'), false);
  clock.advance(P.firstBanMs);
  assert.equal(bans.isBanned('192.0.2.7'), false, 'released after 5 minutes');
  for (let i = 0; i < 5; i++) await bans.fail('192.0.2.7');
  assert.ok(bans.isBanned('192.0.2.7'));
  assert.equal(bans.list()[0]!.until, clock.now() + P.repeatBanMs);
  assert.deepEqual(banned, ['192.0.2.7:1', '192.0.2.7:2']);
});

test('failures spread wider than the window do not ban', async () => {
  const { clock, bans } = engine();
  for (let i = 0; i < 20; i++) {
    await bans.fail('198.51.100.1');
    clock.advance(P.windowMs / 4);
  }
  assert.equal(bans.isBanned('198.51.100.1'), false);
});

test('scanners are banned at once for the long duration; the allowlist is never banned', async () => {
  const { clock, bans } = engine(['203.0.113.0/24', '2001:db8::/32']);
  const ban = await bans.banNow('198.51.100.9', 'scanner');
  assert.equal(ban?.until, clock.now() + P.repeatBanMs);
  assert.equal(await bans.banNow('203.0.113.77', 'scanner'), undefined);
  for (let i = 0; i < 10; i++) await bans.fail('2001:db8:1::5');
  assert.equal(bans.isBanned('2001:db8:1::5'), false);
  for (let i = 0; i < 5; i++) await bans.fail('2001:db9::5');
  assert.ok(bans.isBanned('2001:db9::5'));
});

test('bans survive a restart through the store, and lift removes them', async () => {
  const { clock, store, bans } = engine();
  await bans.banNow('192.0.2.50', 'scanner');
  const again = new AddressBans(P, store, clock);
  await again.load();
  assert.ok(again.isBanned('192.0.2.50'));
  assert.equal(await again.lift('192.0.2.50'), true);
  assert.equal(again.isBanned('192.0.2.50'), false);
  const third = new AddressBans(P, store, clock);
  await third.load();
  assert.equal(third.isBanned('192.0.2.50'), false);
});

test('a bad allowlist entry is a start-up error', () => {
  assert.throws(() => engine(['not-an-ip']), /allowlist/);
  assert.throws(() => engine(['192.0.2.0/33']), /prefix/);
});
