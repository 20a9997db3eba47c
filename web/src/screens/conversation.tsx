import { useEffect, useRef, useState, useLayoutEffect } from 'preact/hooks';
import { useStore, errorText, formatTime } from '../ui/hooks.js';
import { Avatar } from '../ui/avatar.js';
import { VirtualList } from '../ui/virtual-list.js';
import { Icon } from '../ui/icons.js';
import { ChatInfo, ForwardDialog } from './dialogs.js';
import type { LocalMessage } from '../state/types.js';
import type { Store } from '../state/store.js';
import { MediaBlock, messageMedia, messageSummary } from '../ui/media-message.js';
import { AttachButton, SendMediaDialog, UploadList, VoiceButton, pastedFiles, useFileDrop } from '../ui/media-composer.js';
import { CallButtons } from '../calls/call-buttons.js';

/** One chat: header, virtualised history (paging upward), composer with reply/edit, drafts, typing. */
export function Conversation({ chatId }: { chatId: number }) {
  const store = useStore();
  const t = store.t.bind(store);
  const chat = store.chats.get(chatId)!;
  const messages = store.displayed(chatId);
  const [menuFor, setMenuFor] = useState<LocalMessage | null>(null);
  const [replyTo, setReplyTo] = useState<LocalMessage | null>(null);
  const [editing, setEditing] = useState<LocalMessage | null>(null);
  const [forward, setForward] = useState<LocalMessage | null>(null);
  const [info, setInfo] = useState(false);
  const [files, setFiles] = useState<File[] | null>(null);
  const drop = useFileDrop((f) => setFiles(f));
  const loading = useRef(false);

  const loadOlder = () => {
    if (loading.current || store.historyDone.has(chatId)) return;
    loading.current = true;
    void store.loadOlder(chatId).finally(() => { loading.current = false; });
  };
  useEffect(() => {
    if ((store.messages.get(chatId)?.length ?? 0) < 30) loadOlder();
    if (chat.type === 'group') void store.loadMembers(chatId);
  }, [chatId]);
  // Read receipts: the open, visible chat is read up to its newest message.
  useEffect(() => {
    if (document.visibilityState === 'visible') store.markRead(chatId);
  }, [chatId, chat.lastMessageId]);

  const typing = store.typingIn(chatId);
  const canPost = chat.type !== 'channel' || chat.role === 'owner' || chat.role === 'admin';
  const blocked = chat.peer ? store.blocked.has(chat.peer.id) : false;
  const status = typing.length
    ? t('typing', { name: store.nameOf(typing[0]!) })
    : chat.type === 'direct' ? `@${chat.peer?.username ?? ''}` : chat.type === 'channel' ? `${chat.memberCount} ${t('subscribers')}` : t('membersCount', { n: chat.memberCount });

  return (
    <section class="conversation" aria-label={chat.title} data-testid="conversation" data-chat-id={chatId} {...(canPost && !blocked ? drop.handlers : {})}>
      {drop.active && <div class="drop-zone" data-testid="drop-zone">{t('media_dropHere')}</div>}
      <header class="conv-head">
        <button class="icon-btn back" aria-label={t('back')} onClick={() => store.navigate('/')}>←</button>
        <button class="conv-title" onClick={() => setInfo(true)} aria-label={`${t('chatInfo')}: ${chat.title}`} data-testid="open-chat-info">
          <Avatar id={chat.peer?.id ?? chat.id} name={chat.title} size={40} />
          <span><strong data-testid="conversation-title">{chat.title}</strong><small class={typing.length ? 'typing' : 'muted'} data-testid="conversation-status">{status}</small></span>
        </button>
        <CallButtons store={store} chat={chat} />
      </header>
      <div class="conv-body">
        {messages.length === 0 && store.historyDone.has(chatId) && <div class="empty-chat muted">{t('noMessages')}</div>}
        <VirtualList
          items={messages}
          keyOf={(m) => `${m.senderId}:${m.randomId}`}
          onTop={loadOlder}
          testid="message-list"
          label={chat.title}
          renderKey={`${chat.peerReadMaxId ?? 0}:${store.lang}:${messages.length}`}
          render={(m, i) => <Bubble m={m} prev={messages[i - 1]} store={store} chatType={chat.type} peerRead={chat.peerReadMaxId ?? 0} onMenu={() => setMenuFor(m)} />}
        />
      </div>
      {menuFor && <MessageMenu m={menuFor} store={store} canDeleteAll={menuFor.senderId === store.me?.id || chat.role === 'owner' || chat.role === 'admin'} onClose={() => setMenuFor(null)}
        onReply={() => { setEditing(null); setReplyTo(menuFor); }} onEdit={() => { setReplyTo(null); setEditing(menuFor); }} onForward={() => setForward(menuFor)} canPost={canPost} />}
      {canPost && !blocked
        ? <Composer chatId={chatId} store={store} onFiles={setFiles} replyTo={replyTo} editing={editing} clear={() => { setReplyTo(null); setEditing(null); }}
          editLast={() => { const own = [...messages].reverse().find((m) => m.senderId === store.me?.id && !m.pending); if (own) setEditing(own); }} />
        : <div class="composer readonly" data-testid="composer-readonly">{blocked ? t('blockedUser') : t('readOnlyChannel')}</div>}
      {forward && <ForwardDialog fromChatId={chatId} messageId={forward.id} onClose={() => setForward(null)} />}
      {info && <ChatInfo chatId={chatId} onClose={() => setInfo(false)} />}
      {files && <SendMediaDialog store={store} chatId={chatId} files={files} onClose={() => setFiles(null)} />}
    </section>
  );
}

function Bubble({ m, prev, store, chatType, peerRead, onMenu }: { m: LocalMessage; prev: LocalMessage | undefined; store: Store; chatType: string; peerRead: number; onMenu(): void }) {
  const t = store.t.bind(store);
  const own = m.senderId === store.me?.id && chatType !== 'channel';
  const showName = chatType === 'group' && !own && prev?.senderId !== m.senderId;
  const reply = m.replyToId ? store.messages.get(m.chatId)?.find((x) => x.id === m.replyToId) : undefined;
  const state = m.failed ? 'failed' : m.pending ? 'pending' : own && peerRead >= m.id ? 'read' : 'sent';
  return (
    <div class={`msg ${own ? 'own' : 'other'} ${prev?.senderId === m.senderId ? 'cont' : ''}`} data-testid="message" data-message-id={m.pending ? '' : m.id} data-state={state}
      onContextMenu={(e) => { e.preventDefault(); onMenu(); }}>
      <div class="bubble" tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && onMenu()} aria-label={`${store.nameOf(m.senderId)}: ${m.text}`}>
        {showName && <div class="sender" style={{ color: '#3a7bd5' }}>{store.nameOf(m.senderId)}</div>}
        {m.forwardedFrom && <div class="fwd">{t('forwardedFrom')} · {store.nameOf(m.forwardedFrom.senderId)}</div>}
        {m.replyToId && <div class="reply-quote">{reply ? <><b>{store.nameOf(reply.senderId)}</b> {messageSummary(store, reply)}</> : `#${m.replyToId}`}</div>}
        {messageMedia(m) && <MediaBlock media={messageMedia(m)!} store={store} />}
        <span class="text" data-testid="message-text">{m.text}</span>
        <span class="meta">
          {m.editedAt && <span class="edited">{t('edited')}</span>}
          {formatTime(m.createdAt, store.lang)}
          {own && <span class={`ticks ${state}`} aria-label={t(state === 'pending' ? 'pending' : state === 'failed' ? 'failed' : state === 'read' ? 'read' : 'sent')} data-testid="message-ticks"><Icon name={state === 'pending' ? 'clock' : state === 'failed' ? 'alert' : state === 'read' ? 'checks' : 'check'} size={14} /></span>}
        </span>
        <button class="msg-more" aria-label="Message actions" onClick={onMenu} data-testid="message-actions">⋯</button>
      </div>
      {m.failed && <div class="failed-note" data-testid="message-failed">{t('failed')}: {errorText(store, { code: m.failed, message: m.failed })} <button class="link" onClick={() => store.discardFailed(m.randomId)}>{t('remove')}</button></div>}
    </div>
  );
}

function MessageMenu({ m, store, canDeleteAll, canPost, onClose, onReply, onEdit, onForward }: { m: LocalMessage; store: Store; canDeleteAll: boolean; canPost: boolean; onClose(): void; onReply(): void; onEdit(): void; onForward(): void }) {
  const t = store.t.bind(store);
  const act = (fn: () => void | Promise<unknown>) => () => {
    onClose();
    const r = fn();
    if (r) void r.catch((err: unknown) => store.showToast(errorText(store, err)));
  };
  if (m.pending) return null;
  return (
    <div class="backdrop light" onClick={onClose}>
      <div class="menu" role="menu" aria-label="Message actions" data-testid="message-menu" onClick={(e) => e.stopPropagation()}>
        <p class="menu-preview">{m.text.slice(0, 80)}</p>
        {canPost && <button role="menuitem" onClick={act(onReply)} data-testid="menu-reply">{t('reply')}</button>}
        {m.senderId === store.me?.id && <button role="menuitem" onClick={act(onEdit)} data-testid="menu-edit">{t('edit')}</button>}
        <button role="menuitem" onClick={act(() => navigator.clipboard?.writeText(m.text))}>{t('copy')}</button>
        <button role="menuitem" onClick={act(onForward)} data-testid="menu-forward">{t('forward')}</button>
        <button role="menuitem" onClick={act(() => store.client.deleteMessages(m.chatId, [m.id], false).then(() => store.mergeMessages(m.chatId, [{ ...m, deleted: true }])))} data-testid="menu-delete-me">{t('deleteForMe')}</button>
        {canDeleteAll && <button role="menuitem" class="danger" onClick={act(() => store.client.deleteMessages(m.chatId, [m.id], true))} data-testid="menu-delete-all">{t('deleteForEveryone')}</button>}
      </div>
    </div>
  );
}

function Composer({ chatId, store, onFiles, replyTo, editing, clear, editLast }: { chatId: number; store: Store; onFiles(files: File[]): void; replyTo: LocalMessage | null; editing: LocalMessage | null; clear(): void; editLast(): void }) {
  const t = store.t.bind(store);
  const chat = store.chats.get(chatId)!;
  const [text, setText] = useState(chat.draft ?? '');
  const ref = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const draftTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const textRef = useRef(text);
  textRef.current = text;

  // A draft saved on another device shows up here unless the user is typing right now.
  useEffect(() => {
    if (editing) return;
    if (document.activeElement !== ref.current && (chat.draft ?? '') !== textRef.current) setText(chat.draft ?? '');
  }, [chat.draft]);
  // Layout effect: the text to edit is in the box before the next paint, never an empty flash.
  useLayoutEffect(() => {
    if (editing) {
      setText(editing.text);
      ref.current?.focus();
    } else if (replyTo) ref.current?.focus();
  }, [editing, replyTo]);
  useEffect(() => {
    ref.current?.focus();
    return () => {
      clearTimeout(draftTimer.current);
      if (!editing) store.saveDraft(chatId, textRef.current);
    };
  }, [chatId]);

  const onInput = (value: string) => {
    setText(value);
    if (editing) return;
    const now = Date.now();
    if (value && now - lastTyping.current > 3000) {
      lastTyping.current = now;
      void store.client.call('messages.typing', { chatId }).catch(() => undefined);
    }
    clearTimeout(draftTimer.current);
    draftTimer.current = setTimeout(() => store.saveDraft(chatId, value), 800);
  };

  const submit = () => {
    const value = text.trim();
    if (!value) return;
    clearTimeout(draftTimer.current);
    // The receiver clears our typing mark when the message lands: announce the next one afresh.
    lastTyping.current = 0;
    if (editing) {
      const id = editing.id;
      void store.client.edit(chatId, id, value).then((m) => store.mergeMessages(chatId, [m])).catch((err: unknown) => store.showToast(errorText(store, err)));
    } else {
      store.send(chatId, value, replyTo?.id ?? null);
    }
    setText('');
    clear();
  };

  return (
    <div class="composer-wrap">
      <UploadList store={store} chatId={chatId} />
      {(replyTo || editing) && (
        <div class="composer-context" data-testid="composer-context">
          <span><b>{editing ? t('editing') : `${t('replyingTo')} ${store.nameOf(replyTo!.senderId)}`}</b> {(editing ?? replyTo)!.text.slice(0, 80)}</span>
          <button class="icon-btn" aria-label={t('cancel')} onClick={() => { clear(); if (editing) setText(chat.draft ?? ''); }}>✕</button>
        </div>
      )}
      <form class="composer" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        {!editing && <AttachButton store={store} onFiles={onFiles} />}
        <textarea ref={ref} rows={1} placeholder={t('message')} aria-label={t('message')} value={text} data-testid="composer-input"
          onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
          onPaste={(e) => { const f = pastedFiles(e); if (f.length && !editing) { e.preventDefault(); onFiles(f); } }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
            else if (e.key === 'Escape') { clear(); }
            else if (e.key === 'ArrowUp' && !text) { e.preventDefault(); editLast(); }
          }} />
        {!text.trim() && !editing
          ? <VoiceButton store={store} chatId={chatId} />
          : <button class="send" type="submit" aria-label={t('send')} disabled={!text.trim()} data-testid="send-button">➤</button>}
      </form>
    </div>
  );
}
