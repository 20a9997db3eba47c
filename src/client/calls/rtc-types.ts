/**
 * The parts of the WebRTC API the call engine uses, as structural types. src/ compiles without the
 * DOM library (it also runs in Node), so the engine never names a browser global: the caller passes
 * the platform in (`window.RTCPeerConnection` and `navigator.mediaDevices` in a browser,
 * @roamhq/wrtc in Node tests). Both satisfy these shapes.
 */

export type IceTransportPolicy = 'all' | 'relay';

export interface IceServerLike {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface RTCConfigurationLike {
  iceServers?: IceServerLike[];
  iceTransportPolicy?: IceTransportPolicy;
}

export interface SessionDescriptionLike {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

export interface IceCandidateLike {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

export interface MediaStreamTrackLike {
  readonly kind: string;
  readonly id: string;
  enabled: boolean;
  readonly readyState?: string;
  stop(): void;
  getSettings?(): { deviceId?: string };
}

export interface MediaStreamLike {
  readonly id: string;
  getTracks(): MediaStreamTrackLike[];
  getAudioTracks(): MediaStreamTrackLike[];
  getVideoTracks(): MediaStreamTrackLike[];
  addTrack(track: MediaStreamTrackLike): void;
  removeTrack(track: MediaStreamTrackLike): void;
}

export interface RtpSenderLike {
  readonly track: MediaStreamTrackLike | null;
  replaceTrack(track: MediaStreamTrackLike | null): Promise<void>;
}

export interface RtpReceiverLike {
  readonly track: MediaStreamTrackLike;
}

/** One m-section's sender/receiver pair (unified plan, RFC 8829 §3.4.1). */
export interface RtpTransceiverLike {
  readonly mid: string | null;
  /** What this side wants (set it to change what the next offer or answer says). */
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' | 'stopped';
  readonly currentDirection?: string | null;
  readonly sender: RtpSenderLike;
  readonly receiver: RtpReceiverLike;
}

export interface DataChannelLike {
  close(): void;
}

/** A stats report: a Map of stats dictionaries by id (RTCStatsReport is map-like in browsers and wrtc). */
export interface StatsReportLike {
  forEach(cb: (stat: Record<string, unknown> & { id: string; type: string }) => void): void;
}

export interface TrackEventLike {
  readonly track: MediaStreamTrackLike;
  readonly streams: readonly MediaStreamLike[];
}

export interface IceCandidateEventLike {
  readonly candidate: IceCandidateLike | null;
}

export interface PeerConnectionEventMap {
  icecandidate: IceCandidateEventLike;
  track: TrackEventLike;
  connectionstatechange: unknown;
  iceconnectionstatechange: unknown;
  icegatheringstatechange: unknown;
}

export interface RTCPeerConnectionLike {
  readonly connectionState: string;
  readonly iceConnectionState: string;
  readonly iceGatheringState: string;
  readonly signalingState: string;
  readonly localDescription: SessionDescriptionLike | null;
  readonly remoteDescription: SessionDescriptionLike | null;
  addEventListener<K extends keyof PeerConnectionEventMap>(type: K, listener: (ev: PeerConnectionEventMap[K]) => void): void;
  removeEventListener<K extends keyof PeerConnectionEventMap>(type: K, listener: (ev: PeerConnectionEventMap[K]) => void): void;
  createOffer(options?: { iceRestart?: boolean }): Promise<SessionDescriptionLike>;
  createAnswer(): Promise<SessionDescriptionLike>;
  setLocalDescription(description: SessionDescriptionLike): Promise<void>;
  setRemoteDescription(description: SessionDescriptionLike): Promise<void>;
  addIceCandidate(candidate: IceCandidateLike): Promise<void>;
  addTrack(track: MediaStreamTrackLike, ...streams: MediaStreamLike[]): RtpSenderLike;
  getSenders(): RtpSenderLike[];
  getReceivers(): RtpReceiverLike[];
  getTransceivers(): RtpTransceiverLike[];
  createDataChannel(label: string): DataChannelLike;
  getConfiguration(): RTCConfigurationLike;
  setConfiguration(configuration: RTCConfigurationLike): void;
  restartIce(): void;
  getStats(): Promise<StatsReportLike>;
  close(): void;
}

export type RTCPeerConnectionCtor = new (configuration: RTCConfigurationLike) => RTCPeerConnectionLike;

export interface MediaTrackConstraintsLike {
  deviceId?: string | { exact: string };
}

export interface MediaStreamConstraintsLike {
  audio?: boolean | MediaTrackConstraintsLike;
  video?: boolean | MediaTrackConstraintsLike;
}

export interface MediaDeviceInfoLike {
  readonly deviceId: string;
  readonly kind: string;
  readonly label: string;
  readonly groupId?: string;
}

/** What the engine needs from the platform. */
export interface RtcPlatform {
  RTCPeerConnection: RTCPeerConnectionCtor;
  getUserMedia(constraints: MediaStreamConstraintsLike): Promise<MediaStreamLike>;
  enumerateDevices?(): Promise<MediaDeviceInfoLike[]>;
  /**
   * Builds the remote stream when the other side's tracks come without one (a `track` event with no
   * streams: the callee answers before it has a microphone and attaches it with replaceTrack, so its
   * answer names no stream). Without it such tracks are not shown.
   */
  MediaStream?: new (tracks?: MediaStreamTrackLike[]) => MediaStreamLike;
}
