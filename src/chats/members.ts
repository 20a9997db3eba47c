import './errors.js';
import { AppError } from '../kernel/errors.js';
import type { Db } from '../storage/database.js';
import { Prepared } from '../storage/prepared.js';
import type { ChatsTable, ChatMembersTable } from '../storage/schema.js';
import type { Selectable } from 'kysely';

export type ChatRow = Selectable<ChatsTable>;
export type MemberRow = Selectable<ChatMembersTable>;

/** The chat and the caller's membership, or `chat_not_found` for anyone outside it. */
export async function requireMembership(db: Db, chatId: number, accountId: number): Promise<{ chat: ChatRow; member: MemberRow }> {
  if (!Number.isInteger(chatId) || chatId <= 0) throw new AppError('chat_not_found');
  const row = await membership.first(db, { chatId, accountId });
  if (!row) throw new AppError('chat_not_found');
  return split(row);
}

/**
 * requireMembership plus, for a direct chat, whether the peer blocks the caller: one read
 * instead of three (membership, member list, blocks) on every send.
 */
export async function requirePoster(db: Db, chatId: number, accountId: number): Promise<{ chat: ChatRow; member: MemberRow; blocked: boolean }> {
  if (!Number.isInteger(chatId) || chatId <= 0) throw new AppError('chat_not_found');
  const row = await poster.first(db, { chatId, accountId });
  if (!row) throw new AppError('chat_not_found');
  return { ...split(row), blocked: Number(row.blocked) === 1 };
}

function membershipQuery(db: Db, chatId: number, accountId: number) {
  return db
    .selectFrom('chat_members')
    .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
    .selectAll('chats')
    .select(['chat_members.role', 'chat_members.read_max_id', 'chat_members.joined_at', 'chat_members.account_id', 'chat_members.chat_id'])
    .where('chat_members.chat_id', '=', chatId)
    .where('chat_members.account_id', '=', accountId);
}

// Compiled once: these run on nearly every API call (see storage/prepared.ts).
const membership = new Prepared((db, p: { chatId: number; accountId: number }) => membershipQuery(db, p.chatId, p.accountId));

const poster = new Prepared((db, p: { chatId: number; accountId: number }) =>
  membershipQuery(db, p.chatId, p.accountId).select((eb) =>
    eb
      .case()
      .when(eb.and([
        eb('chats.type', '=', 'direct'),
        eb.exists(eb.selectFrom('chat_members as peer').innerJoin('blocks', 'blocks.owner_id', 'peer.account_id').select('peer.account_id').whereRef('peer.chat_id', '=', 'chat_members.chat_id').where('peer.account_id', '<>', p.accountId).where('blocks.blocked_id', '=', p.accountId)),
      ]))
      .then(1)
      .else(0)
      .end()
      .as('blocked'),
  ),
);

function split(row: ChatRow & Omit<MemberRow, 'chat_id'> & { chat_id: number }): { chat: ChatRow; member: MemberRow } {
  const chat: ChatRow = { id: row.id, type: row.type, title: row.title, direct_key: row.direct_key, last_message_id: row.last_message_id, pts: row.pts, created_by: row.created_by, created_at: row.created_at };
  const member: MemberRow = { chat_id: row.chat_id, account_id: row.account_id, role: row.role, read_max_id: row.read_max_id, joined_at: row.joined_at };
  return { chat, member };
}

export function isAdmin(member: MemberRow): boolean {
  return member.role === 'owner' || member.role === 'admin';
}

/** Member account ids in ascending order: locking accounts in one order avoids deadlocks. */
export async function memberIds(db: Db, chatId: number): Promise<number[]> {
  const rows = await db.selectFrom('chat_members').select('account_id').where('chat_id', '=', chatId).orderBy('account_id').execute();
  return rows.map((r) => r.account_id);
}

export function validTitle(input: unknown): string {
  if (typeof input !== 'string') throw new AppError('title_invalid');
  // eslint-disable-next-line no-control-regex
  const t = input.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (t.length < 1 || t.length > 128) throw new AppError('title_invalid');
  return t;
}
