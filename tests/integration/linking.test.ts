import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, Collector, type TestServer } from '../helpers/server.js';
import { OffsetClock, rejectsWith, startClockedTestServer, StreamTracker } from '../helpers/auth.js';
import { decodeLinkPayload } from '../../src/protocol/link.js';
import type { Session } from '../../src/client/index.js';

type Claimed = { status: 'approved' } & Session;

function approved(r: Awaited<ReturnType<ReturnType<TestServer['client']>['claimLink']>>): Claimed {
  assert.equal(r.status, 'approved', `claim answered ${JSON.stringify(r)}`);
  return r as Claimed;
}

for (const backend of BACKENDS) {
  describe(`QR device linking [${backend}]`, () => {
    let t: TestServer;
    const clock = new OffsetClock();
    before(async () => { t = await startClockedTestServer(backend, clock); });
    const streams = new StreamTracker();
    after(async () => {
      streams.closeAll();
      await t.close();
    });

    it('happy path: request → QR → approve on a logged-in device → long-poll claim yields a working session', async () => {
      const alice = await t.user('alice');
      const bob = await t.user('bob');
      const tablet = t.client();
      const req = await tablet.requestLink({ deviceName: 'alice-tablet', platform: 'web' });
      assert.ok(req.expiresAt > clock.now() && req.expiresAt <= clock.now() + 60_000, 'valid at most 60 s');

      // The QR payload carries the server and the token, never the claim secret.
      const payload = decodeLinkPayload(req.qr);
      assert.ok(payload, `QR payload parses: ${req.qr}`);
      assert.equal(payload.token, req.token);
      assert.equal(payload.server, t.url);
      assert.ok(!req.qr.includes(req.claimSecret));
      assert.notEqual(req.claimSecret, req.token);

      // Before approval the claim is pending.
      const pending = await tablet.claimLink(req.token, req.claimSecret, 0);
      assert.equal(pending.status, 'pending');
      assert.equal(tablet.token, undefined);

      // The new device long-polls; the scanning device approves what it sees in the QR code.
      const claim = tablet.claimLink(req.token, req.claimSecret, 20_000);
      await new Promise((r) => setTimeout(r, 50));
      const shown = await alice.client.approveLink(payload.token);
      assert.deepEqual(shown, { deviceName: 'alice-tablet', platform: 'web' });
      const s = approved(await claim);
      assert.equal(s.account.id, alice.session.account.id);
      assert.equal(s.account.username, 'alice');
      assert.ok(s.token && s.deviceId > 0);
      assert.notEqual(s.token, alice.session.token);
      assert.notEqual(s.deviceId, alice.session.deviceId);
      assert.equal(tablet.token, s.token);
      assert.equal((await tablet.me()).id, alice.session.account.id);

      // It appears in the device list of both devices, with its own current flag.
      const fromPhone = await alice.client.devices();
      assert.deepEqual(fromPhone.map((d) => [d.id, d.name, d.platform, d.current]), [
        [alice.session.deviceId, 'alice-1', 'unknown', true],
        [s.deviceId, 'alice-tablet', 'web', false],
      ]);
      assert.deepEqual((await tablet.devices()).map((d) => d.current), [false, true]);

      // The linked device connects and receives the account's updates.
      const col = new Collector();
      const stream = streams.add(tablet.connect({ onUpdate: col.onUpdate }));
      await stream.synced();
      const chat = await bob.client.openDirect(alice.session.account.id);
      await bob.client.send(chat.id, 'hello tablet');
      await col.waitFor((u) => u.some((x) => x.type === 'message.new'), 20000, 'message on the linked device');
      assert.deepEqual(col.messages(), ['hello tablet']);
      stream.close();

      // Nothing about the link lets anyone else in: the approver's account is unchanged.
      assert.equal((await alice.client.me()).username, 'alice');
    });

    it('a claim with waitMs 0 answers pending and a later claim collects the session', async () => {
      const carol = await t.user('carol');
      const dev = t.client();
      const req = await dev.requestLink({});
      await carol.client.approveLink(req.token);
      const s = approved(await dev.claimLink(req.token, req.claimSecret, 0));
      assert.equal(s.account.username, 'carol');
      assert.equal((await t.client(s.token).devices()).length, 2);
    });

    it('an expired token answers link_token_expired 410 on approve and on claim', async () => {
      const dave = await t.user('dave');
      const dev = t.client();
      const req = await dev.requestLink({ deviceName: 'late' });
      clock.advance(60_001);
      await rejectsWith(dave.client.approveLink(req.token), 'link_token_expired', 410);
      await rejectsWith(dev.claimLink(req.token, req.claimSecret, 0), 'link_token_expired', 410);
      await rejectsWith(dev.claimLink(req.token, req.claimSecret, 5000), 'link_token_expired', 410);
      assert.equal(dev.token, undefined);
      assert.deepEqual((await dave.client.devices()).map((d) => d.name), ['dave-1'], 'no device was created');
    });

    it('an approved token stays claimable for one more lifetime, then answers link_token_expired', async () => {
      const olga = await t.user('olga');
      const late = t.client();
      const req = await late.requestLink({});
      await olga.client.approveLink(req.token);
      clock.advance(2 * 60_000 + 1);
      await rejectsWith(late.claimLink(req.token, req.claimSecret, 0), 'link_token_expired', 410);
      assert.equal((await olga.client.devices()).length, 1, 'no device was created');

      const slow = t.client();
      const req2 = await slow.requestLink({});
      await olga.client.approveLink(req2.token);
      clock.advance(60_000 + 30_000);
      assert.equal(approved(await slow.claimLink(req2.token, req2.claimSecret, 0)).account.username, 'olga');
    });

    it('a long-poll on a token that expires while waiting ends, and the token stays dead', async () => {
      const erin = await t.user('erin');
      const dev = t.client();
      const req = await dev.requestLink({});
      // Near the end of its life, the claim waits at most until expiry and answers pending or expired.
      clock.advance(59_900);
      const r = await dev.claimLink(req.token, req.claimSecret, 25_000).catch((e: { code?: string }) => e);
      assert.ok((r as { status?: string }).status === 'pending' || (r as { code?: string }).code === 'link_token_expired', JSON.stringify(r));
      clock.advance(200);
      await rejectsWith(erin.client.approveLink(req.token), 'link_token_expired', 410);
    });

    it('a reused token answers link_token_used: approve twice, claim twice', async () => {
      const frank = await t.user('frank');
      const grace = await t.user('grace');
      const dev = t.client();
      const req = await dev.requestLink({});
      await frank.client.approveLink(req.token);
      await rejectsWith(frank.client.approveLink(req.token), 'link_token_used', 409);
      await rejectsWith(grace.client.approveLink(req.token), 'link_token_used', 409, 'a second account cannot re-approve');
      const s = approved(await dev.claimLink(req.token, req.claimSecret, 0));
      assert.equal(s.account.username, 'frank');
      await rejectsWith(t.client().claimLink(req.token, req.claimSecret, 0), 'link_token_used', 409);
      await rejectsWith(t.client().claimLink(req.token, req.claimSecret, 5000), 'link_token_used', 409);
      await rejectsWith(frank.client.approveLink(req.token), 'link_token_used', 409);
      assert.equal((await frank.client.devices()).length, 2, 'exactly one device was linked');
    });

    it('approval by an account other than the one the request names: link_account_mismatch 403, token stays usable', async () => {
      const heidi = await t.user('heidi');
      const ivan = await t.user('ivan');
      const dev = t.client();
      const req = await dev.requestLink({ username: 'Heidi', deviceName: 'heidi-laptop' });
      await rejectsWith(ivan.client.approveLink(req.token), 'link_account_mismatch', 403);
      assert.equal((await dev.claimLink(req.token, req.claimSecret, 0)).status, 'pending', 'still waiting after the refused approval');
      assert.equal((await ivan.client.devices()).length, 1, 'ivan got no device');

      await heidi.client.approveLink(req.token);
      const s = approved(await dev.claimLink(req.token, req.claimSecret, 0));
      assert.equal(s.account.id, heidi.session.account.id);
      assert.deepEqual((await heidi.client.devices()).map((d) => d.name), ['heidi-1', 'heidi-laptop']);
    });

    it('a request naming no account is owned by whoever approves it', async () => {
      const judy = await t.user('judy');
      const dev = t.client();
      const req = await dev.requestLink({});
      await judy.client.approveLink(req.token);
      assert.equal(approved(await dev.claimLink(req.token, req.claimSecret, 0)).account.username, 'judy');
    });

    it('a wrong claim secret answers link_token_invalid and does not spend the token', async () => {
      const karl = await t.user('karl');
      const dev = t.client();
      const req = await dev.requestLink({});
      await karl.client.approveLink(req.token);
      const thief = t.client();
      await rejectsWith(thief.claimLink(req.token, 'wrong-secret', 0), 'link_token_invalid', 404);
      await rejectsWith(thief.claimLink(req.token, req.token, 0), 'link_token_invalid', 404, 'the token is not its own secret');
      const other = await t.client().requestLink({});
      await rejectsWith(thief.claimLink(req.token, other.claimSecret, 0), 'link_token_invalid', 404, "another request's secret");
      assert.equal(thief.token, undefined);
      assert.equal(approved(await dev.claimLink(req.token, req.claimSecret, 0)).account.username, 'karl');
    });

    it('unknown and foreign tokens answer link_token_invalid', async () => {
      const leo = await t.user('leo');
      await rejectsWith(leo.client.approveLink('A'.repeat(32)), 'link_token_invalid', 404);
      await rejectsWith(t.client().claimLink('A'.repeat(32), 'B'.repeat(43), 0), 'link_token_invalid', 404);
      // The claim secret is not a token.
      const req = await t.client().requestLink({});
      await rejectsWith(leo.client.approveLink(req.claimSecret), 'link_token_invalid', 404);

      // A token issued by another server.
      const other = await startTestServer(backend);
      try {
        const foreign = await other.client().requestLink({});
        assert.equal(decodeLinkPayload(foreign.qr)?.server, other.url);
        await rejectsWith(leo.client.approveLink(foreign.token), 'link_token_invalid', 404);
        await rejectsWith(t.client().claimLink(foreign.token, foreign.claimSecret, 0), 'link_token_invalid', 404);
      } finally {
        await other.close();
      }
      assert.equal((await leo.client.devices()).length, 1);
    });

    it('approving needs a logged-in, unrevoked device', async () => {
      const mia = await t.user('mia');
      const dev = t.client();
      const req = await dev.requestLink({});
      await rejectsWith(t.client().approveLink(req.token), 'unauthorized', 401);
      const second = t.client();
      const s2 = await second.login({ username: 'mia', password: mia.password });
      await mia.client.revokeDevice(s2.deviceId);
      await rejectsWith(second.approveLink(req.token), 'device_revoked', 401);
      assert.equal((await dev.claimLink(req.token, req.claimSecret, 0)).status, 'pending');
    });
  });

  describe(`QR device linking with the shortest TTL [${backend}]`, () => {
    let t: TestServer;
    const clock = new OffsetClock();
    before(async () => { t = await startClockedTestServer(backend, clock, { accounts: { linkTokenTtlMs: 5000 } }); });
    after(async () => { await t.close(); });

    it('honours accounts.linkTokenTtlMs', async () => {
      const nina = await t.user('nina');
      const dev = t.client();
      const req = await dev.requestLink({});
      assert.ok(req.expiresAt <= clock.now() + 5000);
      clock.advance(5001);
      await rejectsWith(nina.client.approveLink(req.token), 'link_token_expired', 410);
      await rejectsWith(dev.claimLink(req.token, req.claimSecret, 0), 'link_token_expired', 410);
      // A fresh request within its TTL still works.
      const fresh = await dev.requestLink({});
      await nina.client.approveLink(fresh.token);
      assert.equal(approved(await dev.claimLink(fresh.token, fresh.claimSecret, 0)).account.username, 'nina');
    });
  });
}
