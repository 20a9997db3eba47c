// Getting the server's state into the Store: the full load over HTTP, the update stream (connect,
// connection state, typing events, resync), channel catch-up, paging history and members, and the
// browser's online/offline events. Applying what arrives is apply.ts. Plain functions over `StoreCore`.
import type { AccountView } from '../../../src/protocol/views.js';
import type { ChannelUpdate } from '../../../src/protocol/updates.js';
import type { StoreCore } from './core.js';

/** Messages per history page. */
const PAGE = 50;

/** Loads state over HTTP: pts first, so every later change is replayed by the stream. */
export async function fullLoad(s: StoreCore): Promise<void> {
  const { pts } = await s.client.call<{ pts: number }>('updates.state');
  const [chats, drafts, blocked] = await Promise.all([
    s.client.chats(),
    s.client.call<Array<{ chatId: number; text: string }>>('drafts.list'),
    s.client.call<AccountView[]>('blocks.list'),
  ]);
  const old = s.chats;
  s.chats = new Map();
  // Each view carries its last visible message, so the list needs no history call per chat.
  for (const c of chats) s.chats.set(c.id, { ...old.get(c.id), ...c, channelPts: c.pts });
  for (const d of drafts) {
    const c = s.chats.get(d.chatId);
    if (c) c.draft = d.text;
  }
  for (const id of old.keys()) if (!s.chats.has(id)) s.persist.removed(id);
  // Cached messages that do not end at the chat's last message may hide a gap (a resync after a
  // long absence): drop them; the conversation loads its newest page when opened.
  for (const [id, list] of s.messages) {
    const last = list[list.length - 1];
    if (last && last.id === s.chats.get(id)?.lastMessage?.id) continue;
    s.messages.delete(id);
    s.historyDone.delete(id);
    if (s.route.name === 'chats' && s.route.chatId === id) void s.loadOlder(id);
  }
  s.blocked = new Set(blocked.map((a) => a.id));
  s.pts = pts;
  for (const id of s.chats.keys()) s.touch(id);
  s.persist.schedule();
}

/** Opens the update stream from `pts` (closing any previous one) and routes what it delivers. */
export function connect(s: StoreCore, pts: number): void {
  s.stream?.close();
  s.conn = 'connecting';
  s.stream = s.client.connect({
    pts,
    onUpdate: (u) => s.applyUpdate(u),
    onChannel: (u) => s.applyChannel(u),
    onEvent: (type, data) => {
      if (type !== 'typing') return s.calls.handleEvent(type, data);
      if (data.accountId !== s.me?.id) {
        let m = s.typing.get(data.chatId);
        if (!m) s.typing.set(data.chatId, (m = new Map()));
        m.set(data.accountId, Date.now() + 6000);
        s.emit();
        setTimeout(() => s.emit(), 6100);
      }
    },
    onResync: (newPts) => {
      void s.fullLoad().then(() => {
        s.pts = newPts;
        s.persist.schedule();
        s.emit();
      });
    },
    onState: (state, detail) => {
      if (state === 'closed' && detail?.code === 4403 && detail.reason === 'account_banned') {
        void s.enterBanned();
        return;
      }
      if (state === 'closed' && detail?.code !== undefined && (detail.code === 4401 || detail.code === 4403)) {
        void s.logout('device_revoked');
        return;
      }
      s.conn = state === 'closed' || (state === 'connecting' && !navigator.onLine) ? 'offline' : state;
      s.emit();
      if (state === 'online') void onOnline(s);
    },
  });
}

/**
 * The browser knows about a dropped network before a WebSocket notices: show it at once, and
 * reconnect (resuming from our pts) as soon as the network is back rather than after backoff.
 */
export function watchNetwork(s: StoreCore): void {
  window.addEventListener('offline', () => {
    if (!s.session) return;
    s.conn = 'offline';
    s.stream?.drop();
    s.emit();
  });
  window.addEventListener('online', () => {
    if (!s.session || s.booting) return;
    s.connect(s.stream?.pts ?? s.pts);
    void s.flushOutbox();
  });
}

async function onOnline(s: StoreCore): Promise<void> {
  void s.flushOutbox();
  // Channel posts are not in the account log: catch up each channel from its own sequence.
  for (const c of [...s.chats.values()].filter((x) => x.type === 'channel')) void s.catchUpChannel(c.id);
}

/** Applies a channel's posts since the channel pts we have (`chats.difference`), or reloads it when too far behind. */
export async function catchUpChannel(s: StoreCore, chatId: number): Promise<void> {
  const c = s.chats.get(chatId);
  if (!c) return;
  try {
    let from = c.channelPts ?? c.pts;
    for (let i = 0; i < 20; i++) {
      const d = await s.client.call<{ updates: ChannelUpdate[]; pts: number; tooLong: boolean }>('chats.difference', { chatId, pts: from });
      if (d.tooLong) {
        const page = await s.client.history(chatId, { limit: PAGE });
        s.messages.delete(chatId);
        s.historyDone.delete(chatId);
        s.mergeMessages(chatId, page);
        const fresh = await s.client.chat(chatId);
        s.chats.set(chatId, { ...s.chats.get(chatId), ...fresh, channelPts: d.pts });
        s.touch(chatId);
        return;
      }
      for (const u of d.updates) s.applyChannel(u);
      if (!d.updates.length) return;
      from = d.updates[d.updates.length - 1]!.pts;
    }
  } catch {
    // Next reconnect tries again.
  }
}

/** Older messages of a chat (history paging upward). */
export async function loadOlder(s: StoreCore, chatId: number): Promise<void> {
  if (s.historyDone.has(chatId)) return;
  const list = (s.messages.get(chatId) ?? []).filter((m) => !m.pending);
  const oldest = list[0]?.id;
  try {
    const page = await s.client.history(chatId, { ...(oldest ? { beforeId: oldest } : {}), limit: PAGE });
    if (page.length < PAGE) s.historyDone.add(chatId);
    s.mergeMessages(chatId, page);
    s.emit();
  } catch (err) {
    s.handleAuthError(err);
  }
}

/** The members of a group (and their accounts, for names). */
export async function loadMembers(s: StoreCore, chatId: number): Promise<void> {
  try {
    const members = await s.client.members(chatId);
    s.members.set(chatId, members);
    for (const m of members) s.accounts.set(m.account.id, m.account);
    s.emit();
  } catch {
    // Channel subscribers cannot list members: fine.
  }
}
