import { useEffect } from 'preact/hooks';
import { useStore } from './ui/hooks.js';
import { AuthScreen } from './screens/auth.js';
import { Sidebar } from './screens/sidebar.js';
import { Conversation } from './screens/conversation.js';
import { ConnectionBanner } from './ui/connection.js';
import { BannedScreen } from './screens/banned.js';

/** Top level: the log-in screens, or the two-pane messenger. */
export function App() {
  const store = useStore();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        if (store.route.name !== 'chats') store.navigate('/');
        setTimeout(() => document.querySelector<HTMLInputElement>('[data-testid="chat-search"]')?.focus(), 0);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const joinId = store.route.name === 'join' && store.session && !store.booting ? store.route.chatId : undefined;
  useEffect(() => {
    if (joinId) void store.joinChannel(joinId);
  }, [joinId]);
  if (!store.session) return <AuthScreen />;
  if (store.ban?.banned) return <BannedScreen />;
  const chatId = store.route.name === 'chats' ? store.route.chatId : undefined;
  return (
    <div class={`layout ${chatId ? 'has-chat' : ''}`} data-testid="messenger">
      <aside class="sidebar" aria-label={store.t('chats')}>
        <ConnectionBanner />
        <Sidebar />
      </aside>
      <main class="main-pane">
        {chatId && store.chats.has(chatId) ? <Conversation key={chatId} chatId={chatId} /> : <div class="empty-pane"><p>{store.booting ? '' : store.t('selectChat')}</p></div>}
      </main>
      {store.toast && <div class="toast" role="status" data-testid="toast">{store.toast}</div>}
    </div>
  );
}
