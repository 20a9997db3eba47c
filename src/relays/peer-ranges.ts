import { addressBytes, formatAddress } from './stun-attributes.js';

/**
 * Peer addresses the managed coturn refuses to relay to (coturn `denied-peer-ip`). A TURN relay
 * is an open door into the network it stands in: without this list any user with a credential
 * could reach the server's own services, its LAN or its cloud metadata endpoint through it
 * (RFC 8656 §21.3 "Inside Attacks" and §21.4, "Tunnel amplification"). The ranges are the IANA
 * special-purpose registries (RFC 6890 and its updates) that are not global unicast.
 *
 * `::/128` (unspecified) is deliberately absent: coturn refuses an all-zero peer by itself
 * (good_peer_addr → ioa_addr_is_zero), and coturn 4.6.1 reads any range that starts at `::`
 * (`::`, `::-::`, `0:0:0:0:0:0:0:0`) as a wildcard that denies EVERY peer, IPv4 included —
 * found by tests/calls/relays.test.ts, which checks a global peer stays allowed.
 */
export const DENIED_PEER_CIDRS: ReadonlyArray<{ cidr: string; why: string }> = [
  { cidr: '0.0.0.0/8', why: '"this network" (RFC 791)' },
  { cidr: '10.0.0.0/8', why: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', why: 'carrier-grade NAT (RFC 6598)' },
  { cidr: '127.0.0.0/8', why: 'loopback (RFC 1122)' },
  { cidr: '169.254.0.0/16', why: 'link-local, cloud metadata (RFC 3927)' },
  { cidr: '172.16.0.0/12', why: 'private (RFC 1918)' },
  { cidr: '192.0.0.0/24', why: 'IETF protocol assignments (RFC 6890)' },
  { cidr: '192.0.2.0/24', why: 'documentation TEST-NET-1 (RFC 5737)' },
  { cidr: '192.88.99.0/24', why: '6to4 relay anycast (RFC 7526)' },
  { cidr: '192.168.0.0/16', why: 'private (RFC 1918)' },
  { cidr: '198.18.0.0/15', why: 'benchmarking (RFC 2544)' },
  { cidr: '198.51.100.0/24', why: 'documentation TEST-NET-2 (RFC 5737)' },
  { cidr: '203.0.113.0/24', why: 'documentation TEST-NET-3 (RFC 5737)' },
  { cidr: '224.0.0.0/4', why: 'multicast (RFC 5771)' },
  { cidr: '240.0.0.0/4', why: 'reserved, and broadcast (RFC 1112, RFC 919)' },
  { cidr: '::1/128', why: 'loopback (RFC 4291)' },
  { cidr: '64:ff9b::/96', why: 'NAT64, maps IPv4 behind it (RFC 6052)' },
  { cidr: '100::/64', why: 'discard-only (RFC 6666)' },
  { cidr: '2001:db8::/32', why: 'documentation (RFC 3849)' },
  { cidr: 'fc00::/7', why: 'unique local, the IPv6 private range (RFC 4193)' },
  { cidr: 'fe80::/10', why: 'link-local (RFC 4291)' },
  { cidr: 'ff00::/8', why: 'multicast (RFC 4291)' },
];

/** Loopback, which `allowLoopbackPeers` (development/test only) lets through. */
export const LOOPBACK_CIDRS = ['127.0.0.0/8', '::1/128'] as const;

/** `a.b.c.d/n` → coturn's `first-last` range form (`::1/128` → `::1`). */
export function cidrToRange(cidr: string): string {
  const [ip, bitsText] = cidr.split('/') as [string, string | undefined];
  const bytes = addressBytes(ip);
  const bits = Number(bitsText ?? (bytes?.length ?? 0) * 8);
  if (!bytes || !Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) throw new Error(`not a CIDR block: ${cidr}`);
  const first = Buffer.from(bytes);
  const last = Buffer.from(bytes);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const hostMask = 0xff >> keep;
    first[i] = first[i]! & ~hostMask & 0xff;
    last[i] = last[i]! | hostMask;
  }
  const a = formatAddress(first);
  const b = formatAddress(last);
  return a === b ? a : `${a}-${b}`;
}
