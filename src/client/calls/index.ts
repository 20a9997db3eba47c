export { CallEngine, CallEngineError } from './engine.js';
export { measureRelays, chooseRelay, iceServerFor, type RelayRtt } from './relay-rtt.js';
export { readQuality, type MediaQuality } from './stats.js';
export type { ActiveCall, CallApi, CallEngineOptions, CallOperation, CallPeer, CallPhase, CallQuality, CallVerification, IncomingCall } from './types.js';
export type * from './rtc-types.js';
