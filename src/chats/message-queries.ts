import type { Selectable } from 'kysely';
import { Prepared } from '../storage/prepared.js';
import type { MessagesTable } from '../storage/schema.js';

/** The send path's statements, compiled once (storage/prepared.ts says why). */

export const messageByRandomId = new Prepared((db, p: { senderId: number; randomId: string }) =>
  db.selectFrom('messages').selectAll().where('sender_id', '=', p.senderId).where('random_id', '=', p.randomId),
);

/** Takes the chat's next message id; also the chat row lock every send takes first. */
export const nextMessageId = new Prepared((db, p: { chatId: number }) =>
  db.updateTable('chats').set((eb) => ({ last_message_id: eb('last_message_id', '+', 1) })).where('id', '=', p.chatId).returning('last_message_id'),
);

export const insertMessage = new Prepared((db, p: Selectable<MessagesTable>) =>
  db.insertInto('messages').values({
    chat_id: p.chat_id, id: p.id, sender_id: p.sender_id, random_id: p.random_id, text: p.text, reply_to_id: p.reply_to_id,
    fwd_chat_id: p.fwd_chat_id, fwd_message_id: p.fwd_message_id, fwd_sender_id: p.fwd_sender_id,
    created_at: p.created_at, edited_at: p.edited_at, deleted: p.deleted, media_id: p.media_id, media: p.media,
  }),
);

export const setReadMark = new Prepared((db, p: { chatId: number; accountId: number; maxId: number }) =>
  db.updateTable('chat_members').set({ read_max_id: p.maxId }).where('chat_id', '=', p.chatId).where('account_id', '=', p.accountId),
);
