import type { StatsReportLike } from './rtc-types.js';

/** What the quality panel shows, read from RTCPeerConnection.getStats() (W3C webrtc-stats). */
export interface MediaQuality {
  /** `relay` when either end of the selected pair is a TURN relay candidate (RFC 8656), else `direct`. */
  path: 'direct' | 'relay' | null;
  /** host | srflx | prflx | relay (RFC 8445 §5.1.1). */
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  rttMs: number | null;
  jitterMs: number | null;
  lossPct: number | null;
  /** All media bytes received (inbound-rtp, every kind). */
  bytesReceived: number;
  audioBytesReceived: number;
}

export const EMPTY_QUALITY: MediaQuality = {
  path: null, localCandidateType: null, remoteCandidateType: null, rttMs: null, jitterMs: null, lossPct: null, bytesReceived: 0, audioBytesReceived: 0,
};

type Stat = Record<string, unknown> & { id: string; type: string };

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The selected candidate pair: the transport's `selectedCandidatePairId` when the implementation
 * reports it, otherwise the nominated succeeded pair (older stacks), otherwise `selected: true`.
 */
function selectedPair(byId: Map<string, Stat>): Stat | undefined {
  const all = [...byId.values()];
  for (const t of all) {
    if (t.type !== 'transport' || typeof t.selectedCandidatePairId !== 'string') continue;
    const pair = byId.get(t.selectedCandidatePairId);
    if (pair) return pair;
  }
  const pairs = all.filter((s) => s.type === 'candidate-pair');
  return pairs.find((p) => p.nominated === true && p.state === 'succeeded') ?? pairs.find((p) => p.selected === true);
}

export function readQuality(report: StatsReportLike): MediaQuality {
  const byId = new Map<string, Stat>();
  report.forEach((s) => byId.set(s.id, s));
  const q: MediaQuality = { ...EMPTY_QUALITY };

  const pair = selectedPair(byId);
  if (pair) {
    const local = typeof pair.localCandidateId === 'string' ? byId.get(pair.localCandidateId) : undefined;
    const remote = typeof pair.remoteCandidateId === 'string' ? byId.get(pair.remoteCandidateId) : undefined;
    q.localCandidateType = typeof local?.candidateType === 'string' ? local.candidateType : null;
    q.remoteCandidateType = typeof remote?.candidateType === 'string' ? remote.candidateType : null;
    if (q.localCandidateType || q.remoteCandidateType) q.path = q.localCandidateType === 'relay' || q.remoteCandidateType === 'relay' ? 'relay' : 'direct';
    const rtt = num(pair.currentRoundTripTime);
    if (rtt !== null) q.rttMs = round(rtt * 1000);
  }

  let lost = 0;
  let received = 0;
  let sawAudio = false;
  for (const s of byId.values()) {
    if (s.type === 'inbound-rtp') {
      const bytes = num(s.bytesReceived) ?? 0;
      q.bytesReceived += bytes;
      if ((s.kind ?? s.mediaType) !== 'audio') continue;
      sawAudio = true;
      q.audioBytesReceived += bytes;
      lost += Math.max(0, num(s.packetsLost) ?? 0);
      received += num(s.packetsReceived) ?? 0;
      const jitter = num(s.jitter);
      if (jitter !== null) q.jitterMs = round(jitter * 1000);
    } else if (s.type === 'remote-inbound-rtp' && q.rttMs === null) {
      // RTCP receiver reports (RFC 3550 §6.4.1) give a round trip when the pair has none yet.
      const rtt = num(s.roundTripTime);
      if (rtt !== null) q.rttMs = round(rtt * 1000);
    }
  }
  if (sawAudio) q.lossPct = lost + received > 0 ? round((lost / (lost + received)) * 100) : 0;
  return q;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
