import type { MessagesTable } from '../storage/schema.js';
import type { MediaView, MessageView } from '../protocol/views.js';
import type { Selectable } from 'kysely';

/** Row → client view. Deleted messages keep their id but lose their content. */
export function messageView(r: Selectable<MessagesTable>): MessageView {
  const deleted = r.deleted === 1;
  return {
    chatId: r.chat_id,
    id: r.id,
    senderId: r.sender_id,
    randomId: r.random_id,
    text: deleted ? '' : r.text,
    replyToId: r.reply_to_id,
    forwardedFrom: r.fwd_chat_id !== null && r.fwd_message_id !== null && r.fwd_sender_id !== null
      ? { chatId: r.fwd_chat_id, messageId: r.fwd_message_id, senderId: r.fwd_sender_id }
      : null,
    createdAt: r.created_at,
    editedAt: r.edited_at,
    deleted,
    media: deleted || r.media === null ? null : (JSON.parse(r.media) as MediaView),
  };
}
