import type { ChatView, MessageView } from '../../../src/protocol/views.js';

/** A chat as the client keeps it: the server's view plus what the client learned from updates. */
export interface ChatEntry extends ChatView {
  draft?: string;
  /** Highest message id another member has read (read receipts). */
  peerReadMaxId?: number;
  /** Channel sequence this client has applied (channel frames and chats.difference). */
  channelPts?: number;
}

/** A message as displayed: server messages, or an outbox entry not yet acknowledged. */
export interface LocalMessage extends MessageView {
  pending?: boolean;
  failed?: string;
}

/** A message typed (possibly offline) and not yet acknowledged by the server. */
export interface OutboxItem {
  randomId: string;
  chatId: number;
  text: string;
  replyToId: number | null;
  createdAt: number;
  failed?: string;
}

export type ConnState = 'connecting' | 'syncing' | 'online' | 'offline';
