import type { Update, ChannelUpdate, EphemeralMap } from './updates.js';

/**
 * The update-channel wire format (docs/protocol.md): one JSON object per WebSocket text frame.
 * Client → server frames are decoded by `decodeClientFrame`; it never throws.
 */
export type ClientFrame =
  | { op: 'hello'; token: string; pts?: number }
  | { op: 'ping'; id?: number }
  | { op: 'call'; id: number; method: string; params: Record<string, unknown> };

export type ServerFrame =
  | { op: 'welcome'; accountId: number; deviceId: number; keepAliveMs: number; pts: number }
  | ({ op: 'update' } & Update)
  /** Sent once the missed updates have been replayed; `pts` is where the device now stands. */
  | { op: 'synced'; pts: number }
  /** The device is too far behind: it must reload its state and continue from `pts`. */
  | { op: 'resync'; pts: number }
  | ({ op: 'channel' } & ChannelUpdate)
  | { op: 'event'; type: keyof EphemeralMap; data: EphemeralMap[keyof EphemeralMap] }
  | { op: 'pong'; id?: number }
  | { op: 'result'; id: number; result: unknown }
  | { op: 'error'; id?: number; error: { code: string; message: string; data?: Record<string, unknown> } };

export type FrameError = { ok: false; code: 'invalid_json' | 'bad_frame'; message: string };
export type Decoded<T> = { ok: true; value: T } | FrameError;

const MAX_ID = 2 ** 31 - 1;
const METHOD = /^[a-zA-Z][a-zA-Z0-9.]{0,63}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_ID;
}
function bad(message: string): FrameError {
  return { ok: false, code: 'bad_frame', message };
}

/** Decodes one client frame; every malformed input yields a typed error, never an exception. */
export function decodeClientFrame(text: string): Decoded<ClientFrame> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'invalid_json', message: 'frame is not valid JSON' };
  }
  if (!isObject(raw)) return bad('frame must be a JSON object');
  switch (raw.op) {
    case 'hello': {
      if (typeof raw.token !== 'string' || raw.token.length === 0 || raw.token.length > 512) return bad('hello.token must be a non-empty string');
      if (raw.pts !== undefined && !isCount(raw.pts)) return bad('hello.pts must be a non-negative integer');
      const frame: ClientFrame = { op: 'hello', token: raw.token };
      if (raw.pts !== undefined) frame.pts = raw.pts as number;
      return { ok: true, value: frame };
    }
    case 'ping': {
      if (raw.id !== undefined && !isCount(raw.id)) return bad('ping.id must be a non-negative integer');
      return { ok: true, value: raw.id === undefined ? { op: 'ping' } : { op: 'ping', id: raw.id as number } };
    }
    case 'call': {
      if (!isCount(raw.id)) return bad('call.id must be a non-negative integer');
      if (typeof raw.method !== 'string' || !METHOD.test(raw.method)) return bad('call.method must be an operation name');
      const params = raw.params ?? {};
      if (!isObject(params)) return bad('call.params must be an object');
      return { ok: true, value: { op: 'call', id: raw.id, method: raw.method, params } };
    }
    default:
      return bad('unknown op');
  }
}

/** Encodes a client frame (SDK side). */
export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame);
}

/** Encodes a server frame. */
export function encodeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

/** Decodes a server frame (SDK side); the server is trusted for shape but not for being JSON. */
export function decodeServerFrame(text: string): Decoded<ServerFrame> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'invalid_json', message: 'frame is not valid JSON' };
  }
  if (!isObject(raw) || typeof raw.op !== 'string') return bad('frame must be an object with an op');
  return { ok: true, value: raw as ServerFrame };
}

/** WebSocket close codes (RFC 6455 §7.4.2 reserves 4000–4999 for applications). */
export const CloseCodes = {
  normal: 1000,
  goingAway: 1001,
  tooBig: 1009,
  internal: 1011,
  badFrame: 4400,
  unauthorized: 4401,
  revoked: 4403,
  keepAliveTimeout: 4408,
  replaced: 4409,
  helloTimeout: 4410,
  slowConsumer: 4429,
} as const;
