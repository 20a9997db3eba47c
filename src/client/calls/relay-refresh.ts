import type { RelayServer } from '../../protocol/calls.js';
import type { EngineHost } from './engine-host.js';
import { chooseRelay, iceServerFor } from './relay-rtt.js';
import type { CallSession } from './session.js';

/**
 * TURN REST credentials expire (≤ 1 h); an allocation whose Refresh is refused dies when its
 * lifetime runs out (RFC 8656 §8). At `refreshAt` (80 %) of the credential's life: fresh
 * credentials (calls.relays), the same relay in the connection's configuration, and an ICE
 * restart, which allocates anew with them.
 */
export function scheduleRefresh(host: EngineHost, s: CallSession): void {
  clearTimeout(s.refreshTimer);
  const relay = s.relay;
  if (!relay || s.ended) return;
  const life = relay.expiresAt - s.relayReceivedAt;
  // A credential that looks expired on arrival means our clock is off: we cannot tell its life.
  if (life <= 0) return host.log('relay credential expiry is in the past by our clock: no refresh scheduled');
  const due = s.relayReceivedAt + life * (host.o.refreshAt ?? 0.8) - Date.now();
  s.refreshTimer = setTimeout(() => void refreshRelay(host, s), Math.max(0, due));
}

/** Fresh credentials and an ICE restart now (or once answered: an unanswered call has no peer to restart with). */
export async function refreshRelay(host: EngineHost, s: CallSession): Promise<void> {
  if (s.ended || !s.pc) return;
  if (!s.answered) return void (s.refreshDue = true);
  s.refreshDue = false;
  try {
    const { relays } = (await host.o.api('calls.relays', {})) as { relays: RelayServer[] };
    if (s.ended || !s.pc) return;
    const best = chooseRelay(s.relayRtts);
    const next = relays.find((r) => r.id === s.relay?.id) ?? relays.find((r) => r.id === best?.id) ?? relays[0];
    if (!next) throw new Error('no relay offered');
    s.relay = next;
    s.relayReceivedAt = Date.now();
    s.pc.setConfiguration({ ...s.pc.getConfiguration(), iceServers: [iceServerFor(next)] });
    host.patchQuality(s, { relayId: next.id });
    scheduleRefresh(host, s);
    await s.renegotiation?.request({ iceRestart: true });
  } catch (e) {
    host.log('relay credential refresh failed; retrying', e);
    clearTimeout(s.refreshTimer);
    s.refreshTimer = setTimeout(() => void refreshRelay(host, s), 5000);
  }
}
