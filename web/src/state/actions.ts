// What the user does to chats, applied locally first: sending through the outbox (queued with a
// random id, sent one at a time in order, kept on network errors, failed on a 4xx), discarding a
// failed entry, read marks, drafts, and joining a channel. Plain functions over `StoreCore`.
import { ApiError, randomId } from '../../../src/client/index.js';
import type { ChatView } from '../../../src/protocol/views.js';
import type { StoreCore } from './core.js';

/** Queues a message; the outbox sends it (now or when back online) with its random id. */
export function send(s: StoreCore, chatId: number, text: string, replyToId: number | null): void {
  s.outbox.push({ randomId: randomId(), chatId, text, replyToId, createdAt: Date.now() });
  const c = s.chats.get(chatId);
  if (c?.draft) {
    c.draft = '';
    void s.client.call('drafts.save', { chatId, text: '' }).catch(() => undefined);
  }
  s.touch(chatId);
  s.persist.schedule(true);
  s.emit();
  void s.flushOutbox();
}

/** Sends outbox entries one at a time, in order; network errors leave them queued. */
export async function flushOutbox(s: StoreCore): Promise<void> {
  if (s.flushing || !s.session) return;
  s.flushing = true;
  clearTimeout(s.retryTimer);
  try {
    for (;;) {
      const item = s.outbox.find((o) => !o.failed);
      if (!item) break;
      try {
        const m = await s.client.send(item.chatId, item.text, { randomId: item.randomId, ...(item.replyToId ? { replyToId: item.replyToId } : {}) });
        s.mergeMessages(item.chatId, [m]);
        s.emit();
      } catch (err) {
        if (s.handleAuthError(err)) return;
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
          item.failed = err.code;
          s.persist.schedule(true);
          s.emit();
          continue;
        }
        // Offline or server down: retry soon, same random id, same order.
        s.retryTimer = setTimeout(() => void s.flushOutbox(), 1500);
        break;
      }
    }
  } finally {
    s.flushing = false;
  }
}

/** Drops a failed outbox entry. */
export function discardFailed(s: StoreCore, randomIdValue: string): void {
  s.outbox = s.outbox.filter((o) => o.randomId !== randomIdValue);
  s.persist.schedule(true);
  s.emit();
}

/** Marks a chat read up to its last message (sent once per mark; retried after a failure). */
export function markRead(s: StoreCore, chatId: number): void {
  const c = s.chats.get(chatId);
  if (!c || c.lastMessageId <= c.readMaxId) return;
  const maxId = c.lastMessageId;
  if ((s.readSent.get(chatId) ?? 0) >= maxId) return;
  s.readSent.set(chatId, maxId);
  c.readMaxId = maxId;
  s.touch(chatId);
  s.emit();
  void s.client.markRead(chatId, maxId).catch(() => s.readSent.delete(chatId));
}

/** Keeps a chat's draft and saves it on the server (other devices get it as a `draft` update). */
export function saveDraft(s: StoreCore, chatId: number, text: string): void {
  const c = s.chats.get(chatId);
  if (!c || (c.draft ?? '') === text) return;
  c.draft = text;
  s.touch(chatId);
  void s.client.call('drafts.save', { chatId, text }).catch(() => undefined);
}

/** Subscribes to a channel from its invite link (/join/<id>). */
export async function joinChannel(s: StoreCore, chatId: number): Promise<void> {
  try {
    s.upsertChat(await s.client.call<ChatView>('chats.join', { chatId }));
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'member_exists')) {
      s.navigate('/');
      s.showToast(err instanceof ApiError ? err.message.replace(/^[a-z_]+: /, '') : s.t('err_network'));
      return;
    }
  }
  history.replaceState(null, '', `/chat/${chatId}`);
  s.route = { name: 'chats', chatId };
  void s.catchUpChannel(chatId);
  s.emit();
}
