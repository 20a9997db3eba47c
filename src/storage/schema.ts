import type { Generated } from 'kysely';

/**
 * Typed tables shared by both dialects. Booleans are 0/1 integers and times are epoch
 * milliseconds so that SQLite and PostgreSQL return identical values.
 */
export interface AccountsTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  password_hash: string;
  phone: string | null;
  pts: number;
  is_admin: number;
  disabled: number;
  created_at: number;
}

export interface DevicesTable {
  id: Generated<number>;
  account_id: number;
  name: string;
  platform: string;
  token_hash: string;
  created_at: number;
  last_seen_at: number;
  revoked_at: number | null;
}

export interface InvitesTable {
  code_hash: string;
  created_by: number | null;
  uses_left: number;
  expires_at: number;
  created_at: number;
}

export interface LinkTokensTable {
  token_hash: string;
  claim_hash: string;
  device_name: string;
  platform: string;
  expected_username: string | null;
  created_at: number;
  expires_at: number;
  approved_account_id: number | null;
  approved_at: number | null;
  device_id: number | null;
  claimed_at: number | null;
}

export interface ChatsTable {
  id: Generated<number>;
  type: 'direct' | 'group' | 'channel';
  title: string;
  /** `min:max` account ids of a direct chat, so there is one chat per pair. */
  direct_key: string | null;
  last_message_id: number;
  /** Channel update sequence (fan-out on read); unused for direct chats and groups. */
  pts: number;
  created_by: number;
  created_at: number;
}

export interface ChatMembersTable {
  chat_id: number;
  account_id: number;
  role: 'owner' | 'admin' | 'member' | 'subscriber';
  read_max_id: number;
  joined_at: number;
}

export interface MessagesTable {
  chat_id: number;
  id: number;
  sender_id: number;
  random_id: string;
  text: string;
  reply_to_id: number | null;
  fwd_chat_id: number | null;
  fwd_message_id: number | null;
  fwd_sender_id: number | null;
  created_at: number;
  edited_at: number | null;
  deleted: number;
}

export interface HiddenMessagesTable {
  account_id: number;
  chat_id: number;
  message_id: number;
}

export interface UpdatesTable {
  account_id: number;
  pts: number;
  type: string;
  payload: string;
  created_at: number;
}

export interface ChannelUpdatesTable {
  chat_id: number;
  pts: number;
  type: string;
  payload: string;
  created_at: number;
}

export interface DraftsTable {
  account_id: number;
  chat_id: number;
  text: string;
  updated_at: number;
}

export interface ContactsTable {
  owner_id: number;
  contact_id: number;
  name: string;
  created_at: number;
}

export interface BlocksTable {
  owner_id: number;
  blocked_id: number;
  created_at: number;
}

export interface Schema {
  accounts: AccountsTable;
  devices: DevicesTable;
  invites: InvitesTable;
  link_tokens: LinkTokensTable;
  chats: ChatsTable;
  chat_members: ChatMembersTable;
  messages: MessagesTable;
  hidden_messages: HiddenMessagesTable;
  updates: UpdatesTable;
  channel_updates: ChannelUpdatesTable;
  drafts: DraftsTable;
  contacts: ContactsTable;
  blocks: BlocksTable;
}
