import type { ChatView, MessageView, MemberRole } from './views.js';
import type { CallEventMap, CallLogEntry, CallSettingsView } from './calls.js';

/**
 * Updates the server persists in an account's log, each with the account's next pts
 * (docs/protocol.md). The `type` names are the wire names.
 */
export interface UpdateDataMap {
  'message.new': { message: MessageView };
  'message.edited': { message: MessageView };
  'message.deleted': { chatId: number; messageIds: number[]; forEveryone: boolean };
  'chat.read': { chatId: number; accountId: number; maxId: number };
  'chat.updated': { chat: ChatView };
  'chat.member': { chatId: number; accountId: number; change: 'added' | 'removed' | 'left' | 'role'; role: MemberRole | null; byAccountId: number };
  draft: { chatId: number; text: string };
  contact: { accountId: number; name: string | null };
  block: { accountId: number; blocked: boolean };
  /** A call ended: its row in this account's call log (missed calls show on every device). */
  'call.log': { entry: CallLogEntry };
  /** This account's call privacy settings changed (on any of its devices): every device shows the same. */
  'call.settings': { settings: CallSettingsView };
}

export type UpdateType = keyof UpdateDataMap;
export const UPDATE_TYPES: readonly UpdateType[] = [
  'message.new', 'message.edited', 'message.deleted', 'chat.read', 'chat.updated', 'chat.member', 'draft', 'contact', 'block', 'call.log', 'call.settings',
];

export type UpdateOf<T extends UpdateType> = { type: T; data: UpdateDataMap[T] };
export type AnyUpdate = { [T in UpdateType]: UpdateOf<T> }[UpdateType];

/** An update as stored and delivered. */
export type Update = AnyUpdate & { pts: number };

/** Channel posts are fanned out on read: they carry the channel's own sequence, not the account's. */
export interface ChannelUpdate {
  chatId: number;
  pts: number;
  type: 'message.new' | 'message.edited' | 'message.deleted';
  data: UpdateDataMap['message.new'] | UpdateDataMap['message.deleted'];
}

/** Ephemeral signals: pushed to online devices, never persisted, carry no pts. */
export interface EphemeralMap extends CallEventMap {
  typing: { chatId: number; accountId: number };
}
