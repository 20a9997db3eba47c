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
  /** Attached photo, file, voice note or video (issue 7); `text` is then an optional caption. */
  media: MediaView | null;
}

export type MediaKind = 'photo' | 'file' | 'voice' | 'video';

/** A stored media item (docs/protocol.md, Media). Immutable once made; `id` is opaque and unguessable. */
export interface MediaView {
  id: string;
  kind: MediaKind;
  mime: string;
  size: number;
  name: string;
  width?: number;
  height?: number;
  durationMs?: number;
  /** Voice notes: up to 100 levels 0..31. */
  waveform?: number[];
  /** Tiny blurred image as a `data:` URL (≤ 1 KB of image bytes), shown until the thumbnail loads. */
  preview?: string;
  /** A thumbnail variant exists (`variant: 'thumb'`). */
  hasThumb: boolean;
}

/** What a client declares about a file when it starts an upload (`POST /media/uploads`). */
export interface UploadDescription {
  kind: MediaKind;
  mime: string;
  name: string;
  /** Photos: re-encode and resize on the server ("compressed") instead of keeping the original file. */
  compress?: boolean;
  durationMs?: number;
  /** Voice: up to 100 levels 0..31. */
  waveform?: number[];
  width?: number;
  height?: number;
  /** Video: a photo media already uploaded from the poster frame. */
  posterUploadMediaId?: string;
}

/** An upload in progress (`POST /media/uploads`, `GET /media/uploads/:uploadId`). */
export interface UploadView {
  uploadId: string;
  partSize: number;
  partCount: number;
  /** Indexes of the parts already stored. */
  received: number[];
  expiresAt: number;
  /** Set when the server already holds this content: prove possession instead of uploading. */
  dedup: { nonce: string } | null;
}

export interface ContactView {
  account: AccountView;
  name: string;
}

/**
 * An account's ban as its owner sees it (issue 6). `reason` is a stable code the client translates;
 * after an accepted appeal `banned` is false and `appeal.state` says so.
 */
export interface BanView {
  banned: boolean;
  reason: string | null;
  bannedAt: number | null;
  expiresAt: number | null;
  appeal: { state: 'pending' | 'accepted' | 'rejected'; submittedAt: number; decidedAt: number | null } | null;
  /** Where to appeal (`POST /api/v1/me/appeal`) while an appeal is possible, else null. */
  appealRoute: string | null;
}
