/**
 * Link layers of the capture (LINKTYPE_* values from the tcpdump.org link-type registry): where the
 * IP packet starts inside a frame, or why there is none.
 */

export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type LinkDecode = { ip: number } | { nonIp: string };

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_ARP = 0x0806;
/** 802.1Q, 802.1ad (QinQ) and the pre-standard 0x9100: 4-byte tags that may be stacked. */
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

/** BSD/Linux address families in DLT_NULL/DLT_LOOP headers: AF_INET is 2 everywhere, AF_INET6 differs per OS. */
const AF_INET = 2;
const AF_INET6 = new Set([10, 24, 28, 30]);

export function linkTypeSupported(linkType: number): boolean {
  return (Object.values(LinkType) as number[]).includes(linkType);
}

/** Offset of the IP header in `frame[start, end)` for `linkType`. */
export function locateIp(linkType: number, b: Uint8Array, start: number, end: number): LinkDecode {
  switch (linkType) {
    case LinkType.ETHERNET:
      // Destination and source MAC, then the EtherType (or, below 1536, an 802.3 length: LLC, not IP).
      return afterEthertype(b, start + 12, end);
    case LinkType.LINUX_SLL:
      // packet type, ARPHRD type, address length, 8-byte address, protocol (EtherType) at 14.
      return afterEthertype(b, start + 14, end);
    case LinkType.LINUX_SLL2:
      // protocol (EtherType) first, then reserved, ifindex, ARPHRD, packet type, address length, address: 20 bytes.
      return afterEthertypeAt(b, start, start + 20, end);
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return { ip: start };
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (end - start < 4) return { nonIp: 'truncated' };
      // DLT_NULL's family is in the capturing host's byte order; DLT_LOOP's is always big-endian.
      const le = (b[start] ?? 0) | ((b[start + 1] ?? 0) << 8) | ((b[start + 2] ?? 0) << 16) | ((b[start + 3] ?? 0) << 24);
      const be = (((b[start] ?? 0) << 24) | ((b[start + 1] ?? 0) << 16) | ((b[start + 2] ?? 0) << 8) | (b[start + 3] ?? 0)) >>> 0;
      const family = linkType === LinkType.LOOP || be < 0x10000 ? be : le >>> 0;
      if (family === AF_INET || AF_INET6.has(family)) return { ip: start + 4 };
      return { nonIp: `address family ${family}` };
    }
    default:
      return { nonIp: `link type ${linkType}` };
  }
}

function afterEthertype(b: Uint8Array, typeAt: number, end: number): LinkDecode {
  return afterEthertypeAt(b, typeAt, typeAt + 2, end);
}

/** Reads the EtherType at `typeAt` (payload at `payloadAt`), stepping over VLAN tags. */
function afterEthertypeAt(b: Uint8Array, typeAt: number, payloadAt: number, end: number): LinkDecode {
  let t = typeAt;
  let p = payloadAt;
  for (let tags = 0; ; tags++) {
    if (t + 2 > end) return { nonIp: 'truncated' };
    const type = ((b[t] ?? 0) << 8) | (b[t + 1] ?? 0);
    if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6) return p <= end ? { ip: p } : { nonIp: 'truncated' };
    if (type === ETHERTYPE_ARP) return { nonIp: 'arp' };
    if (VLAN_TAGS.has(type) && tags < 8) {
      // A tag is TCI (2 bytes) then the inner EtherType: the type moves 4 bytes on, and so does the payload.
      t = p + 2;
      p += 4;
      continue;
    }
    if (type < 0x0600) return { nonIp: '802.3 llc' };
    return { nonIp: `ethertype 0x${type.toString(16).padStart(4, '0')}` };
  }
}
