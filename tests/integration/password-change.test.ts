import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { StateLog, StreamTracker, rejectsWith, rawRequest } from '../helpers/auth.js';

const NEW_PASSWORD = 'glacier-Mango-47-quietly';

for (const backend of BACKENDS) {
  describe(`accounts: password change [${backend}]`, () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(backend); });
    const streams = new StreamTracker();
    after(async () => {
      streams.closeAll();
      await t.close();
    });

    const hashOf = async (username: string) =>
      (await t.server.services.database.db.selectFrom('accounts').select('password_hash').where('username', '=', username).executeTakeFirstOrThrow()).password_hash;

    it('a wrong current password answers invalid_credentials and changes nothing', async () => {
      const alice = await t.user('alice');
      const before = await hashOf('alice');
      await rejectsWith(alice.client.changePassword('Wrong-password-123!', NEW_PASSWORD), 'invalid_credentials', 401);
      await rejectsWith(alice.client.changePassword('', NEW_PASSWORD), 'invalid_credentials', 401);
      assert.equal(await hashOf('alice'), before);
      // The device is still logged in (the 401 is about the password, not the token).
      assert.equal((await alice.client.me()).username, 'alice');
      await t.client().login({ username: 'alice', password: PASSWORD });
    });

    it('a weak new password answers password_weak with the registration rules', async () => {
      const bob = await t.user('bob');
      const before = await hashOf('bob');
      for (const pw of ['1234', 'password1', 'qwerty123', 'short1!']) {
        await rejectsWith(bob.client.changePassword(PASSWORD, pw), 'password_weak', 400, `password ${pw}`);
      }
      const named = await rejectsWith(bob.client.changePassword(PASSWORD, 'Xq7#bob#Lm9$Tz-river'), 'password_weak', 400);
      assert.equal(named.data?.reason, 'must not contain the username');
      assert.equal(await hashOf('bob'), before);
    });

    it('needs a logged-in device and both fields', async () => {
      await rejectsWith(t.client().changePassword(PASSWORD, NEW_PASSWORD), 'unauthorized', 401);
      const carol = await t.user('carol');
      const r = await rawRequest(t.url, 'PUT', '/me/password', { authorization: `Bearer ${carol.session.token}`, body: { newPassword: NEW_PASSWORD } });
      assert.equal(r.status, 400);
      assert.equal(r.json.error?.code, 'validation_failed');
    });

    it('success: new hash, old password refused, new one works, other devices logged out at once, this one kept', async () => {
      const dave = await t.user('dave', { deviceName: 'dave-laptop' });
      const phone = t.client();
      const ps = await phone.login({ username: 'dave', password: PASSWORD, deviceName: 'dave-phone' });
      const tablet = t.client();
      await tablet.login({ username: 'dave', password: PASSWORD, deviceName: 'dave-tablet' });
      const phoneStates = new StateLog();
      const phoneStream = streams.add(phone.connect({ onState: phoneStates.onState }));
      await phoneStream.synced();
      const ownStates = new StateLog();
      const ownStream = streams.add(dave.client.connect({ onState: ownStates.onState }));
      await ownStream.synced();
      // Another account's device is untouched.
      const erin = await t.user('erin');
      const before = await hashOf('dave');

      const r = await dave.client.changePassword(PASSWORD, NEW_PASSWORD);
      assert.deepEqual(r, { ok: true, revokedDevices: 2 });

      const after = await hashOf('dave');
      assert.notEqual(after, before);
      assert.ok(after.startsWith('$argon2id$'));
      assert.ok(!after.includes(NEW_PASSWORD));

      assert.equal((await phoneStates.closed(phoneStream)).code, 4403);
      await rejectsWith(phone.me(), 'device_revoked', 401);
      await rejectsWith(tablet.me(), 'device_revoked', 401);
      assert.equal(ps.deviceId > 0, true);

      // The calling device keeps its token and its connection.
      assert.equal((await dave.client.me()).username, 'dave');
      assert.deepEqual((await dave.client.devices()).map((d) => [d.name, d.current]), [['dave-laptop', true]]);
      assert.equal(ownStream.state, 'online');
      assert.ok(!ownStates.states.some((s) => s.state === 'closed'));
      assert.equal((await erin.client.me()).username, 'erin');

      await rejectsWith(t.client().login({ username: 'dave', password: PASSWORD }), 'invalid_credentials', 401);
      const fresh = t.client();
      await fresh.login({ username: 'dave', password: NEW_PASSWORD });
      assert.equal((await fresh.me()).username, 'dave');
      // And the new password can be changed again from the new device (which logs the laptop out).
      await fresh.changePassword(NEW_PASSWORD, PASSWORD + '-v2');
      await rejectsWith(dave.client.me(), 'device_revoked', 401);
    });

    it('an approved but unclaimed link token dies with the old password', async () => {
      const frank = await t.user('frank');
      const newcomer = t.client();
      const req = await newcomer.requestLink({ deviceName: 'intruder' });
      await frank.client.approveLink(req.token);
      await frank.client.changePassword(PASSWORD, NEW_PASSWORD);
      await rejectsWith(newcomer.claimLink(req.token, req.claimSecret), 'link_token_invalid', 404);
      assert.deepEqual((await frank.client.devices()).map((d) => d.name), ['frank-1']);
    });

    it('works as a call on the update channel too', async () => {
      const gina = await t.user('gina');
      const other = t.client();
      await other.login({ username: 'gina', password: PASSWORD });
      const states = new StateLog();
      const stream = streams.add(gina.client.connect({ onState: states.onState }));
      await stream.synced();
      await rejectsWith(stream.call('me.changePassword', { currentPassword: 'nope-nope-nope', newPassword: NEW_PASSWORD }), 'invalid_credentials');
      assert.equal(stream.state, 'online', 'a failed call leaves the channel open');
      assert.deepEqual(await stream.call('me.changePassword', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }), { ok: true, revokedDevices: 1 });
      await rejectsWith(other.me(), 'device_revoked', 401);
      assert.equal((await gina.client.me()).username, 'gina');
    });
  });
}
