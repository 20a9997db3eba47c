import type { RTCPeerConnectionCtor, RtcPlatform } from '../../../src/client/calls/rtc-types.js';

/**
 * The browser's WebRTC for the call engine (src/client/calls compiles without the DOM library and
 * takes the platform as a parameter). Every RTCPeerConnection the engine creates is reported to
 * `onCreate`, so tests can read `getStats()` of the live one (window.parley.calls.peerConnections)
 * without the engine exposing its internals.
 */
export function browserPlatform(onCreate: (pc: RTCPeerConnection) => void): RtcPlatform {
  class ObservedPeerConnection extends RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      onCreate(this);
    }
  }
  const media = navigator.mediaDevices;
  return {
    // The DOM's overloaded signatures are wider than the structural ones in rtc-types.ts.
    RTCPeerConnection: ObservedPeerConnection as unknown as RTCPeerConnectionCtor,
    getUserMedia: (constraints) => media.getUserMedia(constraints as MediaStreamConstraints) as unknown as ReturnType<RtcPlatform['getUserMedia']>,
    enumerateDevices: () => media.enumerateDevices(),
    // For remote tracks that come without a stream (a callee's answer made while ringing names none).
    MediaStream: MediaStream as unknown as NonNullable<RtcPlatform['MediaStream']>,
  };
}

/** Plays a stream in a media element (srcObject is DOM-only; the engine's streams are browser MediaStreams here). */
export function asMediaStream(stream: unknown): MediaStream | null {
  return stream instanceof MediaStream ? stream : null;
}
