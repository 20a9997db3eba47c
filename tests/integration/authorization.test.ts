import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, Collector, PASSWORD, type TestServer } from '../helpers/server.js';
import { StateLog, rawRequest, rejectsWith, StreamTracker } from '../helpers/auth.js';
import { OPERATIONS } from '../../src/api/operations/index.js';
import { randomId, type ParleyClient, type Session, type UpdateStream } from '../../src/client/index.js';
import type { ChatView, MessageView } from '../../src/protocol/views.js';
import type { Update, ChannelUpdate } from '../../src/protocol/updates.js';
import type { OperationName } from '../../src/protocol/routes.js';

type User = { client: ParleyClient; session: Session; id: number };

/** The chat an update is about, if any. */
function chatOf(u: Update | ChannelUpdate): number | undefined {
  const d = u.data as { chatId?: number; chat?: { id: number }; message?: { chatId: number } };
  return d.chatId ?? d.chat?.id ?? d.message?.chatId;
}

/** Path of an operation with every path parameter filled in. */
function pathOf(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, key: string) => (key === 'username' ? 'someone' : '1'));
}

/** Opens a raw update-channel socket, sends `frames`, resolves with the close code. */
function rawChannel(url: string, frames: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/updates`);
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('update channel was not closed')); }, 10000);
    ws.on('open', () => { for (const f of frames) ws.send(JSON.stringify(f)); });
    ws.on('close', (code) => { clearTimeout(timer); resolve(code); });
    ws.on('error', () => undefined);
  });
}

for (const backend of BACKENDS) {
  describe(`authorisation matrix [${backend}]`, () => {
    let t: TestServer;
    let alice: User, bob: User, carol: User, eve: User;
    let direct: ChatView, group: ChatView, channel: ChatView, eveChat: ChatView;
    let dm1: MessageView, g1: MessageView, c1: MessageView, eveMsg: MessageView;
    const target = () => [
      { kind: 'direct', chat: direct, msg: dm1 },
      { kind: 'group', chat: group, msg: g1 },
      { kind: 'channel', chat: channel, msg: c1 },
    ];

    before(async () => {
      t = await startTestServer(backend);
      const mk = async (name: string): Promise<User> => {
        const u = await t.user(name);
        return { client: u.client, session: u.session, id: u.session.account.id };
      };
      alice = await mk('alice');
      bob = await mk('bob');
      carol = await mk('carol');
      eve = await mk('eve');
      direct = await alice.client.openDirect(bob.id);
      group = await alice.client.createGroup('team', [bob.id, carol.id]);
      channel = await alice.client.createChannel('news');
      await bob.client.call('chats.join', { chatId: channel.id });
      await carol.client.call('chats.join', { chatId: channel.id });
      eveChat = await eve.client.createGroup('eve notes', []);
      dm1 = await alice.client.send(direct.id, 'dm from alice');
      await bob.client.send(direct.id, 'dm from bob');
      g1 = await alice.client.send(group.id, 'group hello');
      await bob.client.send(group.id, 'group from bob');
      c1 = await alice.client.send(channel.id, 'first post');
      eveMsg = await eve.client.send(eveChat.id, 'eve note');
    });
    const streams = new StreamTracker();
    after(async () => {
      streams.closeAll();
      await t.close();
    });

    /** Everything a member can observe about the target chats, and every account's pts. */
    async function snapshot(): Promise<unknown> {
      const out: Record<string, unknown> = {};
      for (const { kind, chat } of target()) {
        out[`${kind}.alice.history`] = await alice.client.history(chat.id, { limit: 100 });
        out[`${kind}.bob.history`] = await bob.client.history(chat.id, { limit: 100 });
        out[`${kind}.alice.chat`] = await alice.client.chat(chat.id);
        out[`${kind}.bob.chat`] = await bob.client.chat(chat.id);
        out[`${kind}.members`] = await alice.client.members(chat.id);
        out[`${kind}.bob.draft`] = await bob.client.call('drafts.list');
      }
      out.channelDiff = await alice.client.call('chats.difference', { chatId: channel.id, pts: 0 });
      for (const [name, u] of Object.entries({ alice, bob, carol, eve })) out[`${name}.pts`] = await u.client.call('updates.state');
      return out;
    }

    it('a non-member gets chat_not_found for every operation on a direct chat, a group and a channel, and changes nothing', async () => {
      const before = await snapshot();
      const stream = streams.add(eve.client.connect({}));
      await stream.synced();
      for (const { kind, chat, msg } of target()) {
        const chatId = chat.id;
        const attempts: Array<[OperationName, Record<string, unknown>]> = [
          ['chats.get', { chatId }],
          ['messages.history', { chatId }],
          ['messages.history', { chatId, beforeId: msg.id + 1 }],
          ['messages.send', { chatId, randomId: randomId(), text: 'let me in' }],
          ['messages.send', { chatId, randomId: randomId(), text: 'reply', replyToId: msg.id }],
          ['messages.edit', { chatId, messageId: msg.id, text: 'defaced' }],
          ['messages.delete', { chatId, messageIds: [msg.id], forEveryone: true }],
          ['messages.delete', { chatId, messageIds: [msg.id], forEveryone: false }],
          ['messages.forward', { chatId: eveChat.id, fromChatId: chatId, messageIds: [msg.id], randomIds: [randomId()] }],
          ['messages.forward', { chatId, fromChatId: eveChat.id, messageIds: [eveMsg.id], randomIds: [randomId()] }],
          ['messages.read', { chatId, maxId: msg.id }],
          ['messages.typing', { chatId }],
          ['drafts.save', { chatId, text: 'draft' }],
          ['drafts.save', { chatId, text: '' }],
          ['chats.members', { chatId }],
          ['chats.difference', { chatId, pts: 0 }],
          ['chats.rename', { chatId, title: 'pwned' }],
          ['chats.addMembers', { chatId, accountIds: [eve.id] }],
          ['chats.removeMember', { chatId, accountId: bob.id }],
          ['chats.removeMember', { chatId, accountId: eve.id }],
          ['chats.setRole', { chatId, accountId: eve.id, role: 'admin' }],
          ['chats.setRole', { chatId, accountId: bob.id, role: 'admin' }],
          ['chats.leave', { chatId }],
        ];
        // Only channels are joinable by id; a direct chat or group is not.
        if (kind !== 'channel') attempts.push(['chats.join', { chatId }]);
        for (const [name, params] of attempts) {
          await rejectsWith(eve.client.call(name, params), 'chat_not_found', 404, `${kind}: ${name} ${JSON.stringify(params)}`);
          // The same over the update channel.
          await rejectsWith(stream.call(name, params), 'chat_not_found', 0, `${kind}: ${name} over the update channel`);
        }
      }
      stream.close();
      assert.deepEqual(await snapshot(), before, 'nothing changed');
      assert.deepEqual((await eve.client.chats()).map((c) => c.id), [eveChat.id], 'eve sees only her own chat');
      assert.deepEqual(await eve.client.call('drafts.list'), []);
      assert.deepEqual((await eve.client.history(eveChat.id)).map((m) => m.text), ['eve note'], 'nothing was forwarded to eve');
    });

    it("a non-member's update channel receives none of the chat's updates while members do", async () => {
      type Seen = { updates: Collector; channel: ChannelUpdate[]; typing: number[] };
      const watch = (u: User): { seen: Seen; stream: UpdateStream } => {
        const seen: Seen = { updates: new Collector(), channel: [], typing: [] };
        const stream = streams.add(u.client.connect({
          onUpdate: seen.updates.onUpdate,
          onChannel: (c) => seen.channel.push(c),
          onEvent: (type, data) => { if (type === 'typing') seen.typing.push(data.chatId); },
        }));
        return { seen, stream };
      };
      const w = { alice: watch(alice), bob: watch(bob), carol: watch(carol), eve: watch(eve) };
      await Promise.all(Object.values(w).map((x) => x.stream.synced()));
      const evePtsBefore = (await eve.client.call<{ pts: number }>('updates.state')).pts;

      const d = await alice.client.send(direct.id, 'secret dm');
      const g = await alice.client.send(group.id, 'secret group');
      await alice.client.edit(direct.id, d.id, 'secret dm (edited)');
      await bob.client.call('messages.typing', { chatId: direct.id });
      await carol.client.call('messages.typing', { chatId: group.id });
      await bob.client.markRead(group.id, g.id);
      await carol.client.call('drafts.save', { chatId: group.id, text: 'half a thought' });
      await alice.client.call('chats.rename', { chatId: group.id, title: 'team (renamed)' });
      const post = await alice.client.send(channel.id, 'secret post');
      await alice.client.deleteMessages(group.id, [g.id], true);
      // A sentinel for eve, sent last: once it arrives, anything leaked earlier would have too.
      const eveDm = await alice.client.openDirect(eve.id);
      await alice.client.send(eveDm.id, 'sentinel');

      await w.bob.seen.updates.waitFor((u) => u.some((x) => x.type === 'message.deleted' && chatOf(x) === group.id), 20000, 'bob: group delete');
      await w.carol.seen.updates.waitFor((u) => u.some((x) => x.type === 'message.deleted' && chatOf(x) === group.id), 20000, 'carol: group delete');
      await w.eve.seen.updates.waitFor((u) => u.some((x) => x.type === 'message.new' && x.data.message.text === 'sentinel'), 20000, 'eve: sentinel');
      for (const x of [w.bob, w.carol]) {
        await new Promise<void>((resolve, reject) => {
          const end = Date.now() + 20000;
          const poll = () => (x.seen.channel.some((c) => c.chatId === channel.id && (c.data as { message?: MessageView }).message?.id === post.id) ? resolve() : Date.now() > end ? reject(new Error('channel post not received')) : setTimeout(poll, 20));
          poll();
        });
      }

      // Members saw what they should.
      assert.ok(w.bob.seen.updates.messages().includes('secret dm'));
      assert.ok(w.bob.seen.updates.updates.some((u) => u.type === 'message.edited' && chatOf(u) === direct.id));
      assert.ok(w.carol.seen.updates.messages().includes('secret group'));
      assert.ok(w.carol.seen.updates.updates.some((u) => u.type === 'chat.updated' && u.data.chat.title === 'team (renamed)'));
      assert.ok(w.carol.seen.updates.updates.some((u) => u.type === 'draft' && chatOf(u) === group.id), 'drafts sync to the drafter only');
      assert.ok(w.alice.seen.updates.updates.some((u) => u.type === 'chat.read' && chatOf(u) === group.id));
      assert.ok(w.alice.seen.typing.includes(direct.id) && w.alice.seen.typing.includes(group.id));

      // Eve saw none of it: not live, not in her persisted log, no typing, no channel posts.
      const secret = new Set([direct.id, group.id, channel.id]);
      const leaked = [...w.eve.seen.updates.updates, ...w.eve.seen.channel].filter((u) => secret.has(chatOf(u) ?? -1));
      assert.deepEqual(leaked, []);
      assert.deepEqual(w.eve.seen.typing.filter((c) => secret.has(c)), []);
      assert.deepEqual(w.eve.seen.channel, []);
      const log = await eve.client.difference(evePtsBefore);
      assert.deepEqual(log.updates.filter((u) => secret.has(chatOf(u) ?? -1)), []);
      assert.deepEqual([...new Set(log.updates.map(chatOf))], [eveDm.id]);
      // Carol's draft went to carol's devices only.
      for (const x of [w.alice, w.bob, w.eve]) assert.ok(!x.seen.updates.updates.some((u) => u.type === 'draft'));
      for (const x of Object.values(w)) x.stream.close();
    });

    it('a channel subscriber cannot post, list subscribers or administer the channel', async () => {
      const before = await snapshot();
      const stream = streams.add(bob.client.connect({}));
      await stream.synced();
      await rejectsWith(bob.client.send(channel.id, 'subscriber post'), 'not_chat_admin', 403);
      await rejectsWith(stream.call('messages.send', { chatId: channel.id, randomId: randomId(), text: 'over ws' }), 'not_chat_admin', 0);
      await rejectsWith(bob.client.call('messages.forward', { chatId: channel.id, fromChatId: direct.id, messageIds: [dm1.id], randomIds: [randomId()] }), 'not_chat_admin', 403);
      await rejectsWith(bob.client.members(channel.id), 'not_chat_admin', 403);
      await rejectsWith(carol.client.members(channel.id), 'not_chat_admin', 403);
      await rejectsWith(bob.client.call('chats.rename', { chatId: channel.id, title: 'bob news' }), 'not_chat_admin', 403);
      await rejectsWith(bob.client.call('chats.setRole', { chatId: channel.id, accountId: carol.id, role: 'admin' }), 'not_chat_admin', 403);
      await rejectsWith(bob.client.call('chats.removeMember', { chatId: channel.id, accountId: carol.id }), 'not_chat_admin', 403);
      await rejectsWith(bob.client.call('chats.addMembers', { chatId: channel.id, accountIds: [eve.id] }), 'invalid_chat_operation', 400);
      await rejectsWith(bob.client.edit(channel.id, c1.id, 'edited by a subscriber'), 'not_message_author', 403);
      await rejectsWith(bob.client.deleteMessages(channel.id, [c1.id], true), 'not_message_author', 403);
      stream.close();
      assert.deepEqual(await snapshot(), before, 'nothing changed');
      // Subscribers still read the channel.
      assert.ok((await bob.client.history(channel.id)).some((m) => m.id === c1.id));
    });

    it('a group member who is not an admin cannot rename, add, remove or promote', async () => {
      const before = await snapshot();
      await rejectsWith(carol.client.call('chats.rename', { chatId: group.id, title: 'carol rules' }), 'not_chat_admin', 403);
      await rejectsWith(carol.client.call('chats.addMembers', { chatId: group.id, accountIds: [eve.id] }), 'not_chat_admin', 403);
      await rejectsWith(carol.client.call('chats.removeMember', { chatId: group.id, accountId: bob.id }), 'not_chat_admin', 403);
      await rejectsWith(carol.client.call('chats.removeMember', { chatId: group.id, accountId: alice.id }), 'not_chat_admin', 403);
      await rejectsWith(carol.client.call('chats.setRole', { chatId: group.id, accountId: carol.id, role: 'admin' }), 'not_chat_admin', 403);
      await rejectsWith(carol.client.call('chats.setRole', { chatId: group.id, accountId: bob.id, role: 'admin' }), 'not_chat_admin', 403);
      await rejectsWith(carol.client.deleteMessages(group.id, [g1.id], true), 'not_message_author', 403);
      assert.deepEqual(await snapshot(), before, 'nothing changed');
      // Carol is still a plain member who can talk.
      assert.equal((await carol.client.chat(group.id)).role, 'member');
    });

    it('an admin cannot remove the owner, nor another admin; the owner cannot leave', async () => {
      const team = await alice.client.createGroup('admins', [bob.id, carol.id]);
      await alice.client.call('chats.setRole', { chatId: team.id, accountId: bob.id, role: 'admin' });
      await alice.client.call('chats.setRole', { chatId: team.id, accountId: carol.id, role: 'admin' });
      await rejectsWith(bob.client.call('chats.removeMember', { chatId: team.id, accountId: alice.id }), 'not_chat_admin', 403);
      await rejectsWith(bob.client.call('chats.removeMember', { chatId: team.id, accountId: carol.id }), 'not_chat_admin', 403);
      await rejectsWith(bob.client.call('chats.setRole', { chatId: team.id, accountId: carol.id, role: 'member' }), 'not_chat_admin', 403);
      await rejectsWith(alice.client.call('chats.leave', { chatId: team.id }), 'owner_cannot_leave', 409);
      assert.deepEqual((await alice.client.members(team.id)).map((m) => [m.account.username, m.role]), [['alice', 'owner'], ['bob', 'admin'], ['carol', 'admin']]);
    });

    it('only the author can edit a message', async () => {
      const mine = await alice.client.send(direct.id, 'alice wrote this');
      const theirs = await bob.client.send(group.id, 'bob wrote this');
      await rejectsWith(bob.client.edit(direct.id, mine.id, 'bob rewrote it'), 'not_message_author', 403);
      // Not even the group owner.
      await rejectsWith(alice.client.edit(group.id, theirs.id, 'owner rewrote it'), 'not_message_author', 403);
      await rejectsWith(carol.client.edit(group.id, theirs.id, 'carol rewrote it'), 'not_message_author', 403);
      // A message id from another chat is not found in this one.
      await rejectsWith(alice.client.edit(group.id, mine.id + 1000, 'x'), 'message_not_found', 404);
      assert.equal((await alice.client.history(direct.id, { limit: 1 }))[0]!.text, 'alice wrote this');
      assert.equal((await bob.client.history(group.id, { limit: 1 }))[0]!.text, 'bob wrote this');
      const edited = await alice.client.edit(direct.id, mine.id, 'alice edited this');
      assert.equal(edited.text, 'alice edited this');
      assert.ok(edited.editedAt !== null);
    });

    it("deleting someone else's message for everyone in a direct chat is refused; for me it hides only mine", async () => {
      const m = await alice.client.send(direct.id, 'keep me');
      await rejectsWith(bob.client.deleteMessages(direct.id, [m.id], true), 'not_message_author', 403);
      assert.ok((await alice.client.history(direct.id)).some((x) => x.id === m.id && x.text === 'keep me'));
      assert.ok((await bob.client.history(direct.id)).some((x) => x.id === m.id));
      await bob.client.deleteMessages(direct.id, [m.id], false);
      assert.ok(!(await bob.client.history(direct.id)).some((x) => x.id === m.id), 'hidden for bob');
      assert.ok((await alice.client.history(direct.id)).some((x) => x.id === m.id && x.text === 'keep me'), 'still there for alice');
      // Hidden for bob also means bob cannot edit-check or forward it any more.
      await rejectsWith(bob.client.call('messages.forward', { chatId: group.id, fromChatId: direct.id, messageIds: [m.id], randomIds: [randomId()] }), 'message_not_found', 404);
      // A group admin may delete a member's message for everyone (the counterpart).
      const b = await bob.client.send(group.id, 'moderate me');
      await alice.client.deleteMessages(group.id, [b.id], true);
      assert.ok(!(await carol.client.history(group.id)).some((x) => x.id === b.id));
    });

    it('every authenticated operation answers 401 unauthorized without a token or with a garbage one', async () => {
      const authed = OPERATIONS.filter((o) => o.auth);
      assert.ok(authed.length >= 30, `the dispatch table has ${authed.length} authenticated operations`);
      // New unauthenticated operations must be a deliberate choice: update this list with care.
      assert.deepEqual(OPERATIONS.filter((o) => !o.auth).map((o) => o.name).sort(), ['accounts.register', 'link.claim', 'link.request', 'sessions.login']);
      const headers: Array<string | undefined> = [undefined, 'Bearer garbage', `Bearer ${'x'.repeat(43)}`, `Bearer ${'x'.repeat(600)}`, 'Bearer ', 'Basic YWxpY2U6cGFzcw==', alice.session.token];
      for (const op of authed) {
        const path = pathOf(op.path);
        const withBody = op.method !== 'GET' && op.method !== 'DELETE';
        for (const authorization of headers) {
          for (const body of withBody ? [undefined, {}] : [undefined]) {
            const r = await rawRequest(t.url, op.method, path, { ...(authorization !== undefined ? { authorization } : {}), ...(body !== undefined ? { body } : {}) });
            const what = `${op.name} (${op.method} ${path}) with ${authorization === undefined ? 'no token' : JSON.stringify(authorization.slice(0, 20))}`;
            assert.equal(r.status, 401, `${what}: status ${r.status} ${JSON.stringify(r.json)}`);
            assert.equal(r.json.error?.code, 'unauthorized', what);
          }
        }
      }
      // The update channel: no call before hello, and hello needs a real token.
      assert.equal(await rawChannel(t.url, [{ op: 'call', id: 1, method: 'chats.list', params: {} }]), 4401);
      assert.equal(await rawChannel(t.url, [{ op: 'hello', token: 'garbage' }]), 4401);
      assert.equal(await rawChannel(t.url, [{ op: 'hello', token: 'x'.repeat(43) }, { op: 'call', id: 1, method: 'chats.list', params: {} }]), 4401);
      // Unauthenticated operations are not callable over the update channel at all.
      const stream = streams.add(alice.client.connect({}));
      await stream.synced();
      for (const op of OPERATIONS.filter((o) => !o.auth)) await rejectsWith(stream.call(op.name, {}), 'unknown_operation', 0, op.name);
      stream.close();
    });

    it('a revoked device is cut off from HTTP and from the update channel', async () => {
      const bob2 = t.client();
      const s2 = await bob2.login({ username: 'bob', password: PASSWORD, deviceName: 'bob-2' });
      const col = new Collector();
      const states = new StateLog();
      const stream = streams.add(bob2.connect({ onUpdate: col.onUpdate, onState: states.onState }));
      await stream.synced();
      await alice.client.send(direct.id, 'before revoke');
      await col.waitFor((u) => u.some((x) => x.type === 'message.new' && x.data.message.text === 'before revoke'));

      await bob.client.revokeDevice(s2.deviceId);
      assert.equal((await states.closed(stream)).code, 4403);
      const seen = col.updates.length;

      for (const op of OPERATIONS.filter((o) => o.auth)) {
        const r = await rawRequest(t.url, op.method, pathOf(op.path), { authorization: `Bearer ${s2.token}` });
        assert.equal(r.status, 401, `${op.name}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.error?.code, 'device_revoked', op.name);
      }
      await rejectsWith(bob2.history(direct.id), 'device_revoked', 401);
      await rejectsWith(bob2.send(direct.id, 'from a revoked device'), 'device_revoked', 401);
      assert.equal(await rawChannel(t.url, [{ op: 'hello', token: s2.token }]), 4403);
      const again = new StateLog();
      const s = streams.add(bob2.connect({ onState: again.onState }));
      assert.equal((await again.closed(s)).code, 4403);
      assert.equal(s.state, 'closed', 'a revoked device does not reconnect');

      // Bob's other device carries on and sees what the revoked one no longer gets.
      const bobCol = new Collector();
      const bobStream = streams.add(bob.client.connect({ onUpdate: bobCol.onUpdate }));
      await bobStream.synced();
      await alice.client.send(direct.id, 'after revoke');
      await bobCol.waitFor((u) => u.some((x) => x.type === 'message.new' && x.data.message.text === 'after revoke'));
      assert.equal(col.updates.length, seen, 'the revoked device received nothing more');
      assert.ok(!(await bob.client.history(direct.id)).some((m) => m.text === 'from a revoked device'));
      bobStream.close();
    });
  });
}
