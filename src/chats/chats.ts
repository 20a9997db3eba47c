import './errors.js';
import { AppError } from '../kernel/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';
import { isUniqueViolation } from '../storage/database.js';
import type { ChatView, MemberRole, MemberView, MessageView } from '../protocol/views.js';
import { messageView } from './views.js';
import type { Caller } from '../accounts/sessions.js';
import { Outbox, type UpdateLog } from '../updates/update-log.js';
import { requireMembership, isAdmin, memberIds, validTitle, type ChatRow } from './members.js';

/** Chat lifecycle: direct chats, groups, channels, membership and roles. */
export class Chats {
  constructor(
    private readonly db: Db,
    private readonly log: UpdateLog,
    private readonly clock: Clock,
    private readonly maxGroupMembers: number,
  ) {}

  /** The one direct chat between the caller and `peerId`, created on first use. */
  async openDirect(caller: Caller, peerId: number): Promise<ChatView> {
    if (peerId === caller.accountId) throw new AppError('cannot_target_self');
    await this.requireAccount(peerId);
    const key = `${Math.min(caller.accountId, peerId)}:${Math.max(caller.accountId, peerId)}`;
    const existing = await this.db.selectFrom('chats').select('id').where('direct_key', '=', key).executeTakeFirst();
    if (existing) return this.view(this.db, existing.id, caller.accountId);
    try {
      const outbox = new Outbox();
      const chatId = await this.db.transaction().execute(async (tx) => {
        const id = await this.insertChat(tx, 'direct', '', key, caller.accountId);
        for (const acc of [caller.accountId, peerId].sort((a, b) => a - b)) await this.insertMember(tx, id, acc, 'member');
        for (const acc of [caller.accountId, peerId].sort((a, b) => a - b)) {
          await this.log.append(tx, outbox, acc, { type: 'chat.updated', data: { chat: await this.view(tx, id, acc) } });
        }
        return id;
      });
      this.log.publish(outbox);
      return this.view(this.db, chatId, caller.accountId);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const raced = await this.db.selectFrom('chats').select('id').where('direct_key', '=', key).executeTakeFirstOrThrow();
      return this.view(this.db, raced.id, caller.accountId);
    }
  }

  async createGroup(caller: Caller, title: unknown, memberIdsIn: number[]): Promise<ChatView> {
    const t = validTitle(title);
    const others = [...new Set(memberIdsIn.filter((id) => id !== caller.accountId))];
    if (others.length + 1 > this.maxGroupMembers) throw new AppError('group_too_large', { max: this.maxGroupMembers });
    for (const id of others) await this.requireAccount(id);
    return this.createWith(caller, 'group', t, others);
  }

  async createChannel(caller: Caller, title: unknown): Promise<ChatView> {
    return this.createWith(caller, 'channel', validTitle(title), []);
  }

  private async createWith(caller: Caller, type: 'group' | 'channel', title: string, others: number[]): Promise<ChatView> {
    const outbox = new Outbox();
    const chatId = await this.db.transaction().execute(async (tx) => {
      const id = await this.insertChat(tx, type, title, null, caller.accountId);
      await this.insertMember(tx, id, caller.accountId, 'owner');
      for (const acc of others) await this.insertMember(tx, id, acc, 'member');
      for (const acc of [caller.accountId, ...others].sort((a, b) => a - b)) {
        await this.log.append(tx, outbox, acc, { type: 'chat.updated', data: { chat: await this.view(tx, id, acc) } });
      }
      return id;
    });
    this.log.publish(outbox);
    return this.view(this.db, chatId, caller.accountId);
  }

  async rename(caller: Caller, chatId: number, title: unknown): Promise<ChatView> {
    const t = validTitle(title);
    const { chat, member } = await requireMembership(this.db, chatId, caller.accountId);
    if (chat.type === 'direct') throw new AppError('invalid_chat_operation');
    if (!isAdmin(member)) throw new AppError('not_chat_admin');
    const outbox = new Outbox();
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('chats').set({ title: t }).where('id', '=', chatId).execute();
      // Channels: subscribers see the new title when they read; only admins get an update.
      const targets = chat.type === 'channel' ? await this.adminIds(tx, chatId) : await memberIds(tx, chatId);
      for (const acc of targets) await this.log.append(tx, outbox, acc, { type: 'chat.updated', data: { chat: await this.view(tx, chatId, acc) } });
    });
    this.log.publish(outbox);
    return this.view(this.db, chatId, caller.accountId);
  }

  async addMembers(caller: Caller, chatId: number, accountIds: number[]): Promise<void> {
    const { chat, member } = await requireMembership(this.db, chatId, caller.accountId);
    if (chat.type !== 'group') throw new AppError('invalid_chat_operation');
    if (!isAdmin(member)) throw new AppError('not_chat_admin');
    const current = await memberIds(this.db, chatId);
    const fresh = [...new Set(accountIds)].filter((id) => !current.includes(id));
    if (fresh.length === 0) throw new AppError('member_exists');
    if (current.length + fresh.length > this.maxGroupMembers) throw new AppError('group_too_large', { max: this.maxGroupMembers });
    for (const id of fresh) await this.requireAccount(id);
    await this.changeMembership(chatId, async (tx, outbox) => {
      for (const id of fresh) await this.insertMember(tx, chatId, id, 'member');
      const all = await memberIds(tx, chatId);
      for (const acc of all) {
        for (const id of fresh) await this.log.append(tx, outbox, acc, { type: 'chat.member', data: { chatId, accountId: id, change: 'added', role: 'member', byAccountId: caller.accountId } });
        if (fresh.includes(acc)) await this.log.append(tx, outbox, acc, { type: 'chat.updated', data: { chat: await this.view(tx, chatId, acc) } });
      }
    });
  }

  async removeMember(caller: Caller, chatId: number, accountId: number): Promise<void> {
    if (accountId === caller.accountId) return this.leave(caller, chatId);
    const { chat, member } = await requireMembership(this.db, chatId, caller.accountId);
    if (chat.type === 'direct') throw new AppError('invalid_chat_operation');
    if (!isAdmin(member)) throw new AppError('not_chat_admin');
    const target = await this.db.selectFrom('chat_members').select('role').where('chat_id', '=', chatId).where('account_id', '=', accountId).executeTakeFirst();
    if (!target) throw new AppError('member_not_found');
    // Admins cannot remove the owner or (unless owner) other admins.
    if (target.role === 'owner' || (target.role === 'admin' && member.role !== 'owner')) throw new AppError('not_chat_admin');
    await this.dropMember(chat, accountId, 'removed', caller.accountId);
  }

  async leave(caller: Caller, chatId: number): Promise<void> {
    const { chat, member } = await requireMembership(this.db, chatId, caller.accountId);
    if (chat.type === 'direct') throw new AppError('invalid_chat_operation');
    if (member.role === 'owner') throw new AppError('owner_cannot_leave');
    await this.dropMember(chat, caller.accountId, 'left', caller.accountId);
  }

  private async dropMember(chat: ChatRow, accountId: number, change: 'removed' | 'left', by: number): Promise<void> {
    await this.changeMembership(chat.id, async (tx, outbox) => {
      const notify = chat.type === 'channel' ? [...new Set([...(await this.adminIds(tx, chat.id)), accountId])].sort((a, b) => a - b) : await memberIds(tx, chat.id);
      await tx.deleteFrom('chat_members').where('chat_id', '=', chat.id).where('account_id', '=', accountId).execute();
      for (const acc of notify) await this.log.append(tx, outbox, acc, { type: 'chat.member', data: { chatId: chat.id, accountId, change, role: null, byAccountId: by } });
    });
  }

  /** Owner promotes/demotes; roles are owner > admin > member (subscriber in channels). */
  async setRole(caller: Caller, chatId: number, accountId: number, role: 'admin' | 'member'): Promise<void> {
    const { chat, member } = await requireMembership(this.db, chatId, caller.accountId);
    if (chat.type === 'direct') throw new AppError('invalid_chat_operation');
    if (member.role !== 'owner') throw new AppError('not_chat_admin');
    if (accountId === caller.accountId) throw new AppError('cannot_target_self');
    const target = await this.db.selectFrom('chat_members').select('role').where('chat_id', '=', chatId).where('account_id', '=', accountId).executeTakeFirst();
    if (!target) throw new AppError('member_not_found');
    const newRole: MemberRole = role === 'member' && chat.type === 'channel' ? 'subscriber' : role;
    await this.changeMembership(chatId, async (tx, outbox) => {
      await tx.updateTable('chat_members').set({ role: newRole }).where('chat_id', '=', chatId).where('account_id', '=', accountId).execute();
      const notify = chat.type === 'channel' ? [...new Set([...(await this.adminIds(tx, chatId)), accountId])].sort((a, b) => a - b) : await memberIds(tx, chatId);
      for (const acc of notify) await this.log.append(tx, outbox, acc, { type: 'chat.member', data: { chatId, accountId, change: 'role', role: newRole, byAccountId: caller.accountId } });
    });
  }

  /** Channels are public by id: anyone may subscribe; only the subscriber's own log gets an update. */
  async join(caller: Caller, chatId: number): Promise<ChatView> {
    const chat = await this.db.selectFrom('chats').select(['id', 'type']).where('id', '=', chatId).executeTakeFirst();
    if (!chat || chat.type !== 'channel') throw new AppError('chat_not_found');
    const outbox = new Outbox();
    try {
      await this.db.transaction().execute(async (tx) => {
        await this.insertMember(tx, chatId, caller.accountId, 'subscriber');
        await this.log.append(tx, outbox, caller.accountId, { type: 'chat.updated', data: { chat: await this.view(tx, chatId, caller.accountId) } });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('member_exists');
      throw err;
    }
    this.log.publish(outbox);
    return this.view(this.db, chatId, caller.accountId);
  }

  async list(caller: Caller): Promise<ChatView[]> {
    const rows = await this.db.selectFrom('chat_members').select('chat_id').where('account_id', '=', caller.accountId).orderBy('chat_id').execute();
    const views: ChatView[] = [];
    for (const r of rows) views.push(await this.view(this.db, r.chat_id, caller.accountId));
    return views;
  }

  async get(caller: Caller, chatId: number): Promise<ChatView> {
    await requireMembership(this.db, chatId, caller.accountId);
    return this.view(this.db, chatId, caller.accountId);
  }

  /** Members of a chat; a channel's subscriber list is for its admins only. */
  async members(caller: Caller, chatId: number): Promise<MemberView[]> {
    const { chat, member } = await requireMembership(this.db, chatId, caller.accountId);
    if (chat.type === 'channel' && !isAdmin(member)) throw new AppError('not_chat_admin');
    const rows = await this.db
      .selectFrom('chat_members')
      .innerJoin('accounts', 'accounts.id', 'chat_members.account_id')
      .select(['accounts.id', 'accounts.username', 'accounts.display_name', 'chat_members.role'])
      .where('chat_members.chat_id', '=', chatId)
      .orderBy('accounts.id')
      .limit(1000)
      .execute();
    return rows.map((r) => ({ account: { id: r.id, username: r.username, displayName: r.display_name }, role: r.role }));
  }

  /** Channel ids the account follows (the update channel subscribes to their topics). */
  async channelIds(accountId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('chat_members')
      .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
      .select('chats.id')
      .where('chat_members.account_id', '=', accountId)
      .where('chats.type', '=', 'channel')
      .execute();
    return rows.map((r) => r.id);
  }

  /** The chat as `accountId` sees it. */
  async view(db: Db, chatId: number, accountId: number): Promise<ChatView> {
    const { chat, member } = await requireMembership(db, chatId, accountId);
    const count = await db.selectFrom('chat_members').select((eb) => eb.fn.countAll<number>().as('n')).where('chat_id', '=', chatId).executeTakeFirstOrThrow();
    const view: ChatView = {
      id: chat.id, type: chat.type, title: chat.title, role: member.role, lastMessageId: chat.last_message_id,
      lastMessage: await this.lastVisibleMessage(db, chatId, accountId), readMaxId: member.read_max_id, pts: chat.pts, memberCount: Number(count.n),
    };
    if (chat.type === 'direct') {
      const peer = await db
        .selectFrom('chat_members')
        .innerJoin('accounts', 'accounts.id', 'chat_members.account_id')
        .select(['accounts.id', 'accounts.username', 'accounts.display_name'])
        .where('chat_members.chat_id', '=', chatId)
        .where('chat_members.account_id', '!=', accountId)
        .executeTakeFirst();
      if (peer) {
        view.peer = { id: peer.id, username: peer.username, displayName: peer.display_name };
        view.title = peer.display_name;
      }
    }
    return view;
  }

  /**
   * The chat list preview: newest message neither deleted nor hidden by `accountId` (the same rule
   * as history, so the preview never shows what the chat does not). Walks the (chat_id, id) primary
   * key backwards; each step is one hidden_messages primary-key probe.
   */
  private async lastVisibleMessage(db: Db, chatId: number, accountId: number): Promise<MessageView | null> {
    const row = await db
      .selectFrom('messages')
      .selectAll()
      .where('chat_id', '=', chatId)
      .where('deleted', '=', 0)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('hidden_messages').select('message_id').where('hidden_messages.account_id', '=', accountId).where('hidden_messages.chat_id', '=', chatId).whereRef('hidden_messages.message_id', '=', 'messages.id'))))
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? messageView(row) : null;
  }

  private async changeMembership(chatId: number, work: (tx: Db, outbox: Outbox) => Promise<void>): Promise<void> {
    const outbox = new Outbox();
    await this.db.transaction().execute(async (tx) => {
      // Lock the chat row first (same order as sends) so membership and posts serialise.
      await tx.updateTable('chats').set((eb) => ({ last_message_id: eb.ref('last_message_id') })).where('id', '=', chatId).execute();
      await work(tx, outbox);
    });
    this.log.publish(outbox);
  }

  private async adminIds(db: Db, chatId: number): Promise<number[]> {
    const rows = await db.selectFrom('chat_members').select('account_id').where('chat_id', '=', chatId).where('role', 'in', ['owner', 'admin']).orderBy('account_id').execute();
    return rows.map((r) => r.account_id);
  }

  private async insertChat(tx: Db, type: ChatRow['type'], title: string, key: string | null, by: number): Promise<number> {
    const row = await tx.insertInto('chats').values({ type, title, direct_key: key, last_message_id: 0, pts: 0, created_by: by, created_at: this.clock.now() }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  private async insertMember(tx: Db, chatId: number, accountId: number, role: MemberRole): Promise<void> {
    await tx.insertInto('chat_members').values({ chat_id: chatId, account_id: accountId, role, read_max_id: 0, joined_at: this.clock.now() }).execute();
  }

  private async requireAccount(id: number): Promise<void> {
    if (!Number.isInteger(id) || id <= 0) throw new AppError('account_not_found');
    const r = await this.db.selectFrom('accounts').select('id').where('id', '=', id).where('disabled', '=', 0).executeTakeFirst();
    if (!r) throw new AppError('account_not_found');
  }
}
