import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from './crc32.js';
import { Attr, MAGIC_COOKIE } from './stun-attributes.js';

/**
 * STUN message framing (RFC 8489 §5–§6, formerly RFC 5389) with MESSAGE-INTEGRITY (§14.5,
 * HMAC-SHA1) and FINGERPRINT (§14.7), and the TURN methods of RFC 8656 §17.
 *
 * `decodeStun` never throws: whatever arrives on the relay's socket is either a well-formed
 * message or null (fast-check property tests in stun.test.ts feed it random and mutated bytes).
 */
export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;

export const Class = { Request: 0, Indication: 1, Success: 2, Error: 3 } as const;
export type MessageClass = (typeof Class)[keyof typeof Class];

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  method: number;
  cls: MessageClass;
  transactionId: Buffer;
  /** In wire order, up to and including MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT. */
  attributes: StunAttribute[];
  /** The whole message as received (integrity and fingerprint are checked over it). */
  raw: Buffer;
  /** Byte offset of the MESSAGE-INTEGRITY attribute header, or -1. */
  integrityAt: number;
  /** Byte offset of the FINGERPRINT attribute header (always the last attribute), or -1. */
  fingerprintAt: number;
}

const HEADER = 20;
/** FINGERPRINT is the CRC-32 XORed with "STUN" (RFC 8489 §14.7). */
const FINGERPRINT_XOR = 0x5354554e;

/** The 14-bit type: method bits M0–M11 interleaved with class bits C0, C1 (RFC 8489 §5, figure 3). */
export function messageType(method: number, cls: MessageClass): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
}

function splitType(type: number): { method: number; cls: MessageClass } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = (((type & 0x0010) >> 4) | ((type & 0x0100) >> 7)) as MessageClass;
  return { method, cls };
}

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

/**
 * The first two bits of a STUN message are zero (RFC 8489 §5); ChannelData starts 0b01
 * (RFC 8656 §12, numbers 0x4000–0x4FFF) — how one socket tells them apart.
 */
export function looksLikeStun(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER && (bytes[0]! & 0xc0) === 0 && readCookie(bytes) === MAGIC_COOKIE;
}

function readCookie(b: Uint8Array): number {
  return ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0;
}

/** Parses one whole STUN message (a UDP datagram); null when it is not one or is malformed. */
export function decodeStun(input: Uint8Array): StunMessage | null {
  if (!looksLikeStun(input)) return null;
  const raw = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const length = raw.readUInt16BE(2);
  // The length excludes the header and is a multiple of 4, since attributes are padded (§5).
  if (length % 4 !== 0 || HEADER + length !== raw.length) return null;
  const { method, cls } = splitType(raw.readUInt16BE(0));
  const attributes: StunAttribute[] = [];
  let integrityAt = -1;
  let fingerprintAt = -1;
  let at = HEADER;
  while (at < raw.length) {
    if (fingerprintAt >= 0) return null; // FINGERPRINT must be the last attribute (§14.7)
    if (at + 4 > raw.length) return null;
    const type = raw.readUInt16BE(at);
    const len = raw.readUInt16BE(at + 2);
    const end = at + 4 + len;
    if (end > raw.length) return null;
    const value = raw.subarray(at + 4, end);
    if (type === Attr.Fingerprint) {
      if (len !== 4) return null;
      fingerprintAt = at;
      attributes.push({ type, value });
    } else if (type === Attr.MessageIntegrity) {
      if (len !== 20) return null;
      if (integrityAt < 0) {
        integrityAt = at;
        attributes.push({ type, value });
      }
    } else if (integrityAt < 0 || type === Attr.MessageIntegritySha256) {
      // Anything else after MESSAGE-INTEGRITY is ignored (§14.5): it is not covered by the HMAC.
      attributes.push({ type, value });
    }
    at = end + ((4 - (len % 4)) % 4);
    if (at > raw.length) return null;
  }
  return { method, cls, transactionId: raw.subarray(8, HEADER), attributes, raw, integrityAt, fingerprintAt };
}

export interface EncodeOptions {
  /** Adds MESSAGE-INTEGRITY keyed with this (the long-term key of `longTermKey`). */
  integrityKey?: Buffer;
  /** Adds FINGERPRINT (coturn runs with `fingerprint`; RFC 8656 §5 lets clients add it). */
  fingerprint?: boolean;
}

export function encodeStun(
  msg: { method: number; cls: MessageClass; transactionId: Buffer; attributes: readonly StunAttribute[] },
  opts: EncodeOptions = {},
): Buffer {
  if (msg.transactionId.length !== 12) throw new Error('a STUN transaction id is 12 bytes');
  const parts: Buffer[] = [];
  let body = 0;
  for (const a of msg.attributes) {
    if (a.value.length > 0xffff) throw new Error(`attribute 0x${a.type.toString(16)} is too long`);
    const padded = Buffer.alloc(4 + a.value.length + ((4 - (a.value.length % 4)) % 4));
    padded.writeUInt16BE(a.type, 0);
    padded.writeUInt16BE(a.value.length, 2);
    a.value.copy(padded, 4);
    parts.push(padded);
    body += padded.length;
  }
  const header = Buffer.alloc(HEADER);
  header.writeUInt16BE(messageType(msg.method, msg.cls), 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  msg.transactionId.copy(header, 8);
  let out = Buffer.concat([header, ...parts]);
  if (opts.integrityKey) {
    // The HMAC covers the message with its length already counting MESSAGE-INTEGRITY (§14.5).
    out.writeUInt16BE(body + 24, 2);
    const mac = createHmac('sha1', opts.integrityKey).update(out).digest();
    out = Buffer.concat([out, attributeHeader(Attr.MessageIntegrity, 20), mac]);
    body += 24;
  }
  out.writeUInt16BE(body, 2);
  if (opts.fingerprint) {
    out.writeUInt16BE(body + 8, 2);
    const fp = Buffer.alloc(8);
    fp.writeUInt16BE(Attr.Fingerprint, 0);
    fp.writeUInt16BE(4, 2);
    fp.writeUInt32BE((crc32(out) ^ FINGERPRINT_XOR) >>> 0, 4);
    out = Buffer.concat([out, fp]);
  }
  return out;
}

function attributeHeader(type: number, len: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(len, 2);
  return b;
}

/**
 * Long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password). TURN REST
 * passwords are base64 (ASCII), which SASLprep/OpaqueString leaves unchanged.
 */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

/** True when the message carries a MESSAGE-INTEGRITY that matches `key`. */
export function verifyIntegrity(msg: StunMessage, key: Buffer): boolean {
  if (msg.integrityAt < 0) return false;
  const covered = Buffer.from(msg.raw.subarray(0, msg.integrityAt));
  covered.writeUInt16BE(msg.integrityAt - HEADER + 24, 2);
  const expected = createHmac('sha1', key).update(covered).digest();
  const got = msg.raw.subarray(msg.integrityAt + 4, msg.integrityAt + 24);
  return got.length === 20 && timingSafeEqual(expected, got);
}

/** 'missing', or whether the FINGERPRINT matches the CRC-32 of everything before it. */
export function checkFingerprint(msg: StunMessage): 'missing' | 'ok' | 'bad' {
  if (msg.fingerprintAt < 0) return 'missing';
  const expected = (crc32(msg.raw.subarray(0, msg.fingerprintAt)) ^ FINGERPRINT_XOR) >>> 0;
  return msg.raw.readUInt32BE(msg.fingerprintAt + 4) === expected ? 'ok' : 'bad';
}

/** The first attribute of `type`, if any. */
export function attribute(msg: StunMessage, type: number): Buffer | undefined {
  return msg.attributes.find((a) => a.type === type)?.value;
}
