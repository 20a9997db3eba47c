import type { Generated } from 'kysely';
import type { SipSchema } from './schema-sip.js';
import type { CallsSchema } from './schema-calls.js';

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
  /** Media carried (issue 7) and a JSON copy of its MediaView: media records never change. */
  media_id: string | null;
  media: string | null;
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

/** Shield counter with expiry (issue 6): the key names what is counted, never an address. */
export interface ShieldCountersTable {
  key: string;
  count: number;
  expires_at: number;
}

export interface ShieldSetMembersTable {
  key: string;
  member: string;
  expires_at: number;
}

/** One ban per account; `top` is JSON of the top signals; appeal_state null until appealed. */
export interface ShieldBansTable {
  account_id: number;
  reason: string;
  top: string;
  banned_at: number;
  expires_at: number | null;
  lifted_at: number | null;
  appeal_state: 'pending' | 'accepted' | 'rejected' | null;
  appeal_note: string | null;
  appeal_submitted_at: number | null;
  appeal_decided_at: number | null;
}

/** Stored content, addressed by SHA-256 hex (issue 7). */
export interface MediaBlobsTable {
  sha256: string;
  size: number;
  created_at: number;
}

export interface MediaTable {
  id: string;
  owner_id: number;
  kind: 'photo' | 'file' | 'voice' | 'video';
  mime: string;
  name: string;
  size: number;
  sha256: string;
  thumb_sha256: string | null;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  /** JSON array of 0..31 levels. */
  waveform: string | null;
  /** `data:` URL of the tiny blurred preview. */
  preview: string | null;
  created_at: number;
}

/** A resumable upload; `params` is the JSON of what the client declared. */
export interface MediaUploadsTable {
  id: string;
  owner_id: number;
  size: number;
  sha256: string;
  part_size: number;
  part_count: number;
  params: string;
  /** Dedup proof-of-possession nonce (hex), single use; null once used. */
  nonce: string | null;
  nonce_expires_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface MediaUploadPartsTable {
  upload_id: string;
  idx: number;
}

export interface Schema extends SipSchema, CallsSchema {
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
  media_blobs: MediaBlobsTable;
  media: MediaTable;
  media_uploads: MediaUploadsTable;
  media_upload_parts: MediaUploadPartsTable;
  shield_counters: ShieldCountersTable;
  shield_set_members: ShieldSetMembersTable;
  shield_bans: ShieldBansTable;
}
