import { render } from 'preact';
import { useEffect, useReducer } from 'preact/hooks';
import type { CallsHost, CallsView } from './host.js';
import { CallScreen } from './call-screen.js';
import { IncomingCalls } from './incoming.js';
import './calls.css';

/** Everything about calls that floats over the messenger: incoming banners, the call screen, call errors. */
export function CallOverlay({ host, calls }: { host: CallsHost; calls: CallsView }) {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => host.subscribe(() => bump(0)), [host]);
  if (!host.session) return null;
  const call = calls.current;
  return (
    <>
      {call && <CallScreen call={call} host={host} calls={calls} />}
      <IncomingCalls host={host} calls={calls} />
      {calls.error && (
        <div class="call-error" role="alert" data-testid="call-error">
          <span>{calls.error}</span>
          <button onClick={() => calls.clearError()} aria-label={host.t('close')}>✕</button>
        </div>
      )}
    </>
  );
}

/**
 * Mounts the overlay in a root of its own beside the app's, so it shows over every screen (chat
 * list, settings, a conversation); the Store loads it as a separate chunk after start.
 */
export function mountCallOverlay(host: CallsHost, calls: CallsView): void {
  if (document.getElementById('calls-root')) return;
  const root = document.createElement('div');
  root.id = 'calls-root';
  document.body.appendChild(root);
  render(<CallOverlay host={host} calls={calls} />, root);
}
