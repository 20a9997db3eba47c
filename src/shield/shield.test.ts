import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testShield, homeNet } from './test-support.js';
import type { AccountFacts } from './shield.js';

const DAY = 86_400_000;
const official = { client: 'official' as const, lang: 'it-IT' };

function account(id: number, createdAt: number, phone: string | null = '+393331234567'): AccountFacts {
  return { accountId: id, createdAt, phone };
}

/** A new account sends to `n` strangers, one message every 150 ms; returns the first banned message index. */
async function bulk(t: ReturnType<typeof testShield>, id: number, n: number): Promise<number | null> {
  const acct = account(id, t.clock.now());
  for (let i = 1; i <= n; i++) {
    t.clock.advance(150);
    const v = await t.shield.send({ account: acct, network: homeNet(), client: official, recipientIds: [1000 + i], strangerIds: [1000 + i] });
    if (v.action === 'ban' || v.shadowBan) return i;
  }
  return null;
}

describe('shield engine', () => {
  it('an old account chatting with contacts is allowed and explains nothing alarming', async () => {
    const t = testShield();
    const acct = account(1, t.clock.now() - 400 * DAY);
    for (let i = 0; i < 20; i++) {
      t.clock.advance(20_000);
      const v = await t.shield.send({ account: acct, network: homeNet(), client: official, recipientIds: [2], strangerIds: [] });
      assert.equal(v.action, 'allow');
      assert.ok(v.score < v.threshold);
    }
  });

  it('a naive bulk sender is banned within 20 messages, for bulk_messaging, and the ban is stored', async () => {
    const t = testShield();
    const at = await bulk(t, 7, 100);
    assert.ok(at !== null && at <= 20, `banned at ${at}`);
    const ban = await t.bans.get(7);
    assert.equal(ban?.reason, 'bulk_messaging');
    assert.ok(ban.top.length > 0 && ban.top.every((c) => c.points > 0));
    assert.deepEqual(t.events, ['send:ban:enforced:bulk_messaging']);
  });

  it('shadow mode changes nothing: same score, action allow, no ban stored, counted in metrics', async () => {
    const enforced = testShield();
    const shadow = testShield({ shadow: ['bulk_messaging'] });
    const a = await bulk(enforced, 7, 100);
    const b = await bulk(shadow, 7, 100);
    assert.equal(a, b, 'the would-be ban happens at the same message');
    assert.equal(await shadow.bans.get(7), null);
    assert.deepEqual(shadow.events, ['send:allow:shadow:bulk_messaging']);
    const all = testShield({ shadow: ['*'] });
    assert.equal(await bulk(all, 7, 100), a);
    assert.equal(await all.bans.get(7), null);
  });

  it('a report without a matching delivered message does not count', async () => {
    const t = testShield();
    const reported = account(5, t.clock.now() - 400 * DAY);
    await t.shield.delivered({ messageId: 77, senderId: 5, recipientIds: [6], strangerIds: [6] });
    const wrongMessage = await t.shield.report({ reporterId: 6, reportedId: 5, messageId: 78, reported });
    const wrongReporter = await t.shield.report({ reporterId: 9, reportedId: 5, messageId: 77, reported });
    const wrongSender = await t.shield.report({ reporterId: 6, reportedId: 4, messageId: 77 });
    const self = await t.shield.report({ reporterId: 5, reportedId: 5, messageId: 77 });
    for (const r of [wrongMessage, wrongReporter, wrongSender, self]) assert.deepEqual(r, { counted: false, verdict: null });
    const ok = await t.shield.report({ reporterId: 6, reportedId: 5, messageId: 77, reported, reporterCreatedAt: t.clock.now() - 400 * DAY });
    assert.equal(ok.counted, true);
    assert.equal(ok.verdict?.action, 'allow');
    assert.deepEqual(ok.verdict?.top, [{ signal: 'spam_reports', value: 1, points: 12 }]);
  });

  it('reports count once per distinct reporter', async () => {
    const t = testShield();
    const reported = account(5, t.clock.now() - 400 * DAY);
    await t.shield.delivered({ messageId: 1, senderId: 5, recipientIds: [6, 7], strangerIds: [6, 7] });
    await t.shield.delivered({ messageId: 2, senderId: 5, recipientIds: [6], strangerIds: [6] });
    const old = t.clock.now() - 400 * DAY;
    assert.equal((await t.shield.report({ reporterId: 6, reportedId: 5, messageId: 1, reported, reporterCreatedAt: old })).counted, true);
    assert.equal((await t.shield.report({ reporterId: 6, reportedId: 5, messageId: 2, reported, reporterCreatedAt: old })).counted, false);
    assert.equal((await t.shield.report({ reporterId: 6, reportedId: 5, messageId: 1, reported, reporterCreatedAt: old })).counted, false);
    const second = await t.shield.report({ reporterId: 7, reportedId: 5, messageId: 1, reported, reporterCreatedAt: old });
    assert.equal(second.counted, true);
    assert.equal(second.verdict?.top[0]?.value, 2);
    assert.deepEqual(t.events, ['report:true', 'report:false', 'report:false', 'report:true']);
  });

  it('enough unsolicited reports from established users ban for mass_reported; sybil reports in a group do not', async () => {
    const t = testShield();
    const old = t.clock.now() - 400 * DAY;
    const spammer = account(5, old);
    const organiser = account(50, old);
    const reporters = Array.from({ length: 10 }, (_, i) => 100 + i);
    await t.shield.delivered({ messageId: 1, senderId: 5, recipientIds: reporters, strangerIds: reporters });
    await t.shield.delivered({ messageId: 2, senderId: 50, recipientIds: reporters, strangerIds: [] });
    let spamVerdict;
    for (const r of reporters) {
      spamVerdict = (await t.shield.report({ reporterId: r, reportedId: 5, messageId: 1, reported: spammer, reporterCreatedAt: old })).verdict;
      const sybil = await t.shield.report({ reporterId: r, reportedId: 50, messageId: 2, reported: organiser, reporterCreatedAt: t.clock.now() - 20 * DAY });
      assert.equal(sybil.verdict?.action, 'allow');
    }
    assert.equal(spamVerdict?.action, 'ban');
    assert.equal(spamVerdict?.reason, 'mass_reported');
    assert.equal(await t.bans.get(50), null);
  });

  it('a registration wave from one block bans at registration', async () => {
    const t = testShield();
    const wave = homeNet({ blockHash: 'wave', hosting: true, asn: 64500, country: 'NL' });
    const verdicts = [];
    for (let i = 0; i < 10; i++) {
      t.clock.advance(60_000);
      const now = t.clock.now();
      verdicts.push(await t.shield.register({ account: account(300 + i, now, '+445612345600'), network: wave, client: { client: 'unofficial', lang: 'en-US' } }));
    }
    assert.equal(verdicts[0]?.action, 'allow');
    assert.equal(verdicts[9]?.action, 'ban');
    assert.equal(verdicts[9]?.reason, 'registration_wave');
  });

  it('typing and read events clear no_client_behaviour', async () => {
    const run = async (typing: boolean) => {
      const t = testShield();
      const acct = account(1, t.clock.now() - 400 * DAY);
      if (typing) await t.shield.behaviour({ accountId: 1, kind: 'typing' });
      let v;
      for (let i = 0; i < 12; i++) {
        t.clock.advance(60_000);
        v = await t.shield.send({ account: acct, network: homeNet(), client: official, recipientIds: [2], strangerIds: [] });
      }
      return v?.top.map((c) => c.signal) ?? [];
    };
    assert.ok((await run(false)).includes('no_client_behaviour'));
    assert.ok(!(await run(true)).includes('no_client_behaviour'));
  });

  it('blocks count once per distinct blocker', async () => {
    const t = testShield();
    const old = t.clock.now() - 400 * DAY;
    for (const blocker of [2, 2, 3, 4, 5, 5]) await t.shield.blocked({ blockerId: blocker, blockedId: 1, blockerCreatedAt: old });
    const v = await t.shield.login({ account: account(1, old), network: homeNet(), client: official });
    assert.deepEqual(v.top, [{ signal: 'blocks_received', value: 2, points: 16 }]);
  });

  it('enforced bans feed the AS reputation; shadow bans do not', async () => {
    const asScore = async (shadow: string[]) => {
      const t = testShield({ shadow });
      const spamNet = homeNet({ asn: 64_999, blockHash: 'spam-block' });
      for (let i = 0; i < 10; i++) {
        const acct = account(500 + i, t.clock.now());
        await t.shield.login({ account: acct, network: spamNet, client: official });
        for (let k = 1; k <= 25; k++) {
          t.clock.advance(150);
          await t.shield.send({ account: acct, network: spamNet, client: official, recipientIds: [k], strangerIds: [k] });
        }
      }
      const newcomer = await t.shield.login({ account: account(999, t.clock.now()), network: spamNet, client: official });
      return newcomer.top.find((c) => c.signal === 'as_reputation')?.points ?? 0;
    };
    assert.ok((await asScore([])) > 10);
    assert.equal(await asScore(['*']), 0);
  });

  it('rate limits go through the shield and are counted', async () => {
    const { RateLimits } = await import('./rate-limits.js');
    const t = testShield();
    const shield = new (t.shield.constructor as typeof import('./shield.js').Shield)({ ...t.shield.deps, limits: new RateLimits({ ...t.config.limits, registrationsPerBlockHour: 1 }) });
    await shield.checkRate('register_block', 'b');
    await assert.rejects(shield.checkRate('register_block', 'b'), (err: { code?: string; data?: { retryAfterMs?: number } }) => err.code === 'rate_limited' && (err.data?.retryAfterMs ?? 0) > 0);
    assert.deepEqual(t.events, ['rate:register_block']);
  });

  it('a pending appeal survives further reports; forgive() after an accepted appeal sets the old record aside', async () => {
    const t = testShield();
    const old = t.clock.now() - 400 * DAY;
    const acct = account(5, old);
    const reporters = Array.from({ length: 12 }, (_, i) => 100 + i);
    await t.shield.delivered({ messageId: 1, senderId: 5, recipientIds: reporters, strangerIds: reporters });
    for (const r of reporters.slice(0, 9)) await t.shield.report({ reporterId: r, reportedId: 5, messageId: 1, reported: acct, reporterCreatedAt: old });
    assert.equal((await t.bans.get(5))?.reason, 'mass_reported');
    t.bans.appeal(5, 'pending', t.clock.now());
    const again = await t.shield.report({ reporterId: 109, reportedId: 5, messageId: 1, reported: acct, reporterCreatedAt: old });
    assert.equal(again.verdict?.action, 'ban');
    assert.equal((await t.bans.get(5))?.appeal?.state, 'pending', 'the appeal was not reset by a second ban');
    assert.equal(t.events.filter((e) => e.startsWith('report:ban')).length, 1, 'one ban counted');
    await t.bans.lift(5, t.clock.now());
    await t.shield.forgive(5);
    const after = await t.shield.login({ account: acct, network: homeNet(), client: official });
    assert.equal(after.action, 'allow');
    assert.deepEqual(after.top, []);
    const fresh = await t.shield.report({ reporterId: 110, reportedId: 5, messageId: 1, reported: acct, reporterCreatedAt: old });
    assert.equal(fresh.counted, true, 'new reports count again');
    assert.equal(fresh.verdict?.top[0]?.value, 1);
  });

  it('disabled: scores nothing', async () => {
    const t = testShield({ enabled: false });
    assert.equal(await bulk(t, 7, 100), null);
  });
});
