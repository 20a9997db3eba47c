// The Store: the web client's state and the methods components call. The work behind the methods
// lives in plain functions over `StoreCore` (core.ts), one module per concern: session.ts (session,
// start, log-out, ban), sync.ts (full load, update stream, history), apply.ts (server updates into
// state), actions.ts (outbox, read marks, drafts, joining), persistence.ts (IndexedDB write-behind),
// route.ts (URL routes). This file keeps the fields, notifications and the read-only views.
import { ParleyClient, type Session, type UpdateStream } from '../../../src/client/index.js';
import type { AccountView, BanView, ChatView, MessageView, MemberView } from '../../../src/protocol/views.js';
import type { Update, ChannelUpdate } from '../../../src/protocol/updates.js';
import { detectLang, translate, type Key, type Lang } from '../i18n.js';
import type { ChatEntry, ConnState, LocalMessage, OutboxItem } from './types.js';
import { CallsState } from '../calls/calls-state.js';
import type { StoreCore } from './core.js';
import { Persistence } from './persistence.js';
import { parseRoute, type Route } from './route.js';
import * as session from './session.js';
import * as sync from './sync.js';
import * as apply from './apply.js';
import * as actions from './actions.js';

export { parseRoute, type Route } from './route.js';
export { WEB_CLIENT } from './session.js';

/**
 * The web client's state: one logged-in device, its chats and messages, the update stream and the
 * outbox. Components read fields directly and re-render on `subscribe` notifications.
 */
export class Store implements StoreCore {
  client: ParleyClient;
  session: Session | null = null;
  conn: ConnState = 'connecting';
  /** True while the first paint is waiting for the cache or the first load. */
  booting = true;
  chats = new Map<number, ChatEntry>();
  messages = new Map<number, LocalMessage[]>();
  /** Chats whose oldest message is loaded. */
  historyDone = new Set<number>();
  outbox: OutboxItem[] = [];
  typing = new Map<number, Map<number, number>>();
  accounts = new Map<number, AccountView>();
  members = new Map<number, MemberView[]>();
  blocked = new Set<number>();
  loggedOutReason: string | undefined;
  /** Set while the account is banned (issue 6): the app shows the notice and appeal screen instead. */
  ban: BanView | null = null;
  route: Route = parseRoute(location.pathname);
  toast: string | undefined;
  lang: Lang = detectLang();
  /** Calls (issue 4): this device's call engine, the ring, the call log (web/src/calls). */
  readonly calls: CallsState;

  /** @internal The account update log position the stored data covers (state/ helpers only). */
  pts = 0;
  /** @internal */
  stream: UpdateStream | undefined;
  /** @internal The IndexedDB write-behind. */
  readonly persist = new Persistence(this);
  /** @internal */
  flushing = false;
  /** @internal */
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** @internal */
  readSent = new Map<number, number>();

  private listeners = new Set<() => void>();
  private emitQueued = false;

  constructor(readonly baseUrl: string = location.origin) {
    this.client = new ParleyClient({ baseUrl });
    this.calls = new CallsState(this);
    // The call screen and incoming-call banners float over every screen: their own root, their own chunk.
    void import('../calls/overlay.js').then((m) => m.mountCallOverlay(this, this.calls));
    this.session = session.savedSession();
    if (this.session) this.client.token = this.session.token;
    window.addEventListener('popstate', () => {
      this.route = parseRoute(location.pathname);
      this.emit();
    });
    sync.watchNetwork(this);
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Batches change notifications to one per animation frame. */
  emit(): void {
    if (this.emitQueued) return;
    this.emitQueued = true;
    queueMicrotask(() => {
      this.emitQueued = false;
      for (const l of [...this.listeners]) l();
    });
  }

  t(key: Key, vars?: Record<string, string | number>): string {
    return translate(this.lang, key, vars);
  }

  setLang(lang: Lang): void {
    this.lang = lang;
    localStorage.setItem('parley.lang', lang);
    document.documentElement.lang = lang;
    this.emit();
  }

  get me(): AccountView | undefined {
    return this.session?.account;
  }

  navigate(path: string): void {
    if (location.pathname !== path) history.pushState(null, '', path);
    this.route = parseRoute(path);
    this.emit();
  }

  showToast(text: string): void {
    this.toast = text;
    this.emit();
    setTimeout(() => {
      if (this.toast === text) {
        this.toast = undefined;
        this.emit();
      }
    }, 4000);
  }

  // ---- session (session.ts) --------------------------------------------------------------

  adopt(s: Session): Promise<void> {
    return session.adopt(this, s);
  }

  /** Starts a logged-in session: cache first, then the network. */
  start(): Promise<void> {
    return session.start(this);
  }

  logout(reason?: string): Promise<void> {
    return session.logout(this, reason);
  }

  /** A revoked or disabled device is logged out at once; true when that happened. */
  handleAuthError(err: unknown): boolean {
    return session.handleAuthError(this, err);
  }

  /** The server refused us with account_banned: stop the stream, keep the outbox (nothing is dropped), show why. */
  enterBanned(): Promise<void> {
    return session.enterBanned(this);
  }

  /** Re-reads the ban; once lifted, the session starts again (queued messages go out then). */
  checkBan(): Promise<void> {
    return session.checkBan(this);
  }

  /** Sends the appeal (once per ban). */
  appeal(note: string): Promise<void> {
    return session.appeal(this, note);
  }

  // ---- loading and the update stream (sync.ts) -------------------------------------------

  /** @internal Loads state over HTTP: pts first, so every later change is replayed by the stream. */
  fullLoad(): Promise<void> {
    return sync.fullLoad(this);
  }

  /** @internal Opens the update stream from `pts`. */
  connect(pts: number): void {
    sync.connect(this, pts);
  }

  /** @internal Catches a channel up from its own sequence. */
  catchUpChannel(chatId: number): Promise<void> {
    return sync.catchUpChannel(this, chatId);
  }

  /** Older messages of a chat (history paging upward). */
  loadOlder(chatId: number): Promise<void> {
    return sync.loadOlder(this, chatId);
  }

  loadMembers(chatId: number): Promise<void> {
    return sync.loadMembers(this, chatId);
  }

  // ---- updates (apply.ts) ----------------------------------------------------------------

  applyUpdate(u: Update): void {
    apply.applyUpdate(this, u);
  }

  applyChannel(u: ChannelUpdate): void {
    apply.applyChannel(this, u);
  }

  /** Inserts or replaces messages by id, keeps the list sorted, and settles matching outbox entries. */
  mergeMessages(chatId: number, incoming: MessageView[]): void {
    apply.mergeMessages(this, chatId, incoming);
  }

  /** Applies a chat returned by an action (create, open) at once, without waiting for its update. */
  upsertChat(view: ChatView): void {
    apply.upsertChat(this, view);
  }

  // ---- views -----------------------------------------------------------------------------

  /** Messages to display: server messages then this chat's outbox entries. */
  displayed(chatId: number): LocalMessage[] {
    const list = this.messages.get(chatId) ?? [];
    const pending = this.outbox.filter((o) => o.chatId === chatId);
    if (!pending.length) return list;
    const lastId = list[list.length - 1]?.id ?? 0;
    return [...list, ...pending.map((o, i): LocalMessage => ({
      chatId, id: lastId + 0.001 * (i + 1), senderId: this.me?.id ?? 0, randomId: o.randomId, text: o.text, replyToId: o.replyToId,
      forwardedFrom: null, createdAt: o.createdAt, editedAt: null, deleted: false, media: null, pending: true, ...(o.failed ? { failed: o.failed } : {}),
    }))];
  }

  typingIn(chatId: number): number[] {
    const m = this.typing.get(chatId);
    if (!m) return [];
    const now = Date.now();
    return [...m].filter(([, until]) => until > now).map(([id]) => id);
  }

  unread(c: ChatEntry): number {
    if (c.lastMessage && c.lastMessage.senderId === this.me?.id) return 0;
    return Math.max(0, c.lastMessageId - c.readMaxId);
  }

  nameOf(accountId: number): string {
    if (accountId === this.me?.id) return this.me.displayName || this.me.username;
    const a = this.accounts.get(accountId) ?? [...this.chats.values()].find((c) => c.peer?.id === accountId)?.peer;
    return a ? a.displayName || a.username : `#${accountId}`;
  }

  // ---- actions (actions.ts) --------------------------------------------------------------

  /** Queues a message; the outbox sends it (now or when back online) with its random id. */
  send(chatId: number, text: string, replyToId: number | null): void {
    actions.send(this, chatId, text, replyToId);
  }

  /** Sends outbox entries one at a time, in order; network errors leave them queued. */
  flushOutbox(): Promise<void> {
    return actions.flushOutbox(this);
  }

  discardFailed(randomIdValue: string): void {
    actions.discardFailed(this, randomIdValue);
  }

  markRead(chatId: number): void {
    actions.markRead(this, chatId);
  }

  saveDraft(chatId: number, text: string): void {
    actions.saveDraft(this, chatId, text);
  }

  /** Subscribes to a channel from its invite link (/join/<id>). */
  joinChannel(chatId: number): Promise<void> {
    return actions.joinChannel(this, chatId);
  }

  // ---- persistence (persistence.ts) ------------------------------------------------------

  /** Marks a chat's messages for the next cache save. */
  touch(chatId: number): void {
    this.persist.touch(chatId);
  }
}
