import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, PASSWORD, Collector, type TestServer } from '../helpers/server.js';
import { OffsetClock, StateLog, rejectsWith, startClockedTestServer, StreamTracker } from '../helpers/auth.js';

const STRONG = ['Tr0ub4dor&3-horse-staple', 'correct horse battery staple', 'vN8#qLz2!wPe7@xR', 'glacier-Mango-47-quietly'];

for (const backend of BACKENDS) {
  describe(`accounts: registration [${backend}]`, () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(backend); });
    after(async () => { await t.close(); });

    const register = (username: string, password = PASSWORD, extra: Record<string, unknown> = {}) =>
      t.client().register({ username, password, ...extra });
    const accountCount = () => t.server.services.accounts.count();

    it('refuses invalid usernames with username_invalid', async () => {
      const before = await accountCount();
      for (const name of ['ab', 'a', '', '1abc', '_abc', 'has space', 'dash-name', 'dot.name', 'ünïcode', 'a'.repeat(33), 'x@y']) {
        await rejectsWith(register(name), 'username_invalid', 400, `username ${JSON.stringify(name)}`);
      }
      assert.equal(await accountCount(), before, 'no account created');
    });

    it('refuses reserved usernames with username_reserved', async () => {
      for (const name of ['admin', 'Root', 'SUPPORT', 'parley', 'system']) {
        await rejectsWith(register(name), 'username_reserved', 400, `username ${name}`);
      }
    });

    it('accepts valid usernames, stored lower-case; taken names (any case) answer username_taken 409', async () => {
      const s = await register('Carol_1');
      assert.equal(s.account.username, 'carol_1');
      assert.ok(s.token && s.deviceId > 0);
      const before = await accountCount();
      for (const name of ['carol_1', 'CAROL_1', ' Carol_1 ']) {
        await rejectsWith(register(name, 'a-Different-pass-99!'), 'username_taken', 409, `username ${JSON.stringify(name)}`);
      }
      assert.equal(await accountCount(), before, 'no second account');
      // The first owner still logs in with the first password.
      await t.client().login({ username: 'carol_1', password: PASSWORD });
      await rejectsWith(t.client().login({ username: 'carol_1', password: 'a-Different-pass-99!' }), 'invalid_credentials', 401);
    });

    it('refuses weak passwords with password_weak and accepts strong ones', async () => {
      const weak = ['1234', '0000', '00000000', 'password', 'password1', 'qwerty123', '12345678', 'Password1', 'short1!', 'aB3$xZ9', ''];
      for (const pw of weak) await rejectsWith(register('frank', pw), 'password_weak', 400, `password ${JSON.stringify(pw)}`);
      // The username inside an otherwise strong password, in any case.
      for (const pw of ['Xq7#frank#Lm9$Tz', 'FRANK-vN8#qLz2!wPe7', 'zz9!Frank']) {
        const err = await rejectsWith(register('frank', pw), 'password_weak', 400, `password ${pw}`);
        assert.equal(err.data?.reason, 'must not contain the username');
      }
      const short = await rejectsWith(register('frank', 'aB3$xZ9'), 'password_weak', 400);
      assert.equal(short.data?.reason, 'at least 8 characters');
      // The refusal never echoes the password.
      const echoed = await rejectsWith(register('frank', 'qwerty123'), 'password_weak', 400);
      assert.ok(!JSON.stringify({ m: echoed.message, d: echoed.data }).includes('qwerty123'));
      assert.equal(await t.server.services.database.db.selectFrom('accounts').select('id').where('username', '=', 'frank').executeTakeFirst(), undefined);

      for (const [i, pw] of STRONG.entries()) {
        const s = await register(`strong_${i}`, pw);
        assert.equal(s.account.username, `strong_${i}`);
      }
    });

    it('stores an argon2id hash, never the password', async () => {
      const pw = 'vN8#qLz2!wPe7@xR-hopper';
      const s = await register('grace', pw);
      assert.ok(!JSON.stringify(s).includes('$argon2'), 'the hash never leaves the server');
      const row = await t.server.services.database.db.selectFrom('accounts').selectAll().where('username', '=', 'grace').executeTakeFirstOrThrow();
      assert.ok(row.password_hash.startsWith('$argon2id$'), `argon2id hash, got ${row.password_hash.slice(0, 12)}`);
      assert.ok(!row.password_hash.includes(pw));
      assert.ok(!JSON.stringify(row).includes(pw), 'the password is stored nowhere in the row');
      // Two accounts with the same password get different (salted) hashes.
      await register('grace_two', pw);
      const row2 = await t.server.services.database.db.selectFrom('accounts').select('password_hash').where('username', '=', 'grace_two').executeTakeFirstOrThrow();
      assert.notEqual(row2.password_hash, row.password_hash);
    });

    it('normalises an optional phone number to E.164 and refuses invalid or taken ones', async () => {
      const s = await register('heidi', PASSWORD, { phone: '+44 20 7946 0958' });
      assert.equal(s.account.phone, '+442079460958');
      const row = await t.server.services.database.db.selectFrom('accounts').select('phone').where('username', '=', 'heidi').executeTakeFirstOrThrow();
      assert.equal(row.phone, '+442079460958');
      const noPhone = await register('ivan');
      assert.equal(noPhone.account.phone, null);

      for (const phone of ['12345', '+1 555', 'not a phone', '+44 20 7946 09581234', '020 7946 0958']) {
        await rejectsWith(register('judy', PASSWORD, { phone }), 'phone_invalid', 400, `phone ${phone}`);
      }
      // Same number, other formatting: taken.
      await rejectsWith(register('judy', PASSWORD, { phone: '+442079460958' }), 'phone_taken', 409);
      assert.equal(await t.server.services.database.db.selectFrom('accounts').select('id').where('username', '=', 'judy').executeTakeFirst(), undefined);

      // Profile updates normalise the same way.
      const ivan = t.client(noPhone.token);
      assert.equal((await ivan.call<{ phone: string }>('me.update', { phone: '+1 (202) 456-1111' })).phone, '+12024561111');
      await rejectsWith(ivan.call('me.update', { phone: '12' }), 'phone_invalid', 400);
      await rejectsWith(ivan.call('me.update', { phone: '+44 20 7946 0958' }), 'phone_taken', 409);
      assert.equal((await ivan.me()).phone, '+12024561111');
    });
  });

  describe(`accounts: invite-only and closed registration [${backend}]`, () => {
    let t: TestServer;
    let closed: TestServer;
    const clock = new OffsetClock();
    before(async () => {
      t = await startClockedTestServer(backend, clock, { accounts: { registration: 'invite' } });
      closed = await startTestServer(backend, { accounts: { registration: 'closed' } });
    });
    after(async () => {
      await t.close();
      await closed.close();
    });

    it('requires an invite: missing → invite_required, bad → invite_invalid', async () => {
      await rejectsWith(t.client().register({ username: 'mallory', password: PASSWORD }), 'invite_required', 403);
      await rejectsWith(t.client().register({ username: 'mallory', password: PASSWORD, inviteCode: 'not-a-code' }), 'invite_invalid', 403);
      await rejectsWith(t.client().register({ username: 'mallory', password: PASSWORD, inviteCode: '' }), 'invite_required', 403);
      assert.equal(await t.server.services.accounts.count(), 0);
    });

    it('a one-use invite works once, then answers invite_invalid', async () => {
      const invite = await t.server.services.invites.create({ uses: 1 });
      assert.equal(invite.uses, 1);
      const s = await t.client().register({ username: 'oscar', password: PASSWORD, inviteCode: invite.code });
      assert.equal(s.account.username, 'oscar');
      await rejectsWith(t.client().register({ username: 'peggy', password: PASSWORD, inviteCode: invite.code }), 'invite_invalid', 403);
      assert.equal(await t.server.services.accounts.count(), 1);
    });

    it('a failed registration does not use up the invite', async () => {
      const invite = await t.server.services.invites.create({ uses: 1 });
      await rejectsWith(t.client().register({ username: 'oscar', password: PASSWORD, inviteCode: invite.code }), 'username_taken', 409);
      await rejectsWith(t.client().register({ username: 'peggy', password: 'password1', inviteCode: invite.code }), 'password_weak', 400);
      await rejectsWith(t.client().register({ username: 'peggy', password: PASSWORD, inviteCode: invite.code, phone: '123' }), 'phone_invalid', 400);
      const s = await t.client().register({ username: 'peggy', password: PASSWORD, inviteCode: invite.code });
      assert.equal(s.account.username, 'peggy');
    });

    it('a multi-use invite works that many times; an expired invite is refused', async () => {
      const invite = await t.server.services.invites.create({ uses: 2 });
      await t.client().register({ username: 'multi_a', password: PASSWORD, inviteCode: invite.code });
      await t.client().register({ username: 'multi_b', password: PASSWORD, inviteCode: invite.code });
      await rejectsWith(t.client().register({ username: 'multi_c', password: PASSWORD, inviteCode: invite.code }), 'invite_invalid', 403);

      const later = await t.server.services.invites.create({ uses: 5, ttlMs: 3600_000 });
      clock.advance(3600_000 + 1);
      await rejectsWith(t.client().register({ username: 'multi_c', password: PASSWORD, inviteCode: later.code }), 'invite_invalid', 403);
    });

    it('closed registration answers registration_closed; operator-made accounts still log in', async () => {
      await rejectsWith(closed.client().register({ username: 'trent', password: PASSWORD }), 'registration_closed', 403);
      const invite = await closed.server.services.invites.create();
      await rejectsWith(closed.client().register({ username: 'trent', password: PASSWORD, inviteCode: invite.code }), 'registration_closed', 403);
      assert.equal(await closed.server.services.accounts.count(), 0);
      await closed.server.services.accounts.createByOperator({ username: 'trent', password: PASSWORD });
      const s = await closed.client().login({ username: 'trent', password: PASSWORD });
      assert.equal(s.account.username, 'trent');
    });
  });

  describe(`accounts: login, devices, logout, disable [${backend}]`, () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(backend, { accounts: { maxDevices: 4 } }); });
    const streams = new StreamTracker();
    after(async () => {
      streams.closeAll();
      await t.close();
    });

    it('wrong password and unknown user both answer invalid_credentials 401', async () => {
      await t.user('alice');
      await rejectsWith(t.client().login({ username: 'alice', password: 'Wrong-password-123!' }), 'invalid_credentials', 401);
      await rejectsWith(t.client().login({ username: 'nobody_here', password: PASSWORD }), 'invalid_credentials', 401);
      await rejectsWith(t.client().login({ username: 'x', password: PASSWORD }), 'invalid_credentials', 401);
      await rejectsWith(t.client().login({ username: 'alice', password: '' }), 'invalid_credentials', 401);
      // Username is case-insensitive at login too.
      const s = await t.client().login({ username: 'ALICE', password: PASSWORD });
      assert.equal(s.account.username, 'alice');
    });

    it('each login is a session of its own device; devices list marks the current one', async () => {
      const bob = await t.user('bob', { deviceName: 'bob-phone' });
      const laptop = t.client();
      const s2 = await laptop.login({ username: 'bob', password: PASSWORD, deviceName: 'bob-laptop', platform: 'linux' });
      assert.notEqual(s2.deviceId, bob.session.deviceId);
      assert.notEqual(s2.token, bob.session.token);
      assert.equal((await laptop.me()).id, bob.session.account.id);

      const fromPhone = await bob.client.devices();
      assert.deepEqual(fromPhone.map((d) => d.name), ['bob-phone', 'bob-laptop']);
      assert.deepEqual(fromPhone.map((d) => d.current), [true, false]);
      const fromLaptop = await laptop.devices();
      assert.deepEqual(fromLaptop.map((d) => [d.id, d.current]), [[bob.session.deviceId, false], [s2.deviceId, true]]);
      assert.equal(fromLaptop[1]!.platform, 'linux');
      // Another account's devices are not listed.
      const alice = await t.client().login({ username: 'alice', password: PASSWORD });
      assert.ok((await t.client(alice.token).devices()).every((d) => d.id !== bob.session.deviceId));
    });

    it('a device limit is enforced: too_many_devices', async () => {
      const u = await t.user('limited');
      for (let i = 2; i <= 4; i++) await t.client().login({ username: 'limited', password: u.password, deviceName: `d${i}` });
      await rejectsWith(t.client().login({ username: 'limited', password: u.password }), 'too_many_devices', 409);
      // Freeing a slot lets the next one in.
      const devices = await u.client.devices();
      await u.client.revokeDevice(devices[devices.length - 1]!.id);
      await t.client().login({ username: 'limited', password: u.password });
    });

    it('revoking a device refuses its token (device_revoked 401) and closes its update channel at once (4403)', async () => {
      const carol = await t.user('carol');
      const tablet = t.client();
      const ts = await tablet.login({ username: 'carol', password: PASSWORD, deviceName: 'carol-tablet' });
      const states = new StateLog();
      const stream = streams.add(tablet.connect({ onState: states.onState }));
      await stream.synced();

      await carol.client.revokeDevice(ts.deviceId);
      const detail = await states.closed(stream);
      assert.equal(detail.code, 4403);
      assert.equal(stream.state, 'closed');
      await rejectsWith(tablet.me(), 'device_revoked', 401);
      await rejectsWith(tablet.devices(), 'device_revoked', 401);
      assert.deepEqual((await carol.client.devices()).map((d) => d.id), [carol.session.deviceId]);
      // A new connection with the revoked token is refused too.
      const again = new StateLog();
      const s2 = streams.add(tablet.connect({ onState: again.onState, reconnect: false }));
      assert.equal((await again.closed(s2)).code, 4403);
      // Revoking twice, or another account's device, finds nothing; the other device is untouched.
      await rejectsWith(carol.client.revokeDevice(ts.deviceId), 'device_not_found', 404);
      const dan = await t.user('dan');
      await rejectsWith(carol.client.revokeDevice(dan.session.deviceId), 'device_not_found', 404);
      assert.equal((await dan.client.me()).username, 'dan');
      assert.equal((await carol.client.me()).username, 'carol');
    });

    it('logout ends only this device, and closes its channel', async () => {
      const erin = await t.user('erin');
      const second = t.client();
      await second.login({ username: 'erin', password: PASSWORD, deviceName: 'erin-2' });
      const states = new StateLog();
      const stream = streams.add(erin.client.connect({ onState: states.onState }));
      await stream.synced();
      await erin.client.logout();
      assert.equal((await states.closed(stream)).code, 4403);
      await rejectsWith(erin.client.me(), 'device_revoked', 401);
      await rejectsWith(erin.client.logout(), 'device_revoked', 401);
      assert.equal((await second.me()).username, 'erin');
      assert.deepEqual((await second.devices()).map((d) => d.name), ['erin-2']);
    });

    it('a disabled account is cut off: tokens refused, channels closed, login refused; re-enabled it can log in again', async () => {
      const dave = await t.user('dave');
      const friend = await t.user('friend');
      const chat = await friend.client.openDirect(dave.session.account.id);
      const states = new StateLog();
      const col = new Collector();
      const stream = streams.add(dave.client.connect({ onState: states.onState, onUpdate: col.onUpdate }));
      await stream.synced();

      await t.server.services.accounts.setDisabled('dave', true);
      assert.equal((await states.closed(stream)).code, 4403);
      await rejectsWith(dave.client.me(), 'device_revoked', 401);
      await rejectsWith(t.client().login({ username: 'dave', password: PASSWORD }), 'account_disabled', 403);
      // A wrong password still says only invalid_credentials (no account-state oracle).
      await rejectsWith(t.client().login({ username: 'dave', password: 'Wrong-password-123!' }), 'invalid_credentials', 401);
      await rejectsWith(friend.client.resolve('dave'), 'account_not_found', 404);
      await rejectsWith(friend.client.createGroup('with dave', [dave.session.account.id]), 'account_not_found', 404);
      const seen = col.updates.length;
      await friend.client.send(chat.id, 'are you there?');
      assert.equal(col.updates.length, seen, 'a closed channel receives nothing');

      await t.server.services.accounts.setDisabled('dave', false);
      await rejectsWith(dave.client.me(), 'device_revoked', 401, 'old tokens stay revoked');
      const back = t.client();
      await back.login({ username: 'dave', password: PASSWORD });
      assert.equal((await back.me()).username, 'dave');
      assert.deepEqual((await back.history(chat.id)).map((m) => m.text), ['are you there?']);
      await assert.rejects(t.server.services.accounts.setDisabled('no_such_user', true), (e: { code?: string }) => e.code === 'account_not_found');
    });
  });
}
