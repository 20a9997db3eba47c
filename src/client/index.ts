import type { OperationName } from '../protocol/routes.js';
import type { SelfView, ChatView, MessageView, DeviceView, AccountView, MemberView, ContactView, MediaView, UploadView } from '../protocol/views.js';
import type { Update } from '../protocol/updates.js';
import type { CallLogEntry, CallSettingsView, RelayServer } from '../protocol/calls.js';
import { httpCall } from './http.js';
import { uploadMedia, type MediaUploadInput, type MediaUploadOptions, type MediaUploadResult } from './media.js';
import { UpdateStream, type UpdateStreamOptions, type WebSocketFactory } from './update-stream.js';

export { ApiError } from './errors.js';
export { sha256Hex, hmacHex, type MediaUploadInput, type MediaUploadOptions, type MediaUploadResult, type UploadProgress } from './media.js';
export { UpdateStream, type StreamState, type WebSocketFactory } from './update-stream.js';
export * from './calls/index.js';

/** How the SDK identifies itself at registration and log-in (the web client passes `parley-web/<version>`). */
export const SDK_CLIENT = 'parley-sdk/1';

export interface Session {
  token: string;
  deviceId: number;
  account: SelfView;
}

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  /** Browsers: omit (globalThis.WebSocket). Node: pass `WebSocket` from the `ws` package. */
  WebSocket?: WebSocketFactory;
}

/** Typed SDK over the HTTP API and the update channel; used by tests, benchmarks and the web client. */
export class ParleyClient {
  token: string | undefined;
  readonly baseUrl: string;
  private readonly WebSocketImpl: WebSocketFactory | undefined;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl;
    this.token = opts.token;
    this.WebSocketImpl = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketFactory }).WebSocket;
  }

  /** Any operation by name (ROUTES; the server describes them at /api/v1/openapi.json); typed helpers below cover the common ones. */
  call<T>(name: OperationName, params: Record<string, unknown> = {}): Promise<T> {
    return httpCall<T>(this.baseUrl, this.token, name, params);
  }

  /** `client` identifies the app to the server's anti-abuse shield (default `parley-sdk/1`); `lang` is its BCP 47 language. */
  async register(p: { username: string; password: string; displayName?: string; inviteCode?: string; phone?: string; deviceName?: string; platform?: string; client?: string; lang?: string }): Promise<Session> {
    const s = await this.call<Session>('accounts.register', { client: SDK_CLIENT, ...p });
    this.token = s.token;
    return s;
  }

  async login(p: { username: string; password: string; deviceName?: string; platform?: string; client?: string; lang?: string }): Promise<Session> {
    const s = await this.call<Session>('sessions.login', { client: SDK_CLIENT, ...p });
    this.token = s.token;
    return s;
  }

  logout(): Promise<{ ok: true }> { return this.call('sessions.logout'); }
  me(): Promise<SelfView> { return this.call('me.get'); }
  /** Changes the password; the server logs out every other device of the account. */
  changePassword(currentPassword: string, newPassword: string): Promise<{ ok: true; revokedDevices: number }> {
    return this.call('me.changePassword', { currentPassword, newPassword });
  }
  devices(): Promise<DeviceView[]> { return this.call('devices.list'); }
  revokeDevice(deviceId: number): Promise<{ ok: true }> { return this.call('devices.revoke', { deviceId }); }
  resolve(username: string): Promise<AccountView> { return this.call('accounts.resolve', { username }); }

  /** New device: ask for a link token; show `qr` as a QR code; keep `claimSecret`. */
  requestLink(p: { deviceName?: string; platform?: string; username?: string } = {}): Promise<{ token: string; claimSecret: string; expiresAt: number; qr: string }> {
    return this.call('link.request', p);
  }
  approveLink(token: string): Promise<{ deviceName: string; platform: string }> { return this.call('link.approve', { token }); }
  async claimLink(token: string, claimSecret: string, waitMs = 0): Promise<{ status: 'pending'; expiresAt: number } | ({ status: 'approved' } & Session)> {
    const r = await this.call<{ status: 'pending'; expiresAt: number } | ({ status: 'approved' } & Session)>('link.claim', { token, claimSecret, waitMs });
    if (r.status === 'approved') this.token = r.token;
    return r;
  }

  chats(): Promise<ChatView[]> { return this.call('chats.list'); }
  chat(chatId: number): Promise<ChatView> { return this.call('chats.get', { chatId }); }
  openDirect(accountId: number): Promise<ChatView> { return this.call('chats.openDirect', { accountId }); }
  createGroup(title: string, memberIds: number[]): Promise<ChatView> { return this.call('chats.createGroup', { title, memberIds }); }
  createChannel(title: string): Promise<ChatView> { return this.call('chats.createChannel', { title }); }
  members(chatId: number): Promise<MemberView[]> { return this.call('chats.members', { chatId }); }

  /** Sends text, or a media (`opts.mediaId`) with `text` as its optional caption. */
  send(chatId: number, text: string, opts: { randomId?: string; replyToId?: number; mediaId?: string } = {}): Promise<MessageView> {
    return this.call('messages.send', { chatId, text, randomId: opts.randomId ?? randomId(), ...(opts.replyToId ? { replyToId: opts.replyToId } : {}), ...(opts.mediaId ? { mediaId: opts.mediaId } : {}) });
  }
  history(chatId: number, opts: { beforeId?: number; limit?: number } = {}): Promise<MessageView[]> { return this.call('messages.history', { chatId, ...opts }); }
  edit(chatId: number, messageId: number, text: string): Promise<MessageView> { return this.call('messages.edit', { chatId, messageId, text }); }
  deleteMessages(chatId: number, messageIds: number[], forEveryone: boolean): Promise<{ ok: true }> { return this.call('messages.delete', { chatId, messageIds, forEveryone }); }
  markRead(chatId: number, maxId: number): Promise<{ ok: true }> { return this.call('messages.read', { chatId, maxId }); }
  contacts(): Promise<ContactView[]> { return this.call('contacts.list'); }
  difference(pts: number, limit?: number): Promise<{ updates: Update[]; pts: number; tooLong: boolean }> { return this.call('updates.difference', { pts, ...(limit ? { limit } : {}) }); }

  /** Uploads a file in parallel parts (resumable, deduplicated); send it with `send(chatId, caption, { mediaId })`. */
  uploadMedia(input: MediaUploadInput, opts: MediaUploadOptions = {}): Promise<MediaUploadResult> {
    return uploadMedia(this.baseUrl, this.token, input, opts);
  }
  uploadStatus(uploadId: string): Promise<UploadView> { return this.call('media.uploadStatus', { uploadId }); }
  cancelUpload(uploadId: string): Promise<unknown> { return this.call('media.cancelUpload', { uploadId }); }
  media(mediaId: string): Promise<MediaView> { return this.call('media.get', { mediaId }); }
  /** A signed, expiring URL for `<img>`/`<audio>`/`<video>` (absolute when the client has a base URL). */
  async mediaUrl(mediaId: string, variant: 'original' | 'thumb' = 'original'): Promise<{ url: string; expiresAt: number }> {
    const r = await this.call<{ url: string; expiresAt: number }>('media.url', { mediaId, variant });
    return { url: `${this.baseUrl.replace(/\/$/, '')}${r.url}`, expiresAt: r.expiresAt };
  }

  /** This account's call privacy settings (docs/calls.md). */
  callSettings(): Promise<CallSettingsView> { return this.call('calls.settings'); }
  updateCallSettings(p: Partial<CallSettingsView>): Promise<CallSettingsView> { return this.call('calls.updateSettings', p); }
  /** Fresh relay credentials (the call engine refreshes them during long calls). */
  callRelays(): Promise<{ relays: RelayServer[] }> { return this.call('calls.relays'); }
  /** This account's call log, newest first. */
  callLog(opts: { beforeId?: number; limit?: number } = {}): Promise<CallLogEntry[]> { return this.call('calls.log', opts); }

  /** Opens this device's update channel. */
  connect(opts: Omit<UpdateStreamOptions, 'url' | 'token' | 'WebSocket'>): UpdateStream {
    if (!this.token) throw new Error('log in first');
    if (!this.WebSocketImpl) throw new Error('no WebSocket implementation: pass one in ClientOptions');
    const url = `${this.baseUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/api/v1/updates`;
    return new UpdateStream({ ...opts, url, token: this.token, WebSocket: this.WebSocketImpl });
  }
}

/**
 * A client random id for idempotent sends (128 bits from the platform's CSPRNG). getRandomValues,
 * unlike randomUUID, also exists on plain-http pages that are not a secure context (a LAN address).
 */
export function randomId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
