import './errors.js';
import { AppError } from '../kernel/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Bus } from '../cluster/bus.js';
import { Topics } from '../cluster/bus.js';
import type { Db } from '../storage/database.js';
import { isUniqueViolation } from '../storage/database.js';
import type { MediaView, MessageView } from '../protocol/views.js';
import type { Caller } from '../accounts/sessions.js';
import { Outbox, type UpdateLog } from '../updates/update-log.js';
import { requireMembership, requirePoster, isAdmin, memberIds, type ChatRow, type MemberRow } from './members.js';
import { messageView } from './views.js';
import { insertMessage, messageByRandomId, nextMessageId, setReadMark } from './message-queries.js';

const RANDOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What messages need of the media module (issue 7): the view of a media the caller may attach. */
export interface MediaAccess {
  get(accountId: number, mediaId: string): Promise<MediaView>;
}

export interface SendInput {
  randomId: string;
  text: string;
  replyToId?: number | null;
  /** Attach a media the caller uploaded or can see; `text` may then be empty (a caption). */
  mediaId?: string | null;
}

/** Messages: idempotent send, edit, delete, forward, history, read receipts, typing, drafts. */
export class Messages {
  constructor(
    private readonly db: Db,
    private readonly log: UpdateLog,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly maxChars: number,
    private readonly pageMax: number,
    private readonly media?: MediaAccess,
  ) {}

  /** Sends once per (sender, randomId): a retry returns the first message, even when concurrent. */
  async send(caller: Caller, chatId: number, input: SendInput): Promise<MessageView> {
    const randomId = this.checkRandomId(input.randomId);
    const mediaId = input.mediaId ?? null;
    const text = this.checkText(input.text, mediaId !== null);
    const existing = await this.byRandomId(caller.accountId, randomId, chatId);
    if (existing) return existing;
    const { chat, member, blocked } = await requirePoster(this.db, chatId, caller.accountId);
    this.assertMayPost(chat, member, blocked);
    const replyToId = input.replyToId ?? null;
    if (replyToId !== null) await this.requireVisibleMessage(chatId, replyToId);
    const media = mediaId === null ? null : await this.requireMedia(caller.accountId, mediaId);
    try {
      return await this.insert(chat, caller.accountId, { randomId, text, replyToId, fwd: null, media });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const raced = await this.byRandomId(caller.accountId, randomId, chatId);
      if (!raced) throw err;
      return raced;
    }
  }

  /** Forwards by reference: the copy points at the original (chat, message, author). */
  async forward(caller: Caller, fromChatId: number, messageIds: number[], toChatId: number, randomIds: string[]): Promise<MessageView[]> {
    if (messageIds.length === 0 || messageIds.length !== randomIds.length || messageIds.length > 100) throw new AppError('bad_request', { reason: 'messageIds and randomIds must pair up (1–100)' });
    await requireMembership(this.db, fromChatId, caller.accountId);
    const { chat, member, blocked } = await requirePoster(this.db, toChatId, caller.accountId);
    this.assertMayPost(chat, member, blocked);
    const out: MessageView[] = [];
    for (let i = 0; i < messageIds.length; i++) {
      const randomId = this.checkRandomId(randomIds[i]);
      const existing = await this.byRandomId(caller.accountId, randomId, toChatId);
      if (existing) {
        out.push(existing);
        continue;
      }
      const src = await this.requireVisibleMessage(fromChatId, messageIds[i]!, caller.accountId);
      const fwd = src.fwd_chat_id !== null && src.fwd_message_id !== null && src.fwd_sender_id !== null
        ? { chatId: src.fwd_chat_id, messageId: src.fwd_message_id, senderId: src.fwd_sender_id }
        : { chatId: src.chat_id, messageId: src.id, senderId: src.sender_id };
      try {
        // The media goes by reference too: the same stored file, no copy (issue 7).
        const media = src.media_id !== null && src.media !== null ? { id: src.media_id, json: src.media } : null;
        out.push(await this.insert(chat, caller.accountId, { randomId, text: src.text, replyToId: null, fwd, media }));
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const raced = await this.byRandomId(caller.accountId, randomId, toChatId);
        if (!raced) throw err;
        out.push(raced);
      }
    }
    return out;
  }

  private async insert(
    chat: ChatRow,
    senderId: number,
    m: { randomId: string; text: string; replyToId: number | null; fwd: { chatId: number; messageId: number; senderId: number } | null; media: { id: string; json: string } | null },
  ): Promise<MessageView> {
    const outbox = new Outbox();
    const view = await this.db.transaction().execute(async (tx) => {
      // Lock order: the chat row, the sender's member row, member accounts in id order (no deadlocks).
      const seq = await nextMessageId.first(tx, { chatId: chat.id });
      if (!seq) throw new AppError('chat_not_found');
      const row = {
        chat_id: chat.id, id: seq.last_message_id, sender_id: senderId, random_id: m.randomId, text: m.text, reply_to_id: m.replyToId,
        fwd_chat_id: m.fwd?.chatId ?? null, fwd_message_id: m.fwd?.messageId ?? null, fwd_sender_id: m.fwd?.senderId ?? null,
        created_at: this.clock.now(), edited_at: null, deleted: 0, media_id: m.media?.id ?? null, media: m.media?.json ?? null,
      };
      await insertMessage.run(tx, row);
      const message = messageView(row);
      // Sending implies having read everything up to one's own message. Before the fan-out: markRead
      // locks the member row, then accounts; the reverse order here could deadlock on PostgreSQL.
      await setReadMark.run(tx, { chatId: chat.id, accountId: senderId, maxId: message.id });
      await this.fanOut(tx, outbox, chat, { type: 'message.new', data: { message } });
      return message;
    });
    this.log.publish(outbox);
    return view;
  }

  async edit(caller: Caller, chatId: number, messageId: number, text: unknown): Promise<MessageView> {
    const { chat } = await requireMembership(this.db, chatId, caller.accountId);
    const row = await this.requireVisibleMessage(chatId, messageId, caller.accountId);
    const clean = this.checkText(text, row.media_id !== null);
    if (row.sender_id !== caller.accountId) throw new AppError('not_message_author');
    const outbox = new Outbox();
    const view = await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('chats').set((eb) => ({ last_message_id: eb.ref('last_message_id') })).where('id', '=', chatId).execute();
      const editedAt = this.clock.now();
      await tx.updateTable('messages').set({ text: clean, edited_at: editedAt }).where('chat_id', '=', chatId).where('id', '=', messageId).execute();
      const message = messageView({ ...row, text: clean, edited_at: editedAt });
      await this.fanOut(tx, outbox, chat, { type: 'message.edited', data: { message } });
      return message;
    });
    this.log.publish(outbox);
    return view;
  }

  /** Delete for me (hides it from the caller's devices) or for everyone (author or chat admin). */
  async delete(caller: Caller, chatId: number, messageIds: number[], forEveryone: boolean): Promise<void> {
    if (messageIds.length === 0 || messageIds.length > 100) throw new AppError('bad_request', { reason: '1–100 messageIds' });
    const { chat, member } = await requireMembership(this.db, chatId, caller.accountId);
    const ids = [...new Set(messageIds)];
    for (const id of ids) {
      const row = await this.requireVisibleMessage(chatId, id, caller.accountId);
      if (forEveryone && row.sender_id !== caller.accountId && !(chat.type !== 'direct' && isAdmin(member))) throw new AppError('not_message_author');
    }
    if (!forEveryone && chat.type === 'channel') throw new AppError('invalid_chat_operation');
    const outbox = new Outbox();
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('chats').set((eb) => ({ last_message_id: eb.ref('last_message_id') })).where('id', '=', chatId).execute();
      const data = { chatId, messageIds: ids, forEveryone };
      if (forEveryone) {
        // Dropping the media reference lets the collector reclaim the file once nothing else names it.
        await tx.updateTable('messages').set({ deleted: 1, text: '', media_id: null, media: null }).where('chat_id', '=', chatId).where('id', 'in', ids).execute();
        await this.fanOut(tx, outbox, chat, { type: 'message.deleted', data });
      } else {
        for (const id of ids) await tx.insertInto('hidden_messages').values({ account_id: caller.accountId, chat_id: chatId, message_id: id }).onConflict((oc) => oc.doNothing()).execute();
        await this.log.append(tx, outbox, caller.accountId, { type: 'message.deleted', data });
      }
    });
    this.log.publish(outbox);
  }

  /** Newest first, before `beforeId`; hidden and deleted messages are left out. */
  async history(caller: Caller, chatId: number, opts: { beforeId?: number; limit?: number }): Promise<MessageView[]> {
    await requireMembership(this.db, chatId, caller.accountId);
    const limit = Math.max(1, Math.min(opts.limit ?? 50, this.pageMax));
    let q = this.db
      .selectFrom('messages')
      .selectAll()
      .where('chat_id', '=', chatId)
      .where('deleted', '=', 0)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('hidden_messages').select('message_id').where('hidden_messages.account_id', '=', caller.accountId).where('hidden_messages.chat_id', '=', chatId).whereRef('hidden_messages.message_id', '=', 'messages.id'))));
    if (opts.beforeId !== undefined) q = q.where('id', '<', opts.beforeId);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map(messageView);
  }

  /** Read receipt: the read mark only moves forward; members see it (channels: only the reader). */
  async markRead(caller: Caller, chatId: number, maxId: number): Promise<void> {
    const { chat, member } = await requireMembership(this.db, chatId, caller.accountId);
    const upTo = Math.min(maxId, chat.last_message_id);
    if (upTo <= member.read_max_id) return;
    const outbox = new Outbox();
    await this.db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('chat_members').set({ read_max_id: upTo }).where('chat_id', '=', chatId).where('account_id', '=', caller.accountId).where('read_max_id', '<', upTo).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return;
      const targets = chat.type === 'channel' ? [caller.accountId] : await memberIds(tx, chatId);
      for (const acc of targets) await this.log.append(tx, outbox, acc, { type: 'chat.read', data: { chatId, accountId: caller.accountId, maxId: upTo } });
    });
    this.log.publish(outbox);
  }

  /**
   * Typing is ephemeral: pushed to the other members' online devices, never persisted. A typing
   * notice replayed after a reconnect would be false, so it takes no pts (docs/protocol.md).
   */
  async typing(caller: Caller, chatId: number): Promise<void> {
    const { chat } = await requireMembership(this.db, chatId, caller.accountId);
    if (chat.type === 'channel') return;
    for (const acc of await memberIds(this.db, chatId)) {
      if (acc !== caller.accountId) this.bus.publish(Topics.account(acc), { ephemeral: 'typing', data: { chatId, accountId: caller.accountId } });
    }
  }

  /** Drafts are per account and synced to its other devices through the update log. */
  async saveDraft(caller: Caller, chatId: number, text: unknown): Promise<void> {
    if (typeof text !== 'string' || text.length > this.maxChars) throw new AppError('message_invalid');
    await requireMembership(this.db, chatId, caller.accountId);
    const outbox = new Outbox();
    await this.db.transaction().execute(async (tx) => {
      if (text === '') await tx.deleteFrom('drafts').where('account_id', '=', caller.accountId).where('chat_id', '=', chatId).execute();
      else await tx.insertInto('drafts').values({ account_id: caller.accountId, chat_id: chatId, text, updated_at: this.clock.now() }).onConflict((oc) => oc.columns(['account_id', 'chat_id']).doUpdateSet({ text, updated_at: this.clock.now() })).execute();
      await this.log.append(tx, outbox, caller.accountId, { type: 'draft', data: { chatId, text } });
    });
    this.log.publish(outbox);
  }

  async drafts(caller: Caller): Promise<Array<{ chatId: number; text: string; updatedAt: number }>> {
    const rows = await this.db.selectFrom('drafts').selectAll().where('account_id', '=', caller.accountId).execute();
    return rows.map((r) => ({ chatId: r.chat_id, text: r.text, updatedAt: r.updated_at }));
  }

  private async fanOut(tx: Db, outbox: Outbox, chat: ChatRow, update: { type: 'message.new' | 'message.edited'; data: { message: MessageView } } | { type: 'message.deleted'; data: { chatId: number; messageIds: number[]; forEveryone: boolean } }): Promise<void> {
    if (chat.type === 'channel') {
      // Fan-out on read: one channel update, however many subscribers.
      await this.log.appendChannel(tx, outbox, { chatId: chat.id, type: update.type, data: update.data });
      return;
    }
    await this.log.appendToMembers(tx, outbox, chat.id, update);
  }

  private assertMayPost(chat: ChatRow, member: MemberRow, blockedByPeer: boolean): void {
    if (chat.type === 'channel' && !isAdmin(member)) throw new AppError('not_chat_admin');
    if (chat.type === 'direct' && blockedByPeer) throw new AppError('user_blocked');
  }

  private async byRandomId(senderId: number, randomId: string, chatId: number): Promise<MessageView | undefined> {
    const row = await messageByRandomId.first(this.db, { senderId, randomId });
    if (!row) return undefined;
    if (row.chat_id !== chatId) throw new AppError('random_id_reused');
    return messageView(row);
  }

  private async requireVisibleMessage(chatId: number, messageId: number, accountId?: number) {
    if (!Number.isInteger(messageId) || messageId <= 0) throw new AppError('message_not_found');
    const row = await this.db.selectFrom('messages').selectAll().where('chat_id', '=', chatId).where('id', '=', messageId).where('deleted', '=', 0).executeTakeFirst();
    if (!row) throw new AppError('message_not_found');
    if (accountId !== undefined) {
      const hidden = await this.db.selectFrom('hidden_messages').select('message_id').where('account_id', '=', accountId).where('chat_id', '=', chatId).where('message_id', '=', messageId).executeTakeFirst();
      if (hidden) throw new AppError('message_not_found');
    }
    return row;
  }

  private checkRandomId(v: unknown): string {
    if (typeof v !== 'string' || !RANDOM_ID.test(v)) throw new AppError('random_id_invalid');
    return v;
  }

  /** Text is required, except as the optional caption of a media message. */
  private checkText(v: unknown, hasMedia = false): string {
    if (typeof v !== 'string') throw new AppError('message_invalid');
    const t = v.trim();
    if ((t.length === 0 && !hasMedia) || v.length > this.maxChars) throw new AppError('message_invalid', { maxChars: this.maxChars });
    return v;
  }

  /** The media to attach, as stored on the message (id + JSON of its view); media_not_found otherwise. */
  private async requireMedia(accountId: number, mediaId: string): Promise<{ id: string; json: string }> {
    if (!this.media) throw new AppError('media_not_found');
    const view = await this.media.get(accountId, mediaId);
    return { id: view.id, json: JSON.stringify(view) };
  }
}
