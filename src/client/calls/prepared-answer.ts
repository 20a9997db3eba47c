import type { CallEventMap } from '../../protocol/calls.js';
import { connect } from './connection.js';
import type { EngineHost } from './engine-host.js';
import type { RelayRtt } from './relay-rtt.js';
import { CallSession } from './session.js';

/** A call ringing on this device, as the engine keeps it until answered, declined or gone. */
export interface Ringing {
  event: CallEventMap['call.incoming'];
  /** Relay RTTs, measured while ringing (relay-only probes: no packet to the caller). */
  probe: Promise<RelayRtt[]>;
  expiry: ReturnType<typeof setTimeout>;
  /** The answer made while ringing (`prepareAnswer`); null when this ring is answered the slow way. */
  prepared: PreparedAnswer | null;
}

/**
 * A callee's connection made while its device rings: the offer applied, an answer made and set, so
 * its relay allocation is gathered before the user answers. Nothing of it is sent until accept.
 */
export interface PreparedAnswer {
  session: CallSession;
  /** Settles when the answer is set: null, or the error that stopped the preparation. */
  ready: Promise<unknown>;
}

/**
 * While ringing: the call's RTCPeerConnection with the chosen relay and the event's policy, the
 * offer applied, every transceiver made sendrecv without a track, the answer created and set —
 * gathering starts (RFC 8445 §5.1.1), so the relay allocation (RFC 8656 §7) is ready when the
 * user answers. The offer carries no candidate (the server strips them and holds the caller's until
 * accept), so ICE has nobody to check: the only packets go to the relay. Our candidates stay in the
 * session's outbox (`holds` starts at 1) until `calls.accept` has answered.
 * With one relay (or none) there is nothing to choose: it starts at once and the RTT probe only
 * feeds the quality panel; with several it waits for the probe.
 */
export function prepareAnswer(host: EngineHost, d: CallEventMap['call.incoming'], chooseRelay: (s: CallSession) => Promise<void>): PreparedAnswer {
  const s = new CallSession('incoming');
  s.callId = d.callId;
  s.commitment = d.commitment;
  s.offerSdp = d.offer.sdp;
  const ready = (async (): Promise<unknown> => {
    await chooseRelay(s);
    if (s.ended) return null;
    const pc = connect(host, s, d.relayOnly);
    await pc.setRemoteDescription(d.offer);
    // Transceivers made by the offer are recvonly (no track yet); sendrecv lets accept attach the
    // microphone and camera with replaceTrack, without another offer/answer.
    for (const t of pc.getTransceivers()) if (t.direction === 'recvonly') t.direction = 'sendrecv';
    const answer = await pc.createAnswer();
    if (s.ended) return null;
    await pc.setLocalDescription(answer);
    s.answerSdp = answer.sdp ?? '';
    return null;
  })().catch((err: unknown) => {
    if (!s.ended) host.log('answer not prepared while ringing', err);
    return err;
  });
  return { session: s, ready };
}
