/** What clients see of server objects. Pure types shared by the server, the SDK and the web client. */

export interface AccountView {
  id: number;
  username: string;
  displayName: string;
}

export interface SelfView extends AccountView {
  phone: string | null;
  isAdmin: boolean;
  pts: number;
}

export interface DeviceView {
  id: number;
  name: string;
  platform: string;
  createdAt: number;
  lastSeenAt: number;
  current: boolean;
}

export type ChatType = 'direct' | 'group' | 'channel';
export type MemberRole = 'owner' | 'admin' | 'member' | 'subscriber';

export interface ChatView {
  id: number;
  type: ChatType;
  title: string;
  /** The caller's role. */
  role: MemberRole;
  lastMessageId: number;
  /**
   * Newest message the caller can see (not deleted, not hidden by the caller), for the chat list
   * preview; null when there is none.
   */
  lastMessage: MessageView | null;
  /** Highest message id the caller has read. */
  readMaxId: number;
  /** Channel update sequence, for channel difference requests. */
  pts: number;
  /** For direct chats: the other account. */
  peer?: AccountView;
  memberCount: number;
}

export interface MemberView {
  account: AccountView;
  role: MemberRole;
}

export interface MessageView {
  chatId: number;
  id: number;
  senderId: number;
  randomId: string;
  text: string;
  replyToId: number | null;
  forwardedFrom: { chatId: number; messageId: number; senderId: number } | null;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
}

export interface ContactView {
  account: AccountView;
  name: string;
}
