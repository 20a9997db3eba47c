import { useStore } from './hooks.js';

/** "Connecting…" / "Updating…" / "Online" / offline with queued messages. */
export function ConnectionBanner() {
  const store = useStore();
  const state = store.conn;
  const text = state === 'online' ? store.t('online') : state === 'syncing' ? store.t('updating') : state === 'offline' ? store.t('offline') : store.t('connecting');
  return (
    <div class={`conn conn-${state}`} role="status" aria-live="polite" data-testid="connection-state" data-state={state}>
      <span class="conn-dot" aria-hidden="true" />{text}
      {store.outbox.length > 0 && state !== 'online' && <span class="conn-queue" data-testid="outbox-count"> · {store.outbox.length} ✉</span>}
    </div>
  );
}
