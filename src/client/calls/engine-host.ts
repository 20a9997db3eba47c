import type { CallSession } from './session.js';
import type { MediaStreamConstraintsLike, MediaStreamLike } from './rtc-types.js';
import type { ActiveCall, CallEngineOptions, CallQuality } from './types.js';

/**
 * What the engine's helper modules (connection, media controls, relay refresh) need of the engine:
 * its options and the few operations that change what UIs see. The engine implements it; the
 * helpers stay plain functions over a session, so each file holds one concern.
 */
export interface EngineHost {
  readonly o: CallEngineOptions;
  /** The call UIs see, or null before the first call. */
  readonly view: ActiveCall | null;
  /** Merges `p` into the current call (ignored for a session that is not current, or ended unless `evenIfEnded`). */
  patch(s: CallSession, p: Partial<ActiveCall>, evenIfEnded?: boolean): void;
  patchQuality(s: CallSession, q: Partial<CallQuality>): void;
  /** Ends the call as failed (hanging it up on the server when it knows the call). */
  fail(s: CallSession, err: unknown): void;
  /** Local media (`asLocal`: becomes the call's local stream); throws CallEngineError('media_unavailable'). */
  media(s: CallSession, constraints: MediaStreamConstraintsLike, asLocal?: boolean): Promise<MediaStreamLike>;
  log(...args: unknown[]): void;
}

/** A failure of the engine itself (no API error): `media_unavailable`, `call_in_progress`, `no_such_call`. */
export class CallEngineError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'CallEngineError';
  }
}
