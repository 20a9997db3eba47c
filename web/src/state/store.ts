import { ParleyClient, ApiError, randomId, type Session, type UpdateStream } from '../../../src/client/index.js';
import type { AccountView, BanView, ChatView, MessageView, MemberView } from '../../../src/protocol/views.js';
import type { Update, ChannelUpdate } from '../../../src/protocol/updates.js';
import { Cache } from './cache.js';
import { detectLang, translate, type Key, type Lang } from '../i18n.js';
import type { ChatEntry, ConnState, LocalMessage, OutboxItem } from './types.js';
import { CallsState } from '../calls/calls-state.js';

const SESSION_KEY = 'parley.session';
const PAGE = 50;

export type Route = { name: 'chats'; chatId?: number } | { name: 'settings'; section?: string } | { name: 'join'; chatId: number };

/**
 * The web client's state: one logged-in device, its chats and messages, the update stream and the
 * outbox. Components read fields directly and re-render on `subscribe` notifications.
 */
/** How the web client identifies itself at log-in (the server's abuse shield tells official clients apart). */
export const WEB_CLIENT = 'parley-web/1';

export class Store {
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

  private stream: UpdateStream | undefined;
  private cache: Cache | undefined;
  private pts = 0;
  private listeners = new Set<() => void>();
  private emitQueued = false;
  private dirtyChats = new Set<number>();
  private removedChats = new Set<number>();
  private saveTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private flushing = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readSent = new Map<number, number>();

  constructor(readonly baseUrl: string = location.origin) {
    this.client = new ParleyClient({ baseUrl });
    this.calls = new CallsState(this);
    // The call screen and incoming-call banners float over every screen: their own root, their own chunk.
    void import('../calls/overlay.js').then((m) => m.mountCallOverlay(this, this.calls));
    const raw = localStorage.getItem(SESSION_KEY);
    if (raw) {
      try {
        this.session = JSON.parse(raw) as Session;
        this.client.token = this.session.token;
      } catch {
        localStorage.removeItem(SESSION_KEY);
      }
    }
    window.addEventListener('popstate', () => {
      this.route = parseRoute(location.pathname);
      this.emit();
    });
    // The browser knows about a dropped network before a WebSocket notices: show it at once, and
    // reconnect (resuming from our pts) as soon as the network is back rather than after backoff.
    window.addEventListener('offline', () => {
      if (!this.session) return;
      this.conn = 'offline';
      this.stream?.drop();
      this.emit();
    });
    window.addEventListener('online', () => {
      if (!this.session || this.booting) return;
      this.connect(this.stream?.pts ?? this.pts);
      void this.flushOutbox();
    });
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

  // ---- session ---------------------------------------------------------------------------

  async adopt(session: Session): Promise<void> {
    this.session = session;
    this.client.token = session.token;
    this.loggedOutReason = undefined;
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    this.navigate('/');
    await this.start();
  }

  /** Starts a logged-in session: cache first, then the network. */
  async start(): Promise<void> {
    const session = this.session;
    if (!session) {
      this.booting = false;
      this.emit();
      return;
    }
    this.cache ??= await Cache.open();
    const cached = await this.cache?.load(session.account.id).catch(() => undefined);
    if (cached) {
      const { snapshot } = cached;
      this.pts = snapshot.pts;
      for (const c of snapshot.chats) this.chats.set(c.id, c);
      this.messages = cached.messages;
      this.outbox = snapshot.outbox;
      this.booting = false;
      this.emit();
      this.connect(this.pts);
      return;
    }
    await this.cache?.clear().catch(() => undefined);
    for (;;) {
      try {
        await this.fullLoad();
        break;
      } catch (err) {
        if (this.handleAuthError(err)) return;
        this.conn = 'offline';
        this.emit();
        await sleep(2000);
      }
    }
    this.booting = false;
    this.emit();
    this.connect(this.pts);
  }

  async logout(reason?: string): Promise<void> {
    const wasLoggedIn = !!this.session;
    this.stream?.close();
    this.stream = undefined;
    this.calls.reset();
    if (!reason && wasLoggedIn) await this.client.logout().catch(() => undefined);
    localStorage.removeItem(SESSION_KEY);
    await this.cache?.clear().catch(() => undefined);
    this.session = null;
    this.client.token = undefined;
    this.chats.clear();
    this.messages.clear();
    this.outbox = [];
    this.historyDone.clear();
    this.pts = 0;
    this.loggedOutReason = reason;
    this.ban = null;
    this.navigate('/');
  }

  /** A revoked or disabled device is logged out at once; true when that happened. */
  handleAuthError(err: unknown): boolean {
    if (err instanceof ApiError && err.code === 'account_banned') {
      void this.enterBanned();
      return true;
    }
    if (err instanceof ApiError && (err.code === 'device_revoked' || err.code === 'unauthorized' || err.code === 'account_disabled')) {
      void this.logout(err.code);
      return true;
    }
    return false;
  }

  // ---- ban notice and appeal (issue 6) ----------------------------------------------------

  /** The server refused us with account_banned: stop the stream, keep the outbox (nothing is dropped), show why. */
  async enterBanned(): Promise<void> {
    this.stream?.close();
    this.stream = undefined;
    this.booting = false;
    await this.checkBan();
  }

  /** Re-reads the ban; once lifted, the session starts again (queued messages go out then). */
  async checkBan(): Promise<void> {
    try {
      const ban = await this.client.call<BanView>('shield.status');
      const wasBanned = !!this.ban?.banned;
      this.ban = ban;
      this.emit();
      if (!ban.banned && (wasBanned || !this.stream)) {
        if (wasBanned) this.showToast(this.t('ban_reinstated'));
        await this.start();
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'account_banned')) this.handleAuthError(err);
    }
  }

  /** Sends the appeal (once per ban). */
  async appeal(note: string): Promise<void> {
    this.ban = await this.client.call<BanView>('shield.appeal', note.trim() ? { note: note.trim() } : {});
    this.emit();
  }

  // ---- loading ---------------------------------------------------------------------------

  /** Loads state over HTTP: pts first, so every later change is replayed by the stream. */
  private async fullLoad(): Promise<void> {
    const { pts } = await this.client.call<{ pts: number }>('updates.state');
    const [chats, drafts, blocked] = await Promise.all([
      this.client.chats(),
      this.client.call<Array<{ chatId: number; text: string }>>('drafts.list'),
      this.client.call<AccountView[]>('blocks.list'),
    ]);
    const old = this.chats;
    this.chats = new Map();
    // Each view carries its last visible message, so the list needs no history call per chat.
    for (const c of chats) this.chats.set(c.id, { ...old.get(c.id), ...c, channelPts: c.pts });
    for (const d of drafts) {
      const c = this.chats.get(d.chatId);
      if (c) c.draft = d.text;
    }
    for (const id of old.keys()) if (!this.chats.has(id)) this.removedChats.add(id);
    // Cached messages that do not end at the chat's last message may hide a gap (a resync after a
    // long absence): drop them; the conversation loads its newest page when opened.
    for (const [id, list] of this.messages) {
      const last = list[list.length - 1];
      if (last && last.id === this.chats.get(id)?.lastMessage?.id) continue;
      this.messages.delete(id);
      this.historyDone.delete(id);
      if (this.route.name === 'chats' && this.route.chatId === id) void this.loadOlder(id);
    }
    this.blocked = new Set(blocked.map((a) => a.id));
    this.pts = pts;
    for (const id of this.chats.keys()) this.dirtyChats.add(id);
    this.scheduleSave();
  }

  private connect(pts: number): void {
    this.stream?.close();
    this.conn = 'connecting';
    this.stream = this.client.connect({
      pts,
      onUpdate: (u) => this.applyUpdate(u),
      onChannel: (u) => this.applyChannel(u),
      onEvent: (type, data) => {
        if (type !== 'typing') return this.calls.handleEvent(type, data);
        if (data.accountId !== this.me?.id) {
          let m = this.typing.get(data.chatId);
          if (!m) this.typing.set(data.chatId, (m = new Map()));
          m.set(data.accountId, Date.now() + 6000);
          this.emit();
          setTimeout(() => this.emit(), 6100);
        }
      },
      onResync: (newPts) => {
        void this.fullLoad().then(() => {
          this.pts = newPts;
          this.scheduleSave();
          this.emit();
        });
      },
      onState: (state, detail) => {
        if (state === 'closed' && detail?.code === 4403 && detail.reason === 'account_banned') {
          void this.enterBanned();
          return;
        }
        if (state === 'closed' && detail?.code !== undefined && (detail.code === 4401 || detail.code === 4403)) {
          void this.logout('device_revoked');
          return;
        }
        this.conn = state === 'closed' || (state === 'connecting' && !navigator.onLine) ? 'offline' : state;
        this.emit();
        if (state === 'online') void this.onOnline();
      },
    });
  }

  private async onOnline(): Promise<void> {
    void this.flushOutbox();
    // Channel posts are not in the account log: catch up each channel from its own sequence.
    for (const c of [...this.chats.values()].filter((x) => x.type === 'channel')) void this.catchUpChannel(c.id);
  }

  private async catchUpChannel(chatId: number): Promise<void> {
    const c = this.chats.get(chatId);
    if (!c) return;
    try {
      let from = c.channelPts ?? c.pts;
      for (let i = 0; i < 20; i++) {
        const d = await this.client.call<{ updates: ChannelUpdate[]; pts: number; tooLong: boolean }>('chats.difference', { chatId, pts: from });
        if (d.tooLong) {
          const page = await this.client.history(chatId, { limit: PAGE });
          this.messages.delete(chatId);
          this.historyDone.delete(chatId);
          this.mergeMessages(chatId, page);
          const fresh = await this.client.chat(chatId);
          this.chats.set(chatId, { ...this.chats.get(chatId), ...fresh, channelPts: d.pts });
          this.touch(chatId);
          return;
        }
        for (const u of d.updates) this.applyChannel(u);
        if (!d.updates.length) return;
        from = d.updates[d.updates.length - 1]!.pts;
      }
    } catch {
      // Next reconnect tries again.
    }
  }

  /** Older messages of a chat (history paging upward). */
  async loadOlder(chatId: number): Promise<void> {
    if (this.historyDone.has(chatId)) return;
    const list = (this.messages.get(chatId) ?? []).filter((m) => !m.pending);
    const oldest = list[0]?.id;
    try {
      const page = await this.client.history(chatId, { ...(oldest ? { beforeId: oldest } : {}), limit: PAGE });
      if (page.length < PAGE) this.historyDone.add(chatId);
      this.mergeMessages(chatId, page);
      this.emit();
    } catch (err) {
      this.handleAuthError(err);
    }
  }

  async loadMembers(chatId: number): Promise<void> {
    try {
      const members = await this.client.members(chatId);
      this.members.set(chatId, members);
      for (const m of members) this.accounts.set(m.account.id, m.account);
      this.emit();
    } catch {
      // Channel subscribers cannot list members: fine.
    }
  }

  // ---- updates ---------------------------------------------------------------------------

  applyUpdate(u: Update): void {
    switch (u.type) {
      case 'message.new':
      case 'message.edited':
        this.onMessage(u.data.message);
        break;
      case 'message.deleted':
        this.onDeleted(u.data.chatId, u.data.messageIds, u.data.forEveryone);
        break;
      case 'chat.read': {
        const c = this.chats.get(u.data.chatId);
        if (c) {
          if (u.data.accountId === this.me?.id) c.readMaxId = Math.max(c.readMaxId, u.data.maxId);
          else c.peerReadMaxId = Math.max(c.peerReadMaxId ?? 0, u.data.maxId);
          this.touch(c.id);
        }
        break;
      }
      case 'chat.updated':
        this.onChatView(u.data.chat);
        break;
      case 'chat.member': {
        const d = u.data;
        if (d.accountId === this.me?.id && (d.change === 'removed' || d.change === 'left')) {
          this.chats.delete(d.chatId);
          this.messages.delete(d.chatId);
          this.removedChats.add(d.chatId);
          if (this.route.name === 'chats' && this.route.chatId === d.chatId) this.navigate('/');
        } else {
          if (this.members.has(d.chatId)) void this.loadMembers(d.chatId);
          void this.client.chat(d.chatId).then((c) => this.onChatView(c)).catch(() => undefined);
        }
        break;
      }
      case 'draft': {
        const c = this.chats.get(u.data.chatId);
        if (c) {
          c.draft = u.data.text;
          this.touch(c.id);
        }
        break;
      }
      case 'block':
        if (u.data.blocked) this.blocked.add(u.data.accountId);
        else this.blocked.delete(u.data.accountId);
        break;
      case 'contact':
        break;
      case 'call.log':
        this.calls.onLogEntry(u.data.entry);
        break;
    }
    this.pts = u.pts;
    this.scheduleSave();
    this.emit();
  }

  applyChannel(u: ChannelUpdate): void {
    const c = this.chats.get(u.chatId);
    if (!c) return;
    const have = c.channelPts ?? 0;
    if (u.pts <= have) return;
    if (u.pts > have + 1) {
      void this.catchUpChannel(u.chatId);
      return;
    }
    c.channelPts = u.pts;
    if (u.type === 'message.deleted') {
      const d = u.data as { chatId: number; messageIds: number[]; forEveryone: boolean };
      this.onDeleted(u.chatId, d.messageIds, true);
    } else {
      this.onMessage((u.data as { message: MessageView }).message);
    }
    this.touch(u.chatId);
    this.scheduleSave();
    this.emit();
  }

  private onChatView(view: ChatView): void {
    const prev = this.chats.get(view.id);
    const next: ChatEntry = { ...prev, ...view, channelPts: prev?.channelPts ?? view.pts };
    if (prev) next.lastMessageId = Math.max(prev.lastMessageId, view.lastMessageId);
    // A view from the log (or a channel rename) may be older than messages we already applied.
    if (prev?.lastMessage && (!view.lastMessage || prev.lastMessage.id > view.lastMessage.id)) next.lastMessage = prev.lastMessage;
    this.chats.set(view.id, next);
    this.touch(view.id);
  }

  private onMessage(m: MessageView): void {
    this.typing.get(m.chatId)?.delete(m.senderId);
    if (!this.chats.has(m.chatId)) {
      // A chat we did not know yet (someone wrote first, or added us).
      void this.client.chat(m.chatId).then((c) => {
        this.onChatView(c);
        this.mergeMessages(m.chatId, [m]);
        this.emit();
      }).catch(() => undefined);
      return;
    }
    this.mergeMessages(m.chatId, [m]);
  }

  private onDeleted(chatId: number, ids: number[], forEveryone: boolean): void {
    const list = this.messages.get(chatId);
    const gone = new Set(ids);
    if (list) {
      this.messages.set(chatId, forEveryone ? list.map((m) => (gone.has(m.id) ? { ...m, deleted: true, text: '' } : m)).filter((m) => !m.deleted) : list.filter((m) => !gone.has(m.id)));
    }
    const c = this.chats.get(chatId);
    if (c?.lastMessage && gone.has(c.lastMessage.id)) {
      const rest = (this.messages.get(chatId) ?? []).filter((m) => !m.pending);
      c.lastMessage = rest[rest.length - 1] ?? null;
      // History not loaded here: the server knows the message before it.
      if (!c.lastMessage) void this.client.chat(chatId).then((v) => { this.onChatView(v); this.scheduleSave(); this.emit(); }).catch(() => undefined);
    }
    this.touch(chatId);
  }

  /** Inserts or replaces messages by id, keeps the list sorted, and settles matching outbox entries. */
  mergeMessages(chatId: number, incoming: MessageView[]): void {
    if (!incoming.length) return;
    const list = (this.messages.get(chatId) ?? []).filter((m) => !m.pending);
    const byId = new Map(list.map((m) => [m.id, m] as const));
    for (const m of incoming) {
      if (m.deleted) byId.delete(m.id);
      else byId.set(m.id, m);
    }
    const sorted = [...byId.values()].sort((a, b) => a.id - b.id);
    this.messages.set(chatId, sorted);
    const randoms = new Set(incoming.map((m) => m.randomId));
    const before = this.outbox.length;
    this.outbox = this.outbox.filter((o) => !(o.chatId === chatId && randoms.has(o.randomId)));
    const c = this.chats.get(chatId);
    if (c) {
      const last = sorted[sorted.length - 1];
      if (last && (!c.lastMessage || last.id >= c.lastMessage.id)) c.lastMessage = last;
      if (last) c.lastMessageId = Math.max(c.lastMessageId, last.id);
      if (last && last.senderId === this.me?.id) c.readMaxId = Math.max(c.readMaxId, last.id);
    }
    if (before !== this.outbox.length) this.scheduleSave(true);
    this.touch(chatId);
  }

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

  // ---- actions ---------------------------------------------------------------------------

  /** Queues a message; the outbox sends it (now or when back online) with its random id. */
  send(chatId: number, text: string, replyToId: number | null): void {
    this.outbox.push({ randomId: randomId(), chatId, text, replyToId, createdAt: Date.now() });
    const c = this.chats.get(chatId);
    if (c?.draft) {
      c.draft = '';
      void this.client.call('drafts.save', { chatId, text: '' }).catch(() => undefined);
    }
    this.touch(chatId);
    this.scheduleSave(true);
    this.emit();
    void this.flushOutbox();
  }

  /** Sends outbox entries one at a time, in order; network errors leave them queued. */
  async flushOutbox(): Promise<void> {
    if (this.flushing || !this.session) return;
    this.flushing = true;
    clearTimeout(this.retryTimer);
    try {
      for (;;) {
        const item = this.outbox.find((o) => !o.failed);
        if (!item) break;
        try {
          const m = await this.client.send(item.chatId, item.text, { randomId: item.randomId, ...(item.replyToId ? { replyToId: item.replyToId } : {}) });
          this.mergeMessages(item.chatId, [m]);
          this.emit();
        } catch (err) {
          if (this.handleAuthError(err)) return;
          if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
            item.failed = err.code;
            this.scheduleSave(true);
            this.emit();
            continue;
          }
          // Offline or server down: retry soon, same random id, same order.
          this.retryTimer = setTimeout(() => void this.flushOutbox(), 1500);
          break;
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  discardFailed(randomIdValue: string): void {
    this.outbox = this.outbox.filter((o) => o.randomId !== randomIdValue);
    this.scheduleSave(true);
    this.emit();
  }

  markRead(chatId: number): void {
    const c = this.chats.get(chatId);
    if (!c || c.lastMessageId <= c.readMaxId) return;
    const maxId = c.lastMessageId;
    if ((this.readSent.get(chatId) ?? 0) >= maxId) return;
    this.readSent.set(chatId, maxId);
    c.readMaxId = maxId;
    this.touch(chatId);
    this.emit();
    void this.client.markRead(chatId, maxId).catch(() => this.readSent.delete(chatId));
  }

  saveDraft(chatId: number, text: string): void {
    const c = this.chats.get(chatId);
    if (!c || (c.draft ?? '') === text) return;
    c.draft = text;
    this.touch(chatId);
    void this.client.call('drafts.save', { chatId, text }).catch(() => undefined);
  }

  /** Subscribes to a channel from its invite link (/join/<id>). */
  async joinChannel(chatId: number): Promise<void> {
    try {
      this.upsertChat(await this.client.call<ChatView>('chats.join', { chatId }));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'member_exists')) {
        this.navigate('/');
        this.showToast(err instanceof ApiError ? err.message.replace(/^[a-z_]+: /, '') : this.t('err_network'));
        return;
      }
    }
    history.replaceState(null, '', `/chat/${chatId}`);
    this.route = { name: 'chats', chatId };
    void this.catchUpChannel(chatId);
    this.emit();
  }

  /** Applies a chat returned by an action (create, open) at once, without waiting for its update. */
  upsertChat(view: ChatView): void {
    this.onChatView(view);
    this.scheduleSave();
    this.emit();
  }

  // ---- persistence -----------------------------------------------------------------------

  touch(chatId: number): void {
    this.dirtyChats.add(chatId);
  }

  private scheduleSave(now = false): void {
    if (!this.cache || !this.session) return;
    if (this.saveTimer !== undefined && !now) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, now ? 0 : 200);
  }

  private async save(): Promise<void> {
    if (!this.cache || !this.session) return;
    const changed = new Map<number, MessageView[]>();
    for (const id of this.dirtyChats) {
      const list = this.messages.get(id);
      // A chat without a list in memory has none in the cache either (dropped, or never loaded).
      changed.set(id, (list ?? []).filter((m) => !m.pending));
    }
    const removed = [...this.removedChats];
    this.dirtyChats.clear();
    this.removedChats.clear();
    try {
      await this.cache.save({ accountId: this.session.account.id, pts: this.pts, chats: [...this.chats.values()], outbox: this.outbox }, changed, removed);
    } catch {
      for (const id of changed.keys()) this.dirtyChats.add(id);
    }
  }
}

export function parseRoute(path: string): Route {
  const chat = /^\/chat\/(\d+)/.exec(path);
  if (chat) return { name: 'chats', chatId: Number(chat[1]) };
  const join = /^\/join\/(\d+)/.exec(path);
  if (join) return { name: 'join', chatId: Number(join[1]) };
  const settings = /^\/settings(?:\/([a-z-]+))?/.exec(path);
  if (settings) return settings[1] ? { name: 'settings', section: settings[1] } : { name: 'settings' };
  return { name: 'chats' };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
