import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { Device, expectApiError } from '../helpers/recorder.js';
import type { ParleyClient } from '../../src/client/index.js';
import type { ChatView, MessageView, MemberView, ContactView, AccountView } from '../../src/protocol/views.js';
import type { ChannelUpdate } from '../../src/protocol/updates.js';

interface User {
  client: ParleyClient;
  id: number;
  name: string;
}

for (const backend of BACKENDS) {
  describe(`chats [${backend}]`, () => {
    let t: TestServer;
    const open: Device[] = [];
    let n = 0;
    before(async () => { t = await startTestServer(backend); });
    after(async () => {
      for (const d of open) d.close();
      await t.close();
    });

    /** A fresh account with a unique name. */
    const user = async (prefix: string): Promise<User> => {
      const name = `${prefix}_${++n}`;
      const u = await t.user(name);
      return { client: u.client, id: u.session.account.id, name };
    };
    /** Another logged-in device of `u`. */
    const secondDevice = async (u: User): Promise<ParleyClient> => {
      const c = t.client();
      await c.login({ username: u.name, password: PASSWORD, deviceName: `${u.name}-2` });
      return c;
    };
    const connect = async (c: ParleyClient): Promise<Device> => {
      const d = await Device.connect(c);
      open.push(d);
      return d;
    };
    const pts = async (c: ParleyClient): Promise<number> => (await c.call<{ pts: number }>('updates.state')).pts;
    /**
     * Proves a negative without sleeping: `u` writes a contact update to its own log; the bus is
     * ordered, so once it arrives on `d`, anything published to `u` before it has arrived too.
     */
    let barriers = 0;
    const barrier = async (u: User, peer: User, d: Device): Promise<void> => {
      const name = `barrier ${++barriers}`;
      await u.client.call('contacts.add', { accountId: peer.id, name });
      await d.next('contact', (c) => c.name === name);
    };
    const texts = (ms: MessageView[]) => ms.map((m) => m.text);
    const count = async (table: 'updates' | 'channel_updates'): Promise<number> => {
      const r = await t.server.services.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    };

    describe('groups', () => {
      it('creates a group with members; each member gets chat.updated; rename reaches every member', async () => {
        const owner = await user('gowner');
        const a = await user('gmem');
        const b = await user('gmem');
        const [da, db] = await Promise.all([connect(a.client), connect(b.client)]);

        const g = await owner.client.createGroup('  Team  ', [a.id, b.id, owner.id, a.id]);
        assert.equal(g.type, 'group');
        assert.equal(g.title, 'Team');
        assert.equal(g.role, 'owner');
        assert.equal(g.memberCount, 3, 'duplicates and the owner in memberIds are folded');
        for (const d of [da, db]) {
          const u = await d.next('chat.updated', (x) => x.chat.id === g.id);
          assert.equal(u.chat.role, 'member');
          assert.equal(u.chat.title, 'Team');
        }
        const members = await a.client.members(g.id);
        assert.deepEqual(members.map((m) => [m.account.id, m.role]), [[owner.id, 'owner'], [a.id, 'member'], [b.id, 'member']].sort((x, y) => (x[0] as number) - (y[0] as number)));

        await expectApiError(a.client.call('chats.rename', { chatId: g.id, title: 'Mine' }), 'not_chat_admin', 403);
        await expectApiError(owner.client.call('chats.rename', { chatId: g.id, title: '   ' }), 'title_invalid', 400);
        const renamed = await owner.client.call<ChatView>('chats.rename', { chatId: g.id, title: 'Team 2' });
        assert.equal(renamed.title, 'Team 2');
        for (const d of [da, db]) await d.next('chat.updated', (x) => x.chat.id === g.id && x.chat.title === 'Team 2');
        assert.equal((await b.client.chat(g.id)).title, 'Team 2');
        assert.equal(da.of('chat.updated').filter((x) => x.chat.id === g.id).length, 2, 'create + rename, nothing else');
      });

      it('adds and removes members with chat.member updates; a removed member stops receiving the group', async () => {
        const owner = await user('owner');
        const a = await user('amem');
        const b = await user('bmem');
        const c = await user('cmem');
        const g = await owner.client.createGroup('Crew', [a.id, b.id]);
        const [da, dbb, dc] = await Promise.all([connect(a.client), connect(b.client), connect(c.client)]);

        await expectApiError(owner.client.call('chats.addMembers', { chatId: g.id, accountIds: [a.id] }), 'member_exists', 409);
        await expectApiError(owner.client.call('chats.addMembers', { chatId: g.id, accountIds: [999999] }), 'account_not_found', 404);
        await owner.client.call('chats.addMembers', { chatId: g.id, accountIds: [c.id] });
        for (const d of [da, dbb, dc]) {
          const m = await d.next('chat.member', (x) => x.chatId === g.id && x.accountId === c.id);
          assert.deepEqual(m, { chatId: g.id, accountId: c.id, change: 'added', role: 'member', byAccountId: owner.id });
        }
        assert.equal((await dc.next('chat.updated', (x) => x.chat.id === g.id)).chat.memberCount, 4, 'the new member learns the chat');
        await c.client.send(g.id, 'hi from c');

        await owner.client.call('chats.removeMember', { chatId: g.id, accountId: b.id });
        for (const d of [da, dbb, dc]) {
          const m = await d.next('chat.member', (x) => x.chatId === g.id && x.accountId === b.id);
          assert.deepEqual(m, { chatId: g.id, accountId: b.id, change: 'removed', role: null, byAccountId: owner.id });
        }
        await owner.client.send(g.id, 'after removal');
        await da.next('message.new', (x) => x.message.text === 'after removal');
        await barrier(b, owner, dbb);
        assert.ok(!dbb.of('message.new').some((x) => x.message.text === 'after removal'), 'removed member got a group message');
        assert.deepEqual(texts(dbb.of('message.new').map((x) => x.message)), ['hi from c']);
        await expectApiError(b.client.history(g.id), 'chat_not_found', 404);
        await expectApiError(b.client.send(g.id, 'still here?'), 'chat_not_found', 404);
        await expectApiError(b.client.members(g.id), 'chat_not_found', 404);
        assert.ok(!(await b.client.chats()).some((x) => x.id === g.id));
        assert.deepEqual(texts(await a.client.history(g.id)), ['after removal', 'hi from c']);
        await expectApiError(owner.client.call('chats.removeMember', { chatId: g.id, accountId: b.id }), 'member_not_found', 404);
      });

      it('roles: the owner promotes an admin; admins add members; members cannot', async () => {
        const owner = await user('rowner');
        const adm = await user('radmin');
        const mem = await user('rmember');
        const x = await user('rx');
        const y = await user('ry');
        const g = await owner.client.createGroup('Roles', [adm.id, mem.id]);
        const dm = await connect(mem.client);

        await expectApiError(mem.client.call('chats.addMembers', { chatId: g.id, accountIds: [x.id] }), 'not_chat_admin', 403);
        await expectApiError(adm.client.call('chats.setRole', { chatId: g.id, accountId: mem.id, role: 'admin' }), 'not_chat_admin', 403);
        await expectApiError(owner.client.call('chats.setRole', { chatId: g.id, accountId: owner.id, role: 'member' }), 'cannot_target_self', 400);
        await expectApiError(owner.client.call('chats.setRole', { chatId: g.id, accountId: x.id, role: 'admin' }), 'member_not_found', 404);

        await owner.client.call('chats.setRole', { chatId: g.id, accountId: adm.id, role: 'admin' });
        assert.deepEqual(await dm.next('chat.member', (u) => u.change === 'role'), { chatId: g.id, accountId: adm.id, change: 'role', role: 'admin', byAccountId: owner.id });
        assert.equal((await adm.client.chat(g.id)).role, 'admin');

        await adm.client.call('chats.addMembers', { chatId: g.id, accountIds: [x.id] });
        await dm.next('chat.member', (u) => u.change === 'added' && u.accountId === x.id && u.byAccountId === adm.id);
        const roles = new Map((await owner.client.members(g.id)).map((m: MemberView) => [m.account.id, m.role]));
        assert.deepEqual([roles.get(owner.id), roles.get(adm.id), roles.get(mem.id), roles.get(x.id)], ['owner', 'admin', 'member', 'member']);

        await adm.client.call('chats.rename', { chatId: g.id, title: 'Renamed by admin' });
        await expectApiError(adm.client.call('chats.removeMember', { chatId: g.id, accountId: owner.id }), 'not_chat_admin', 403);
        await expectApiError(mem.client.call('chats.removeMember', { chatId: g.id, accountId: x.id }), 'not_chat_admin', 403);
        await expectApiError(mem.client.call('chats.removeMember', { chatId: g.id, accountId: adm.id }), 'not_chat_admin', 403);
        await adm.client.call('chats.removeMember', { chatId: g.id, accountId: x.id });

        await owner.client.call('chats.setRole', { chatId: g.id, accountId: adm.id, role: 'member' });
        await dm.next('chat.member', (u) => u.change === 'role' && u.role === 'member');
        await expectApiError(adm.client.call('chats.addMembers', { chatId: g.id, accountIds: [y.id] }), 'not_chat_admin', 403);
        assert.equal((await owner.client.members(g.id)).length, 3);
      });

      it('leave: members leave with a chat.member update; the owner cannot leave', async () => {
        const owner = await user('lowner');
        const a = await user('leaver');
        const g = await owner.client.createGroup('Leavers', [a.id]);
        const [downer, da] = await Promise.all([connect(owner.client), connect(a.client)]);

        await expectApiError(owner.client.call('chats.leave', { chatId: g.id }), 'owner_cannot_leave', 409);
        await a.client.call('chats.leave', { chatId: g.id });
        for (const d of [downer, da]) {
          assert.deepEqual(await d.next('chat.member', (u) => u.chatId === g.id), { chatId: g.id, accountId: a.id, change: 'left', role: null, byAccountId: a.id });
        }
        assert.ok(!(await a.client.chats()).some((c) => c.id === g.id));
        assert.equal((await owner.client.chat(g.id)).memberCount, 1);
        await expectApiError(a.client.call('chats.leave', { chatId: g.id }), 'chat_not_found', 404);

        const direct = await owner.client.openDirect(a.id);
        await expectApiError(a.client.call('chats.leave', { chatId: direct.id }), 'invalid_chat_operation', 400);
      });
    });

    describe('channels', () => {
      it('only admins post; subscribers get posts live as channel frames and catch up with chats.difference', async () => {
        const owner = await user('chowner');
        const live = await user('chlive');
        const late = await user('chlate');
        const outsider = await user('choutsider');
        const ch = await owner.client.createChannel('News');
        assert.equal(ch.type, 'channel');
        assert.equal(ch.pts, 0);

        // A connected device follows the channel as soon as its account joins.
        const dl = await connect(live.client);
        const joined = await live.client.call<ChatView>('chats.join', { chatId: ch.id });
        assert.equal(joined.role, 'subscriber');
        assert.equal((await dl.next('chat.updated', (u) => u.chat.id === ch.id)).chat.type, 'channel');
        await expectApiError(live.client.call('chats.join', { chatId: ch.id }), 'member_exists', 409);

        const p1 = await owner.client.send(ch.id, 'post 1');
        await dl.until((d) => d.channel.length >= 1, 'channel frame');
        assert.deepEqual(dl.channel[0], { chatId: ch.id, pts: 1, type: 'message.new', data: { message: p1 } } satisfies ChannelUpdate);
        await expectApiError(live.client.send(ch.id, 'subscriber post'), 'not_chat_admin', 403);
        await expectApiError(live.client.call('messages.forward', { chatId: ch.id, fromChatId: ch.id, messageIds: [p1.id], randomIds: ['fwd1'] }), 'not_chat_admin', 403);

        // A subscriber that was away catches up from the pts it joined at.
        const lateJoin = await late.client.call<ChatView>('chats.join', { chatId: ch.id });
        assert.equal(lateJoin.pts, 1);
        const livePts = await pts(live.client);
        await owner.client.send(ch.id, 'post 2');
        await owner.client.send(ch.id, 'post 3');
        const dlate = await connect(late.client);
        const p4 = await owner.client.send(ch.id, 'post 4');
        await dlate.until((d) => d.channel.some((u) => u.pts === 4), 'post 4 live on a device connected after joining');
        const diff = await late.client.call<{ updates: ChannelUpdate[]; pts: number; tooLong: boolean }>('chats.difference', { chatId: ch.id, pts: lateJoin.pts });
        assert.equal(diff.tooLong, false);
        assert.equal(diff.pts, 4);
        assert.deepEqual(diff.updates.map((u) => [u.pts, u.type, (u.data as { message: MessageView }).message.text]), [[2, 'message.new', 'post 2'], [3, 'message.new', 'post 3'], [4, 'message.new', 'post 4']]);
        assert.deepEqual((await late.client.call<typeof diff>('chats.difference', { chatId: ch.id, pts: 4 })).updates, []);
        assert.equal((await late.client.call<typeof diff>('chats.difference', { chatId: ch.id, pts: 99 })).tooLong, true);
        await expectApiError(outsider.client.call('chats.difference', { chatId: ch.id, pts: 0 }), 'chat_not_found', 404);

        await dl.until((d) => d.channel.length >= 4, 'all posts live');
        assert.deepEqual(dl.channel.map((u) => u.pts), [1, 2, 3, 4]);
        assert.equal(await pts(live.client), livePts, 'posts take no pts in the subscriber log');
        assert.deepEqual(texts(await live.client.history(ch.id)), ['post 4', 'post 3', 'post 2', 'post 1']);

        // Edits and deletes of posts travel the same way.
        await owner.client.edit(ch.id, p4.id, 'post 4 (edited)');
        await owner.client.deleteMessages(ch.id, [p1.id], true);
        await dl.until((d) => d.channel.length >= 6, 'edit and delete frames');
        assert.deepEqual(dl.channel.slice(4).map((u) => [u.pts, u.type]), [[5, 'message.edited'], [6, 'message.deleted']]);
        assert.equal((dl.channel[4]!.data as { message: MessageView }).message.text, 'post 4 (edited)');
        await expectApiError(live.client.deleteMessages(ch.id, [p4.id], false), 'invalid_chat_operation', 400);
        await expectApiError(live.client.members(ch.id), 'not_chat_admin', 403);

        // Rename: the subscriber sees the new title when reading, without an update.
        await owner.client.call('chats.rename', { chatId: ch.id, title: 'Daily News' });
        assert.equal((await live.client.chat(ch.id)).title, 'Daily News');

        // After leaving, no more frames.
        await live.client.call('chats.leave', { chatId: ch.id });
        await dl.next('chat.member', (u) => u.chatId === ch.id && u.change === 'left');
        await owner.client.send(ch.id, 'post after leave');
        await dlate.until((d) => d.channel.some((u) => u.type === 'message.new' && (u.data as { message: MessageView }).message.text === 'post after leave'), 'post on the remaining subscriber');
        await barrier(live, owner, dl);
        assert.equal(dl.channel.length, 6, 'a subscriber that left got a post');
        assert.ok(!dl.updates.some((u) => u.type === 'chat.updated' && u.data.chat.title === 'Daily News'), 'subscribers get no update for a rename');

        const group = await owner.client.createGroup('Not a channel', []);
        await expectApiError(outsider.client.call('chats.join', { chatId: group.id }), 'chat_not_found', 404);
      });

      it('a post to a channel with 2,000 subscribers writes one channel_updates row and no updates rows', async () => {
        const owner = await user('bigowner');
        const real = await user('bigsub');
        const ch = await owner.client.createChannel('Big');
        const db = t.server.services.database.db;
        const now = Date.now();
        const SUBSCRIBERS = 2000;
        const ids: number[] = [];
        for (let start = 0; start < SUBSCRIBERS; start += 500) {
          const rows = Array.from({ length: 500 }, (_, i) => ({
            username: `bulk_${backend}_${start + i}`, display_name: `Bulk ${start + i}`, password_hash: 'not-a-hash', phone: null, pts: 0, is_admin: 0, disabled: 0, created_at: now,
          }));
          const inserted = await db.insertInto('accounts').values(rows).returning('id').execute();
          ids.push(...inserted.map((r) => r.id));
          await db.insertInto('chat_members').values(inserted.map((r) => ({ chat_id: ch.id, account_id: r.id, role: 'subscriber' as const, read_max_id: 0, joined_at: now }))).execute();
        }
        await real.client.call('chats.join', { chatId: ch.id });
        const d = await connect(real.client);
        assert.equal((await owner.client.chat(ch.id)).memberCount, SUBSCRIBERS + 2);

        const updatesBefore = await count('updates');
        const channelBefore = await count('channel_updates');
        const ownerPts = await pts(owner.client);
        const post = await owner.client.send(ch.id, 'to everyone');
        assert.equal(await count('channel_updates'), channelBefore + 1, 'one channel_updates row per post');
        assert.equal(await count('updates'), updatesBefore, 'no per-subscriber rows');
        assert.equal(await pts(owner.client), ownerPts);
        await d.until((x) => x.channel.some((u) => u.type === 'message.new' && (u.data as { message: MessageView }).message.id === post.id), 'the post, live');
        // Any of the bulk subscribers can read it.
        const bulk = await db.selectFrom('channel_updates').select(['pts', 'type']).where('chat_id', '=', ch.id).execute();
        assert.deepEqual(bulk.map((r) => [Number(r.pts), r.type]), [[1, 'message.new']]);
        assert.equal(ids.length, SUBSCRIBERS);
      });
    });

    describe('messages', () => {
      /** Two accounts with a direct chat, and live devices (alice has two). */
      const pair = async (tag: string) => {
        const alice = await user(`${tag}a`);
        const bob = await user(`${tag}b`);
        const chat = await alice.client.openDirect(bob.id);
        const alice2 = await secondDevice(alice);
        const [da, da2, db] = await Promise.all([connect(alice.client), connect(alice2), connect(bob.client)]);
        return { alice, bob, chat, alice2, da, da2, db };
      };

      it('reply keeps replyToId; a reply to a missing message is message_not_found', async () => {
        const { alice, bob, chat, db } = await pair('reply');
        const m1 = await alice.client.send(chat.id, 'question');
        const m2 = await bob.client.send(chat.id, 'answer', { replyToId: m1.id });
        assert.equal(m2.replyToId, m1.id);
        assert.equal(m1.replyToId, null);
        assert.equal((await db.next('message.new', (x) => x.message.id === m2.id)).message.replyToId, m1.id);
        const before = await alice.client.history(chat.id);
        await expectApiError(bob.client.send(chat.id, 'to nothing', { replyToId: 9999 }), 'message_not_found', 404);
        await alice.client.deleteMessages(chat.id, [m1.id], true);
        await expectApiError(bob.client.send(chat.id, 'to a deleted one', { replyToId: m1.id }), 'message_not_found', 404);
        assert.deepEqual((await alice.client.history(chat.id)).map((m) => m.id), before.filter((m) => m.id !== m1.id).map((m) => m.id));
      });

      it('edit reaches every device with editedAt set; only the author may edit', async () => {
        const { alice, bob, chat, da, da2, db } = await pair('edit');
        const m = await alice.client.send(chat.id, 'tpyo');
        assert.equal(m.editedAt, null);
        const edited = await alice.client.edit(chat.id, m.id, 'typo');
        assert.equal(edited.text, 'typo');
        assert.ok(typeof edited.editedAt === 'number' && edited.editedAt >= m.createdAt);
        for (const d of [da, da2, db]) {
          const u = await d.next('message.edited', (x) => x.message.id === m.id);
          assert.equal(u.message.text, 'typo');
          assert.equal(u.message.editedAt, edited.editedAt);
          assert.equal(d.of('message.edited').length, 1);
        }
        const [h] = await bob.client.history(chat.id);
        assert.equal(h!.text, 'typo');
        assert.equal(h!.editedAt, edited.editedAt);
        await expectApiError(bob.client.edit(chat.id, m.id, 'hijack'), 'not_message_author', 403);
        await expectApiError(alice.client.edit(chat.id, m.id, '   '), 'message_invalid', 400);
        await expectApiError(alice.client.edit(chat.id, 4242, 'x'), 'message_not_found', 404);
        assert.equal((await bob.client.history(chat.id))[0]!.text, 'typo');
      });

      it('delete for me hides only from me; for everyone removes it from both with message.deleted', async () => {
        const { alice, bob, chat, da, da2, db } = await pair('del');
        const m1 = await alice.client.send(chat.id, 'one');
        const m2 = await alice.client.send(chat.id, 'two');
        const m3 = await bob.client.send(chat.id, 'three');

        await bob.client.deleteMessages(chat.id, [m1.id], false);
        assert.deepEqual(await db.next('message.deleted'), { chatId: chat.id, messageIds: [m1.id], forEveryone: false });
        assert.deepEqual(texts(await bob.client.history(chat.id)), ['three', 'two']);
        assert.deepEqual(texts(await alice.client.history(chat.id)), ['three', 'two', 'one']);
        await barrier(alice, bob, da);
        assert.equal(da.of('message.deleted').length, 0, 'delete for me is private');
        await expectApiError(bob.client.edit(chat.id, m1.id, 'x'), 'message_not_found', 404);

        await expectApiError(bob.client.deleteMessages(chat.id, [m2.id], true), 'not_message_author', 403);
        await alice.client.deleteMessages(chat.id, [m2.id], true);
        for (const d of [da, da2, db]) {
          assert.deepEqual(await d.next('message.deleted', (x) => x.forEveryone), { chatId: chat.id, messageIds: [m2.id], forEveryone: true });
        }
        assert.deepEqual(texts(await bob.client.history(chat.id)), ['three']);
        assert.deepEqual(texts(await alice.client.history(chat.id)), ['three', 'one']);
        await expectApiError(alice.client.edit(chat.id, m2.id, 'back'), 'message_not_found', 404);
        await expectApiError(alice.client.deleteMessages(chat.id, [m2.id], true), 'message_not_found', 404);
        assert.equal(m3.senderId, bob.id);
      });

      it('a chat view carries its last visible message: deleted and hidden-for-me ones are skipped', async () => {
        const { alice, bob, chat } = await pair('lastmsg');
        assert.equal((await alice.client.chat(chat.id)).lastMessage, null, 'no message yet');
        const m1 = await alice.client.send(chat.id, 'first');
        const m2 = await bob.client.send(chat.id, 'second');
        const last = async (c: typeof alice) => (await c.client.chats()).find((x) => x.id === chat.id)!.lastMessage;
        assert.deepEqual(await last(alice), m2);
        assert.deepEqual(await last(bob), m2);
        await alice.client.deleteMessages(chat.id, [m2.id], false);
        assert.deepEqual((await alice.client.chat(chat.id)).lastMessage, m1, 'hidden for alice');
        assert.deepEqual(await last(bob), m2, 'still there for bob');
        await alice.client.deleteMessages(chat.id, [m1.id], true);
        assert.equal((await alice.client.chat(chat.id)).lastMessage, null, 'nothing left alice can see');
        assert.deepEqual((await bob.client.chat(chat.id)).lastMessage, m2);
        await bob.client.deleteMessages(chat.id, [m2.id], true);
        assert.equal((await bob.client.chat(chat.id)).lastMessage, null);
        assert.equal((await bob.client.chat(chat.id)).lastMessageId, m2.id, 'lastMessageId still counts deleted ones');
      });

      it('forward by reference points at the original; forwarding a forward keeps the origin', async () => {
        const alice = await user('fwda');
        const bob = await user('fwdb');
        const carol = await user('fwdc');
        const ab = await alice.client.openDirect(bob.id);
        const bc = await bob.client.openDirect(carol.id);
        const ca = await carol.client.createGroup('Carol+Alice', [alice.id]);
        const orig = await alice.client.send(ab.id, 'original words');

        const [f1] = await bob.client.call<MessageView[]>('messages.forward', { chatId: bc.id, fromChatId: ab.id, messageIds: [orig.id], randomIds: ['fwd-b-1'] });
        assert.equal(f1!.chatId, bc.id);
        assert.equal(f1!.senderId, bob.id);
        assert.equal(f1!.text, 'original words');
        assert.deepEqual(f1!.forwardedFrom, { chatId: ab.id, messageId: orig.id, senderId: alice.id });
        const again = await bob.client.call<MessageView[]>('messages.forward', { chatId: bc.id, fromChatId: ab.id, messageIds: [orig.id], randomIds: ['fwd-b-1'] });
        assert.deepEqual(again, [f1], 'a retried forward creates nothing new');

        const [f2] = await carol.client.call<MessageView[]>('messages.forward', { chatId: ca.id, fromChatId: bc.id, messageIds: [f1!.id], randomIds: ['fwd-c-1'] });
        assert.equal(f2!.senderId, carol.id);
        assert.deepEqual(f2!.forwardedFrom, { chatId: ab.id, messageId: orig.id, senderId: alice.id }, 'a forward of a forward names the first author');
        assert.deepEqual((await alice.client.history(ca.id))[0]!.forwardedFrom, f2!.forwardedFrom);

        await expectApiError(carol.client.call('messages.forward', { chatId: ca.id, fromChatId: ab.id, messageIds: [orig.id], randomIds: ['fwd-c-2'] }), 'chat_not_found', 404);
        await expectApiError(bob.client.call('messages.forward', { chatId: bc.id, fromChatId: ab.id, messageIds: [999], randomIds: ['fwd-b-2'] }), 'message_not_found', 404);
        await expectApiError(bob.client.call('messages.forward', { chatId: bc.id, fromChatId: ab.id, messageIds: [orig.id], randomIds: ['a', 'b'] }), 'bad_request', 400);
        assert.equal((await carol.client.history(bc.id)).length, 1);
      });

      it('history pages newest first with beforeId and limit', async () => {
        const alice = await user('hista');
        const bob = await user('histb');
        const chat = await alice.client.openDirect(bob.id);
        const sent: MessageView[] = [];
        for (let i = 0; i < 25; i++) sent.push(await (i % 3 === 0 ? bob : alice).client.send(chat.id, `h${i}`));
        const newestFirst = sent.map((m) => m.id).reverse();

        const seen: number[] = [];
        let beforeId: number | undefined;
        for (;;) {
          const page = await bob.client.history(chat.id, { limit: 10, ...(beforeId !== undefined ? { beforeId } : {}) });
          if (page.length === 0) break;
          assert.ok(page.length <= 10);
          seen.push(...page.map((m) => m.id));
          beforeId = page[page.length - 1]!.id;
        }
        assert.deepEqual(seen, newestFirst);
        assert.deepEqual((await alice.client.history(chat.id)).map((m) => m.id), newestFirst, 'default page holds all 25');
        assert.deepEqual((await alice.client.history(chat.id, { limit: 1 })).map((m) => m.text), ['h24']);
        assert.deepEqual((await alice.client.history(chat.id, { beforeId: sent[3]!.id })).map((m) => m.text), ['h2', 'h1', 'h0']);
        assert.deepEqual(await alice.client.history(chat.id, { beforeId: sent[0]!.id }), []);
        assert.equal((await alice.client.history(chat.id, { limit: 1000 })).length, 25, 'limit is capped, not refused');
      });

      it('read receipts reach the sender; the read mark never moves backwards', async () => {
        const { alice, bob, chat, da, db } = await pair('read');
        const m1 = await alice.client.send(chat.id, 'r1');
        await alice.client.send(chat.id, 'r2');
        const m3 = await alice.client.send(chat.id, 'r3');
        assert.equal((await alice.client.chat(chat.id)).readMaxId, m3.id, 'the sender has read its own messages');
        assert.equal((await bob.client.chat(chat.id)).readMaxId, 0);

        await bob.client.markRead(chat.id, m3.id);
        assert.deepEqual(await da.next('chat.read'), { chatId: chat.id, accountId: bob.id, maxId: m3.id });
        await db.next('chat.read', (x) => x.accountId === bob.id);
        assert.equal((await bob.client.chat(chat.id)).readMaxId, m3.id);

        const alicePts = await pts(alice.client);
        await bob.client.markRead(chat.id, m1.id);
        await bob.client.markRead(chat.id, m3.id);
        assert.equal((await bob.client.chat(chat.id)).readMaxId, m3.id, 'read mark moved backwards');
        assert.equal(await pts(alice.client), alicePts, 'no receipt for a mark that did not move');
        // Past the newest message: clipped to it.
        const m4 = await alice.client.send(chat.id, 'r4');
        await bob.client.markRead(chat.id, 1_000_000);
        assert.equal((await bob.client.chat(chat.id)).readMaxId, m4.id);
        await da.until((d) => d.of('chat.read').length === 2, 'second receipt');
        assert.deepEqual(da.of('chat.read').map((x) => x.maxId), [m3.id, m4.id]);
      });

      it('typing reaches the other member as an event frame and consumes no pts', async () => {
        const { alice, bob, chat, da, db } = await pair('typing');
        const [alicePts, bobPts] = [await pts(alice.client), await pts(bob.client)];
        const updatesBefore = db.updates.length;
        await alice.client.call('messages.typing', { chatId: chat.id });
        await db.until((d) => d.events.length > 0, 'typing event');
        assert.deepEqual(db.events, [{ type: 'typing', data: { chatId: chat.id, accountId: alice.id } }]);
        await alice.client.call('messages.typing', { chatId: chat.id });
        await db.until((d) => d.events.length > 1, 'second typing event');
        assert.equal(await pts(alice.client), alicePts);
        assert.equal(await pts(bob.client), bobPts);
        await barrier(alice, bob, da);
        assert.deepEqual(da.events, [], 'the typist is not told about itself');
        assert.equal(db.updates.length, updatesBefore, 'typing is not an update');
        const outsider = await user('typingx');
        await expectApiError(outsider.client.call('messages.typing', { chatId: chat.id }), 'chat_not_found', 404);
      });

      it('drafts sync to the account\'s other device and are listed by drafts.list', async () => {
        const { alice, alice2, bob, chat, da2, db } = await pair('draft');
        await alice.client.call('drafts.save', { chatId: chat.id, text: 'half a thought' });
        assert.deepEqual(await da2.next('draft'), { chatId: chat.id, text: 'half a thought' });
        const list = await alice2.call<Array<{ chatId: number; text: string; updatedAt: number }>>('drafts.list');
        assert.deepEqual(list.map((d) => [d.chatId, d.text]), [[chat.id, 'half a thought']]);
        assert.deepEqual(await bob.client.call('drafts.list'), []);

        await alice2.call('drafts.save', { chatId: chat.id, text: 'a whole thought' });
        await da2.next('draft', (d) => d.text === 'a whole thought');
        assert.equal((await alice.client.call<Array<{ text: string }>>('drafts.list'))[0]!.text, 'a whole thought');
        await alice.client.call('drafts.save', { chatId: chat.id, text: '' });
        await da2.next('draft', (d) => d.text === '');
        assert.deepEqual(await alice.client.call('drafts.list'), []);
        await barrier(bob, alice, db);
        assert.equal(db.of('draft').length, 0, 'drafts are private to the account');
      });

      it('contacts: add, list, rename and remove, each a contact update', async () => {
        const { alice, alice2, bob, da2 } = await pair('contact');
        const added = await alice.client.call<ContactView>('contacts.add', { accountId: bob.id, name: 'Bobby' });
        assert.deepEqual(added, { account: { id: bob.id, username: bob.name, displayName: bob.name }, name: 'Bobby' });
        assert.deepEqual(await da2.next('contact'), { accountId: bob.id, name: 'Bobby' });
        assert.deepEqual(await alice2.contacts(), [added]);
        await alice.client.call('contacts.add', { accountId: bob.id, name: 'Robert' });
        await da2.next('contact', (c) => c.name === 'Robert');
        assert.deepEqual((await alice.client.contacts()).map((c) => c.name), ['Robert']);
        await alice.client.call('contacts.remove', { accountId: bob.id });
        assert.deepEqual(await da2.next('contact', (c) => c.name === null), { accountId: bob.id, name: null });
        assert.deepEqual(await alice.client.contacts(), []);
        await expectApiError(alice.client.call('contacts.remove', { accountId: bob.id }), 'account_not_found', 404);
        await expectApiError(alice.client.call('contacts.add', { accountId: alice.id }), 'cannot_target_self', 400);
        await expectApiError(alice.client.call('contacts.add', { accountId: 987654 }), 'account_not_found', 404);
        assert.deepEqual(await bob.client.contacts(), []);
      });

      it('blocking: a blocked user cannot message in the direct chat; unblocking restores it', async () => {
        const { alice, bob, chat, db } = await pair('block');
        await alice.client.send(chat.id, 'before the block');
        await bob.client.call('blocks.add', { accountId: alice.id });
        assert.deepEqual(await db.next('block'), { accountId: alice.id, blocked: true });
        assert.deepEqual((await bob.client.call<AccountView[]>('blocks.list')).map((a) => a.id), [alice.id]);

        const bobPts = await pts(bob.client);
        await expectApiError(alice.client.send(chat.id, 'let me in'), 'user_blocked', 403);
        await expectApiError(alice.client.call('messages.forward', { chatId: chat.id, fromChatId: chat.id, messageIds: [1], randomIds: ['blockfwd'] }), 'user_blocked', 403);
        assert.deepEqual(texts(await bob.client.history(chat.id)), ['before the block']);
        assert.equal(await pts(bob.client), bobPts, 'a refused message leaves no trace');

        await bob.client.call('blocks.remove', { accountId: alice.id });
        assert.deepEqual(await db.next('block', (b) => !b.blocked), { accountId: alice.id, blocked: false });
        await alice.client.send(chat.id, 'thanks');
        await db.next('message.new', (x) => x.message.text === 'thanks');
        assert.deepEqual(await bob.client.call('blocks.list'), []);
        await expectApiError(bob.client.call('blocks.add', { accountId: bob.id }), 'cannot_target_self', 400);
      });
    });
  });
}
