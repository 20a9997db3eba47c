/**
 * ChannelData messages (RFC 8656 §12.4): a 4-byte header (channel number, length) then the
 * application data; 4 bytes of overhead instead of a Send indication's 36, which is why calls
 * bind channels. Over UDP the padding to a multiple of 4 is optional (§12.5); we send none and
 * accept it when present.
 */
export const MIN_CHANNEL = 0x4000;
export const MAX_CHANNEL = 0x4fff;

export function isChannelData(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && (bytes[0]! & 0xc0) === 0x40;
}

export function encodeChannelData(channel: number, data: Uint8Array): Buffer {
  if (channel < MIN_CHANNEL || channel > MAX_CHANNEL) throw new Error(`channel ${channel} is outside 0x4000–0x4FFF`);
  if (data.length > 0xffff) throw new Error('ChannelData carries at most 65535 bytes');
  const out = Buffer.alloc(4 + data.length);
  out.writeUInt16BE(channel, 0);
  out.writeUInt16BE(data.length, 2);
  out.set(data, 4);
  return out;
}

/** null when the bytes are not a well-formed ChannelData message. */
export function decodeChannelData(bytes: Uint8Array): { channel: number; data: Buffer } | null {
  if (!isChannelData(bytes)) return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channel = b.readUInt16BE(0);
  const length = b.readUInt16BE(2);
  if (channel < MIN_CHANNEL || channel > MAX_CHANNEL || 4 + length > b.length || b.length - (4 + length) > 3) return null;
  return { channel, data: b.subarray(4, 4 + length) };
}
