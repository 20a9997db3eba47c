// Applying the server's changes to the Store: account updates (pts-ordered log), channel posts
// (per-channel sequence), chat views returned by actions, and the message-list merge that also
// settles outbox entries. Plain functions over `StoreCore`; the Store's methods call them.
import type { ChatView, MessageView } from '../../../src/protocol/views.js';
import type { Update, ChannelUpdate } from '../../../src/protocol/updates.js';
import type { StoreCore } from './core.js';
import type { ChatEntry } from './types.js';

/** Applies one update of the account's log and advances the pts. */
export function applyUpdate(s: StoreCore, u: Update): void {
  switch (u.type) {
    case 'message.new':
    case 'message.edited':
      onMessage(s, u.data.message);
      break;
    case 'message.deleted':
      onDeleted(s, u.data.chatId, u.data.messageIds, u.data.forEveryone);
      break;
    case 'chat.read': {
      const c = s.chats.get(u.data.chatId);
      if (c) {
        if (u.data.accountId === s.me?.id) c.readMaxId = Math.max(c.readMaxId, u.data.maxId);
        else c.peerReadMaxId = Math.max(c.peerReadMaxId ?? 0, u.data.maxId);
        s.touch(c.id);
      }
      break;
    }
    case 'chat.updated':
      onChatView(s, u.data.chat);
      break;
    case 'chat.member': {
      const d = u.data;
      if (d.accountId === s.me?.id && (d.change === 'removed' || d.change === 'left')) {
        s.chats.delete(d.chatId);
        s.messages.delete(d.chatId);
        s.persist.removed(d.chatId);
        if (s.route.name === 'chats' && s.route.chatId === d.chatId) s.navigate('/');
      } else {
        if (s.members.has(d.chatId)) void s.loadMembers(d.chatId);
        void s.client.chat(d.chatId).then((c) => onChatView(s, c)).catch(() => undefined);
      }
      break;
    }
    case 'draft': {
      const c = s.chats.get(u.data.chatId);
      if (c) {
        c.draft = u.data.text;
        s.touch(c.id);
      }
      break;
    }
    case 'block':
      if (u.data.blocked) s.blocked.add(u.data.accountId);
      else s.blocked.delete(u.data.accountId);
      break;
    case 'contact':
      break;
    case 'call.log':
      s.calls.onLogEntry(u.data.entry);
      break;
    case 'call.settings':
      s.calls.onSettings(u.data.settings);
      break;
  }
  s.pts = u.pts;
  s.persist.schedule();
  s.emit();
}

/** Applies a channel post or deletion in sequence; a gap fetches what is missing first. */
export function applyChannel(s: StoreCore, u: ChannelUpdate): void {
  const c = s.chats.get(u.chatId);
  if (!c) return;
  const have = c.channelPts ?? 0;
  if (u.pts <= have) return;
  if (u.pts > have + 1) {
    void s.catchUpChannel(u.chatId);
    return;
  }
  c.channelPts = u.pts;
  if (u.type === 'message.deleted') {
    const d = u.data as { chatId: number; messageIds: number[]; forEveryone: boolean };
    onDeleted(s, u.chatId, d.messageIds, true);
  } else {
    onMessage(s, (u.data as { message: MessageView }).message);
  }
  s.touch(u.chatId);
  s.persist.schedule();
  s.emit();
}

/** Applies a chat returned by an action (create, open) at once, without waiting for its update. */
export function upsertChat(s: StoreCore, view: ChatView): void {
  onChatView(s, view);
  s.persist.schedule();
  s.emit();
}

function onChatView(s: StoreCore, view: ChatView): void {
  const prev = s.chats.get(view.id);
  const next: ChatEntry = { ...prev, ...view, channelPts: prev?.channelPts ?? view.pts };
  if (prev) next.lastMessageId = Math.max(prev.lastMessageId, view.lastMessageId);
  // A view from the log (or a channel rename) may be older than messages we already applied.
  if (prev?.lastMessage && (!view.lastMessage || prev.lastMessage.id > view.lastMessage.id)) next.lastMessage = prev.lastMessage;
  s.chats.set(view.id, next);
  s.touch(view.id);
}

function onMessage(s: StoreCore, m: MessageView): void {
  s.typing.get(m.chatId)?.delete(m.senderId);
  if (!s.chats.has(m.chatId)) {
    // A chat we did not know yet (someone wrote first, or added us).
    void s.client.chat(m.chatId).then((c) => {
      onChatView(s, c);
      mergeMessages(s, m.chatId, [m]);
      s.emit();
    }).catch(() => undefined);
    return;
  }
  mergeMessages(s, m.chatId, [m]);
}

function onDeleted(s: StoreCore, chatId: number, ids: number[], forEveryone: boolean): void {
  const list = s.messages.get(chatId);
  const gone = new Set(ids);
  if (list) {
    s.messages.set(chatId, forEveryone ? list.map((m) => (gone.has(m.id) ? { ...m, deleted: true, text: '' } : m)).filter((m) => !m.deleted) : list.filter((m) => !gone.has(m.id)));
  }
  const c = s.chats.get(chatId);
  if (c?.lastMessage && gone.has(c.lastMessage.id)) {
    const rest = (s.messages.get(chatId) ?? []).filter((m) => !m.pending);
    c.lastMessage = rest[rest.length - 1] ?? null;
    // History not loaded here: the server knows the message before it.
    if (!c.lastMessage) void s.client.chat(chatId).then((v) => { onChatView(s, v); s.persist.schedule(); s.emit(); }).catch(() => undefined);
  }
  s.touch(chatId);
}

/** Inserts or replaces messages by id, keeps the list sorted, and settles matching outbox entries. */
export function mergeMessages(s: StoreCore, chatId: number, incoming: MessageView[]): void {
  if (!incoming.length) return;
  const list = (s.messages.get(chatId) ?? []).filter((m) => !m.pending);
  const byId = new Map(list.map((m) => [m.id, m] as const));
  for (const m of incoming) {
    if (m.deleted) byId.delete(m.id);
    else byId.set(m.id, m);
  }
  const sorted = [...byId.values()].sort((a, b) => a.id - b.id);
  s.messages.set(chatId, sorted);
  const randoms = new Set(incoming.map((m) => m.randomId));
  const before = s.outbox.length;
  s.outbox = s.outbox.filter((o) => !(o.chatId === chatId && randoms.has(o.randomId)));
  const c = s.chats.get(chatId);
  if (c) {
    const last = sorted[sorted.length - 1];
    if (last && (!c.lastMessage || last.id >= c.lastMessage.id)) c.lastMessage = last;
    if (last) c.lastMessageId = Math.max(c.lastMessageId, last.id);
    if (last && last.senderId === s.me?.id) c.readMaxId = Math.max(c.readMaxId, last.id);
  }
  if (before !== s.outbox.length) s.persist.schedule(true);
  s.touch(chatId);
}
