import type { RelayServer } from '../../protocol/calls.js';
import type { IceServerLike, RtcPlatform, RTCPeerConnectionLike } from './rtc-types.js';

/** One relay's measured round trip; `rttMs` null when it gave no relay candidate in time (unhealthy). */
export interface RelayRtt {
  id: string;
  region: string;
  rttMs: number | null;
}

/** The RTCIceServer entry for one relay (its TURN REST credential, used with STUN long-term auth, RFC 8489 §9.2). */
export function iceServerFor(relay: RelayServer): IceServerLike {
  return { urls: relay.urls, username: relay.username, credential: relay.credential };
}

const now = (): number => (globalThis as { performance?: { now(): number } }).performance?.now() ?? Date.now();

/**
 * Measures the round trip to every relay, in parallel, with the browser's own TURN client: a
 * throw-away RTCPeerConnection per relay, relay-only gathering (so it contacts nobody but that relay)
 * and one data channel so an offer has something to gather for. The first relay candidate appears
 * after one authenticated Allocate (RFC 8656 §7.1): the unauthenticated request, its 401 with realm
 * and nonce, and the signed retry (RFC 8489 §9.2) — two round trips, so rttMs = elapsed / 2.
 * Gathering does not start a call: no candidate leaves this device, and every probe is closed at once.
 */
export async function measureRelays(rtc: RtcPlatform, relays: readonly RelayServer[], timeoutMs = 2000): Promise<RelayRtt[]> {
  return Promise.all(relays.map((relay) => measureOne(rtc, relay, timeoutMs)));
}

async function measureOne(rtc: RtcPlatform, relay: RelayServer, timeoutMs: number): Promise<RelayRtt> {
  let pc: RTCPeerConnectionLike | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    pc = new rtc.RTCPeerConnection({ iceServers: [iceServerFor(relay)], iceTransportPolicy: 'relay' });
    const probe = pc;
    probe.createDataChannel('rtt-probe');
    const offer = await probe.createOffer();
    const elapsed = await new Promise<number | null>((resolve) => {
      let started = 0;
      timer = setTimeout(() => resolve(null), timeoutMs);
      probe.addEventListener('icecandidate', (ev) => {
        if (ev.candidate && / typ relay( |$)/.test(ev.candidate.candidate)) resolve(now() - started);
      });
      probe.addEventListener('icegatheringstatechange', () => {
        // Gathering finished without a relay candidate: the relay refused us or did not answer.
        if (probe.iceGatheringState === 'complete') resolve(null);
      });
      started = now();
      probe.setLocalDescription(offer).catch(() => resolve(null));
    });
    return { id: relay.id, region: relay.region, rttMs: elapsed === null ? null : Math.round((elapsed / 2) * 10) / 10 };
  } catch {
    return { id: relay.id, region: relay.region, rttMs: null };
  } finally {
    clearTimeout(timer);
    pc?.close();
  }
}

/** The relay with the lowest measured round trip; null when none answered. Ties keep the server's order. */
export function chooseRelay(results: readonly RelayRtt[]): RelayRtt | null {
  let best: RelayRtt | null = null;
  for (const r of results) if (r.rttMs !== null && (best === null || r.rttMs < best.rttMs!)) best = r;
  return best;
}
