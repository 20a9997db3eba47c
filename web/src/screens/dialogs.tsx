import { useEffect, useState } from 'preact/hooks';
import { randomId } from '../../../src/client/index.js';
import type { AccountView, MemberView } from '../../../src/protocol/views.js';
import { useStore, errorText } from '../ui/hooks.js';
import { Modal } from '../ui/modal.js';
import { Avatar } from '../ui/avatar.js';
import type { Store } from '../state/store.js';

async function resolveAll(store: Store, names: string): Promise<AccountView[]> {
  const list = names.split(/[\s,]+/).map((n) => n.replace(/^@/, '').trim()).filter(Boolean);
  return Promise.all(list.map((n) => store.client.resolve(n)));
}

/** New direct chat (by username), group or channel. */
export function NewChatDialog({ kind, onClose }: { kind: 'direct' | 'group' | 'channel'; onClose(): void }) {
  const store = useStore();
  const t = store.t.bind(store);
  const [name, setName] = useState('');
  const [members, setMembers] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const title = kind === 'direct' ? t('newDirectTitle') : kind === 'group' ? t('newGroup') : t('newChannel');

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      let chat;
      if (kind === 'direct') {
        const acc = await store.client.resolve(name.replace(/^@/, '').trim());
        chat = await store.client.openDirect(acc.id);
      } else if (kind === 'group') {
        const accs = await resolveAll(store, members);
        chat = await store.client.createGroup(name.trim(), accs.map((a) => a.id));
      } else {
        chat = await store.client.createChannel(name.trim());
      }
      store.upsertChat(chat);
      onClose();
      store.navigate(`/chat/${chat.id}`);
    } catch (err) {
      setError(errorText(store, err));
      setBusy(false);
    }
  }
  return (
    <Modal title={title} onClose={onClose} testid={`dialog-${kind}`}>
      <form class="form" onSubmit={submit}>
        <label>{kind === 'direct' ? t('usernameToFind') : kind === 'group' ? t('groupTitle') : t('channelTitle')}
          <input aria-label={kind === 'direct' ? t('usernameToFind') : kind === 'group' ? t('groupTitle') : t('channelTitle')} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} required data-testid="dialog-name" /></label>
        {kind === 'group' && <label>{t('membersToAdd')}<input aria-label={t('membersToAdd')} value={members} onInput={(e) => setMembers((e.target as HTMLInputElement).value)} data-testid="dialog-members" /></label>}
        {error && <p class="error" role="alert" data-testid="dialog-error">{error}</p>}
        <div class="actions"><button type="button" onClick={onClose}>{t('cancel')}</button><button class="primary" type="submit" disabled={busy} data-testid="dialog-submit">{kind === 'direct' ? t('open') : t('create')}</button></div>
      </form>
    </Modal>
  );
}

/** Pick a chat to forward a message to. */
export function ForwardDialog({ fromChatId, messageId, onClose }: { fromChatId: number; messageId: number; onClose(): void }) {
  const store = useStore();
  const t = store.t.bind(store);
  const [error, setError] = useState('');
  async function pick(chatId: number) {
    try {
      const msgs = await store.client.call<Array<{ chatId: number; id: number; senderId: number; randomId: string; text: string }>>('messages.forward', { chatId, fromChatId, messageIds: [messageId], randomIds: [randomId()] });
      store.mergeMessages(chatId, msgs as never);
      onClose();
      store.navigate(`/chat/${chatId}`);
    } catch (err) {
      setError(errorText(store, err));
    }
  }
  const chats = [...store.chats.values()].filter((c) => c.type !== 'channel' || c.role === 'owner' || c.role === 'admin');
  return (
    <Modal title={t('forwardTo')} onClose={onClose} testid="dialog-forward">
      <ul class="pick-list">
        {chats.map((c) => (
          <li key={c.id}><button class="pick" onClick={() => void pick(c.id)} data-testid="forward-target" data-title={c.title}><Avatar id={c.peer?.id ?? c.id} name={c.title} size={36} />{c.title}</button></li>
        ))}
      </ul>
      {error && <p class="error" role="alert">{error}</p>}
    </Modal>
  );
}

/** Chat details: members and their roles, rename, add/remove, leave, block (direct chats). */
export function ChatInfo({ chatId, onClose }: { chatId: number; onClose(): void }) {
  const store = useStore();
  const t = store.t.bind(store);
  const chat = store.chats.get(chatId);
  const [title, setTitle] = useState(chat?.title ?? '');
  const [add, setAdd] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    if (chat && chat.type !== 'direct') void store.loadMembers(chatId);
  }, [chatId]);
  if (!chat) return null;
  const admin = chat.role === 'owner' || chat.role === 'admin';
  const members: MemberView[] = store.members.get(chatId) ?? [];
  const run = (fn: () => Promise<unknown>) => async (e?: Event) => {
    e?.preventDefault();
    setError('');
    try {
      await fn();
      if (chat.type !== 'direct') await store.loadMembers(chatId);
    } catch (err) {
      setError(errorText(store, err));
    }
  };
  const peer = chat.peer;
  return (
    <Modal title={t('chatInfo')} onClose={onClose} testid="chat-info">
      <div class="info-head"><Avatar id={peer?.id ?? chat.id} name={chat.title} size={64} /><div><h3>{chat.title}</h3>
        <p class="muted">{peer ? `@${peer.username}` : chat.type === 'channel' ? `${chat.memberCount} ${t('subscribers')}` : t('membersCount', { n: chat.memberCount })}</p></div></div>
      {chat.type !== 'direct' && admin && (
        <form class="row-form" onSubmit={run(async () => store.upsertChat(await store.client.call('chats.rename', { chatId, title: title.trim() })))}>
          <input aria-label={t('rename')} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} data-testid="rename-input" />
          <button type="submit" data-testid="rename-submit">{t('rename')}</button>
        </form>
      )}
      {chat.type === 'group' && admin && (
        <form class="row-form" onSubmit={run(async () => {
          const accs = await resolveAll(store, add);
          await store.client.call('chats.addMembers', { chatId, accountIds: accs.map((a) => a.id) });
          setAdd('');
        })}>
          <input aria-label={t('addMember')} placeholder={t('username')} value={add} onInput={(e) => setAdd((e.target as HTMLInputElement).value)} data-testid="add-member-input" />
          <button type="submit" data-testid="add-member-submit">{t('addMember')}</button>
        </form>
      )}
      {chat.type === 'channel' && admin && (
        <p class="invite-link">{t('inviteLink')}: <code data-testid="channel-link">{`${location.origin}/join/${chat.id}`}</code></p>
      )}
      {members.length > 0 && (
        <ul class="member-list" aria-label={t('members')} data-testid="member-list">
          {members.map((m) => (
            <li key={m.account.id} data-testid="member" data-username={m.account.username}>
              <Avatar id={m.account.id} name={m.account.displayName || m.account.username} size={36} />
              <span class="member-name">{m.account.displayName || m.account.username}<small class="muted"> @{m.account.username}</small></span>
              <span class="role">{t(`role_${m.role}`)}</span>
              {chat.role === 'owner' && m.account.id !== store.me?.id && chat.type === 'group' && (
                m.role === 'admin'
                  ? <button class="small" onClick={run(() => store.client.call('chats.setRole', { chatId, accountId: m.account.id, role: 'member' }))}>{t('makeMember')}</button>
                  : <button class="small" onClick={run(() => store.client.call('chats.setRole', { chatId, accountId: m.account.id, role: 'admin' }))} data-testid="make-admin">{t('makeAdmin')}</button>
              )}
              {admin && m.account.id !== store.me?.id && m.role !== 'owner' && (
                <button class="small danger" aria-label={`${t('remove')} ${m.account.username}`} onClick={run(() => store.client.call('chats.removeMember', { chatId, accountId: m.account.id }))} data-testid="remove-member">{t('remove')}</button>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && <p class="error" role="alert" data-testid="info-error">{error}</p>}
      <div class="actions">
        {peer && (store.blocked.has(peer.id)
          ? <button onClick={run(async () => { await store.client.call('blocks.remove', { accountId: peer.id }); store.blocked.delete(peer.id); store.emit(); })} data-testid="unblock-user">{t('unblock')}</button>
          : <button class="danger" onClick={run(async () => { await store.client.call('blocks.add', { accountId: peer.id }); store.blocked.add(peer.id); store.emit(); })} data-testid="block-user">{t('block')}</button>)}
        {peer && <button onClick={run(() => store.client.call('contacts.add', { accountId: peer.id }))} data-testid="add-contact">{t('addContact')}</button>}
        {chat.type !== 'direct' && <button class="danger" onClick={run(async () => { await store.client.call('chats.leave', { chatId }); onClose(); })} data-testid="leave-chat">{t('leave')}</button>}
      </div>
    </Modal>
  );
}
