import { EMPTY_QUALITY } from './stats.js';
import type { MediaStreamLike } from './rtc-types.js';
import type { ActiveCall, CallPeer } from './types.js';

/** A fresh `ActiveCall` as UIs first see it: nothing measured, nothing verified yet. */
export function newCall(peer: CallPeer, direction: ActiveCall['direction'], phase: ActiveCall['phase'], video: boolean): ActiveCall {
  return {
    callId: null,
    peer: { accountId: peer.accountId, ...(peer.username !== undefined ? { username: peer.username } : {}), ...(peer.displayName !== undefined ? { displayName: peer.displayName } : {}) },
    direction,
    phase,
    video,
    relayOnly: false,
    muted: false,
    cameraOff: !video,
    ringingDevices: null,
    endReason: null,
    error: null,
    startedAt: Date.now(),
    answeredAt: null,
    endedAt: null,
    connection: 'new',
    localStream: null,
    remoteStream: null,
    remoteVideo: false,
    verification: { status: 'pending', emoji: null },
    quality: { ...EMPTY_QUALITY, relayId: null, relayRtts: [] },
    iceRestarts: 0,
  };
}

export function hasVideo(stream: MediaStreamLike | null): boolean {
  return (stream?.getVideoTracks().length ?? 0) > 0;
}
