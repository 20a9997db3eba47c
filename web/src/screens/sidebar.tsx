import { useState } from 'preact/hooks';
import { useStore, formatTime } from '../ui/hooks.js';
import { Avatar } from '../ui/avatar.js';
import { messageSummary } from '../ui/media-message.js';
import { Icon } from '../ui/icons.js';
import { Settings } from './settings.js';
import { NewChatDialog } from './dialogs.js';
import type { ChatEntry } from '../state/types.js';
import type { Store } from '../state/store.js';

/** The left pane: chat list with search, or the settings panels. */
export function Sidebar() {
  const store = useStore();
  if (store.route.name === 'settings') return <Settings />;
  return <ChatList />;
}

function ChatList() {
  const store = useStore();
  const t = store.t.bind(store);
  const [query, setQuery] = useState('');
  const [menu, setMenu] = useState(false);
  const [dialog, setDialog] = useState<'direct' | 'group' | 'channel' | null>(null);
  const q = query.trim().toLowerCase();
  const chats = [...store.chats.values()]
    .filter((c) => !q || c.title.toLowerCase().includes(q) || (c.peer?.username ?? '').includes(q))
    .sort((a, b) => activity(b) - activity(a));
  const selected = store.route.name === 'chats' ? store.route.chatId : undefined;
  return (
    <div class="panel" data-testid="chat-list-panel">
      <header class="side-head">
        <button class="icon-btn" aria-label={t('settings')} title={t('settings')} onClick={() => store.navigate('/settings')} data-testid="open-settings">☰</button>
        <input class="search" type="search" placeholder={t('search')} aria-label={t('search')} value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} data-testid="chat-search"
          onKeyDown={(e) => e.key === 'Escape' && setQuery('')} />
      </header>
      <ul class="chat-list" role="listbox" aria-label={t('chats')} data-testid="chat-list">
        {chats.map((c) => <ChatRow key={c.id} chat={c} store={store} selected={c.id === selected} />)}
        {!chats.length && !store.booting && <li class="muted empty-list">{q ? t('noResults') : t('noChats')}</li>}
      </ul>
      <div class="fab-wrap">
        {menu && (
          <div class="fab-menu" role="menu">
            <button role="menuitem" onClick={() => { setMenu(false); setDialog('direct'); }} data-testid="new-direct">{t('newChat')}</button>
            <button role="menuitem" onClick={() => { setMenu(false); setDialog('group'); }} data-testid="new-group">{t('newGroup')}</button>
            <button role="menuitem" onClick={() => { setMenu(false); setDialog('channel'); }} data-testid="new-channel">{t('newChannel')}</button>
          </div>
        )}
        <button class="fab" aria-label={t('newChat')} aria-expanded={menu} onClick={() => setMenu(!menu)} data-testid="new-menu">✎</button>
      </div>
      {dialog && <NewChatDialog kind={dialog} onClose={() => setDialog(null)} />}
    </div>
  );
}

function activity(c: ChatEntry): number {
  return c.lastMessage?.createdAt ?? c.id;
}

function ChatRow({ chat, store, selected }: { chat: ChatEntry; store: Store; selected: boolean }) {
  const t = store.t.bind(store);
  const unread = store.unread(chat);
  const last = chat.lastMessage;
  const typing = store.typingIn(chat.id);
  let preview: string;
  if (typing.length) preview = t('typing', { name: store.nameOf(typing[0]!) });
  else if (chat.draft && !selected) preview = `${t('draft')}: ${chat.draft}`;
  else if (last) preview = (chat.type === 'group' ? `${last.senderId === store.me?.id ? t('you') : store.nameOf(last.senderId)}: ` : last.senderId === store.me?.id && chat.type === 'direct' ? `${t('you')}: ` : '') + messageSummary(store, last);
  else preview = '';
  const kindIcon = chat.type === 'channel' ? <Icon name="megaphone" size={15} /> : chat.type === 'group' ? <Icon name="group" size={15} /> : null;
  return (
    <li role="option" aria-selected={selected} class={`chat-row ${selected ? 'selected' : ''}`} data-testid="chat-row" data-chat-id={chat.id} data-title={chat.title}
      tabIndex={0} onClick={() => store.navigate(`/chat/${chat.id}`)} onKeyDown={(e) => e.key === 'Enter' && store.navigate(`/chat/${chat.id}`)}>
      <Avatar id={chat.peer?.id ?? chat.id} name={chat.title} />
      <div class="chat-row-body">
        <div class="chat-row-top">
          <span class="chat-title">{kindIcon}{chat.title}</span>
          {last && <span class="chat-time">{last.senderId === store.me?.id && <span class="ticks"><Icon name={(chat.peerReadMaxId ?? 0) >= last.id ? 'checks' : 'check'} size={14} /></span>}{formatTime(last.createdAt, store.lang)}</span>}
        </div>
        <div class="chat-row-bottom">
          <span class={`chat-preview ${typing.length ? 'typing' : ''} ${chat.draft && !selected && !typing.length ? 'draft' : ''}`} data-testid="chat-preview">{preview}</span>
          {unread > 0 && <span class="badge" data-testid="unread-badge" aria-label={`${unread} unread`}>{unread}</span>}
        </div>
      </div>
    </li>
  );
}
