/**
 * CRC-32 (ISO/IEC 3309, the polynomial of zlib and Ethernet) for the STUN FINGERPRINT attribute
 * (RFC 8489 §14.7). Node 20's zlib has no crc32 before 20.15, so a table of our own keeps the
 * codec independent of the runtime's minor version.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
