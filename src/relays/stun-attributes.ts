import { isIPv4, isIPv6 } from 'node:net';

/**
 * STUN/TURN attribute types and value codecs (RFC 8489 §14, RFC 8656 §18). Every decoder returns
 * null on a malformed value instead of throwing: the bytes come from the network.
 */
export const Attr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  MessageIntegritySha256: 0x001c,
  XorMappedAddress: 0x0020,
  Software: 0x8022,
  Fingerprint: 0x8028,
} as const;

/** The magic cookie (RFC 8489 §5); the XOR-*-ADDRESS attributes are masked with it. */
export const MAGIC_COOKIE = 0x2112a442;

export interface TransportAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

/** REQUESTED-TRANSPORT (RFC 8656 §18.7): protocol number 17 (UDP), then three reserved bytes. */
export const REQUESTED_TRANSPORT_UDP = Buffer.from([17, 0, 0, 0]);

export function encodeUint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function decodeUint32(value: Buffer): number | null {
  return value.length === 4 ? value.readUInt32BE(0) : null;
}

/** CHANNEL-NUMBER (RFC 8656 §18.1): the number, then two reserved bytes. */
export function encodeChannelNumber(channel: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(channel);
  return b;
}

export function decodeChannelNumber(value: Buffer): number | null {
  return value.length === 4 ? value.readUInt16BE(0) : null;
}

/**
 * XOR-MAPPED-ADDRESS and its TURN siblings (RFC 8489 §14.2): the port is XORed with the cookie's
 * top 16 bits, an IPv4 address with the cookie, an IPv6 address with cookie ‖ transaction id.
 */
export function encodeXorAddress(addr: TransportAddress, transactionId: Buffer): Buffer {
  const ip = addressBytes(addr.address);
  if (!ip) throw new Error(`not an IP address: ${addr.address}`);
  const out = Buffer.alloc(4 + ip.length);
  out[1] = ip.length === 4 ? 0x01 : 0x02;
  out.writeUInt16BE((addr.port ^ (MAGIC_COOKIE >>> 16)) & 0xffff, 2);
  const mask = xorMask(transactionId);
  for (let i = 0; i < ip.length; i++) out[4 + i] = ip[i]! ^ mask[i]!;
  return out;
}

export function decodeXorAddress(value: Buffer, transactionId: Buffer): TransportAddress | null {
  if (value.length < 4 || transactionId.length !== 12) return null;
  const family = value[1];
  const len = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (!len || value.length !== 4 + len) return null;
  const mask = xorMask(transactionId);
  const ip = Buffer.alloc(len);
  for (let i = 0; i < len; i++) ip[i] = value[4 + i]! ^ mask[i]!;
  return { family: len === 4 ? 'IPv4' : 'IPv6', address: formatAddress(ip), port: (value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16)) & 0xffff };
}

/** ERROR-CODE (RFC 8489 §14.8): class (hundreds) and number, then a UTF-8 reason phrase. */
export function encodeErrorCode(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const b = Buffer.alloc(4 + text.length);
  b[2] = Math.floor(code / 100) & 0x07;
  b[3] = code % 100;
  text.copy(b, 4);
  return b;
}

export function decodeErrorCode(value: Buffer): { code: number; reason: string } | null {
  if (value.length < 4) return null;
  const cls = value[2]! & 0x07;
  const num = value[3]!;
  if (cls < 3 || cls > 6 || num > 99) return null;
  return { code: cls * 100 + num, reason: value.subarray(4).toString('utf8') };
}

function xorMask(transactionId: Buffer): Buffer {
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4, 0, 12);
  return mask;
}

/** The 4 or 16 bytes of an IPv4/IPv6 literal, or null. */
export function addressBytes(address: string): Buffer | null {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!isIPv6(address)) return null;
  address = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) is local, not on the wire
  const [head, tail] = address.includes('::') ? address.split('::') as [string, string] : [address, undefined];
  const parse = (part: string): number[] => {
    if (!part) return [];
    const words: number[] = [];
    for (const piece of part.split(':')) {
      if (isIPv4(piece)) {
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        words.push((a << 8) | b, (c << 8) | d);
      } else words.push(parseInt(piece, 16));
    }
    return words;
  };
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
}

/** Dotted quad or RFC 5952 text (lower case, longest zero run compressed). */
export function formatAddress(ip: Buffer): string {
  if (ip.length === 4) return [...ip].join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(ip.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
