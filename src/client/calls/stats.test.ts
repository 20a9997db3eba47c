import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readQuality } from './stats.js';
import { chooseRelay } from './relay-rtt.js';
import type { StatsReportLike } from './rtc-types.js';

function report(stats: Array<Record<string, unknown> & { id: string; type: string }>): StatsReportLike {
  return new Map(stats.map((s) => [s.id, s]));
}

const candidates = [
  { id: 'L1', type: 'local-candidate', candidateType: 'host' },
  { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
  { id: 'R1', type: 'remote-candidate', candidateType: 'srflx' },
];

describe('readQuality', () => {
  it('follows transport.selectedCandidatePairId and reads RTT, jitter, loss and bytes', () => {
    const q = readQuality(report([
      ...candidates,
      { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', nominated: true, state: 'succeeded', currentRoundTripTime: 0.5 },
      { id: 'P2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', state: 'succeeded', currentRoundTripTime: 0.0123 },
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
      { id: 'IA', type: 'inbound-rtp', kind: 'audio', jitter: 0.004, packetsLost: 5, packetsReceived: 95, bytesReceived: 1000 },
      { id: 'IV', type: 'inbound-rtp', kind: 'video', jitter: 0.5, packetsLost: 50, packetsReceived: 50, bytesReceived: 5000 },
    ]));
    assert.equal(q.path, 'relay');
    assert.equal(q.localCandidateType, 'relay');
    assert.equal(q.remoteCandidateType, 'srflx');
    assert.equal(q.rttMs, 12.3);
    assert.equal(q.jitterMs, 4);
    assert.equal(q.lossPct, 5, 'audio loss only');
    assert.equal(q.bytesReceived, 6000);
    assert.equal(q.audioBytesReceived, 1000);
  });

  it('falls back to the nominated succeeded pair, and to remote-inbound-rtp for the RTT', () => {
    const q = readQuality(report([
      ...candidates,
      { id: 'P0', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', nominated: true, state: 'failed' },
      { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', nominated: true, state: 'succeeded' },
      { id: 'RI', type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.02 },
    ]));
    assert.equal(q.path, 'direct');
    assert.equal(q.localCandidateType, 'host');
    assert.equal(q.rttMs, 20);
    assert.equal(q.lossPct, null, 'no inbound audio yet');
  });

  it('an empty report (no pair yet) gives no path and zero bytes', () => {
    const q = readQuality(report([]));
    assert.equal(q.path, null);
    assert.equal(q.bytesReceived, 0);
  });
});

describe('chooseRelay', () => {
  it('takes the lowest round trip, skips relays that did not answer, keeps the order on ties', () => {
    assert.equal(chooseRelay([{ id: 'a', region: 'eu', rttMs: 80 }, { id: 'b', region: 'us', rttMs: null }, { id: 'c', region: 'eu', rttMs: 12 }])?.id, 'c');
    assert.equal(chooseRelay([{ id: 'a', region: '', rttMs: 5 }, { id: 'b', region: '', rttMs: 5 }])?.id, 'a');
    assert.equal(chooseRelay([{ id: 'a', region: '', rttMs: null }]), null);
    assert.equal(chooseRelay([]), null);
  });
});
