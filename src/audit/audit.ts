import { canonicalAddress } from './addresses.js';
import type { Packet } from './types.js';

/**
 * The leak audit (issue 4): from the captured host's point of view, every remote address it
 * exchanged packets with, by protocol and ports, and whether that address belongs to the other party
 * of a call. A protected call must show the relay's address and never the peer's.
 */

export interface AuditOptions {
  /** The captured host's own addresses. */
  self: string[];
  /** Addresses that must not appear (the other party); rows with them are flagged. */
  peers: string[];
}

export interface AuditRow {
  remote: string;
  protocol: string;
  remotePort: number | null;
  /** The self address of this conversation (a host may have several). */
  local: string;
  localPort: number | null;
  packetsOut: number;
  packetsIn: number;
  bytesOut: number;
  bytesIn: number;
  /** Microseconds since the epoch; null when the capture carries no timestamps (pcapng SPB). */
  firstSeenUs: number | null;
  lastSeenUs: number | null;
  peer: boolean;
}

/** Traffic seen on the capture where neither end is a self address (a shared segment, a wrong --self). */
export interface PassingRow {
  /** The two ends, lower address first in text order. */
  a: string;
  b: string;
  protocol: string;
  packets: number;
  bytes: number;
  peer: boolean;
}

export interface AuditReport {
  self: string[];
  peers: string[];
  packets: number;
  ipPackets: number;
  /** Frames without IP, by kind (`arp`, `ethertype 0x88cc` …). */
  nonIp: Record<string, number>;
  remotes: AuditRow[];
  /** Distinct remote addresses in `remotes`. */
  remoteAddresses: number;
  notInvolvingSelf: PassingRow[];
  /** Packets between two self addresses (loopback, or two addresses of the same host). */
  betweenSelf: number;
  /**
   * Packets with a peer address at either end: also those not involving self, so that a mistyped
   * `--self` cannot turn a leak into a clean report.
   */
  peerPackets: number;
}

/** IANA protocol numbers that get a name in the report. */
const PROTOCOL_NAMES: Record<number, string> = {
  1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 33: 'dccp', 41: 'ipv6-in-ip', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'icmpv6', 59: 'ipv6-nonxt', 103: 'pim', 112: 'vrrp', 132: 'sctp', 136: 'udplite',
};

export function protocolName(n: number): string {
  return PROTOCOL_NAMES[n] ?? `ip-proto-${n}`;
}

/** Canonical form of each address; invalid ones are returned separately for a usage error. */
export function canonicalAddresses(list: string[]): { ok: string[]; invalid: string[] } {
  const ok: string[] = [];
  const invalid: string[] = [];
  for (const a of list) {
    const c = canonicalAddress(a);
    if (c === null) invalid.push(a);
    else if (!ok.includes(c)) ok.push(c);
  }
  return { ok, invalid };
}

/** Accumulates packets one at a time, so a capture can be audited while it is streamed. */
export class Auditor {
  private readonly self: Set<string>;
  private readonly peers: Set<string>;
  private readonly rows = new Map<string, AuditRow>();
  private readonly passing = new Map<string, PassingRow>();
  private readonly nonIp: Record<string, number> = {};
  private packets = 0;
  private ipPackets = 0;
  private betweenSelf = 0;
  private peerPackets = 0;

  constructor(options: AuditOptions) {
    this.self = new Set(canonicalAddresses(options.self).ok);
    this.peers = new Set(canonicalAddresses(options.peers).ok);
  }

  add(p: Packet): void {
    this.packets++;
    const ip = p.ip;
    if (!ip) {
      const kind = p.nonIp ?? 'unknown';
      this.nonIp[kind] = (this.nonIp[kind] ?? 0) + 1;
      return;
    }
    this.ipPackets++;
    const protocol = protocolName(ip.protocol);
    const peer = this.peers.has(ip.src) || this.peers.has(ip.dst);
    if (peer) this.peerPackets++;
    const out = this.self.has(ip.src);
    const inbound = this.self.has(ip.dst);
    if (out && inbound) {
      this.betweenSelf++;
      return;
    }
    if (!out && !inbound) {
      const [a, b] = ip.src < ip.dst ? [ip.src, ip.dst] : [ip.dst, ip.src];
      const key = `${a}|${b}|${protocol}`;
      const row = this.passing.get(key) ?? { a, b, protocol, packets: 0, bytes: 0, peer };
      row.packets++;
      row.bytes += ip.length;
      this.passing.set(key, row);
      return;
    }
    const remote = out ? ip.dst : ip.src;
    const local = out ? ip.src : ip.dst;
    const remotePort = out ? ip.dstPort : ip.srcPort;
    const localPort = out ? ip.srcPort : ip.dstPort;
    const key = `${remote}|${protocol}|${remotePort ?? '-'}|${local}|${localPort ?? '-'}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { remote, protocol, remotePort, local, localPort, packetsOut: 0, packetsIn: 0, bytesOut: 0, bytesIn: 0, firstSeenUs: null, lastSeenUs: null, peer: this.peers.has(remote) };
      this.rows.set(key, row);
    }
    if (out) {
      row.packetsOut++;
      row.bytesOut += ip.length;
    } else {
      row.packetsIn++;
      row.bytesIn += ip.length;
    }
    if (p.timestampUs !== null) {
      if (row.firstSeenUs === null || p.timestampUs < row.firstSeenUs) row.firstSeenUs = p.timestampUs;
      if (row.lastSeenUs === null || p.timestampUs > row.lastSeenUs) row.lastSeenUs = p.timestampUs;
    }
  }

  report(): AuditReport {
    const remotes = [...this.rows.values()].sort(compareRows);
    return {
      self: [...this.self],
      peers: [...this.peers],
      packets: this.packets,
      ipPackets: this.ipPackets,
      nonIp: { ...this.nonIp },
      remotes,
      remoteAddresses: new Set(remotes.map((r) => r.remote)).size,
      notInvolvingSelf: [...this.passing.values()].sort((x, y) => y.packets - x.packets || x.a.localeCompare(y.a) || x.b.localeCompare(y.b)),
      betweenSelf: this.betweenSelf,
      peerPackets: this.peerPackets,
    };
  }
}

/** Peers first, then by address, protocol and ports, so the interesting rows lead the table. */
function compareRows(x: AuditRow, y: AuditRow): number {
  return Number(y.peer) - Number(x.peer) || compareAddresses(x.remote, y.remote) || x.protocol.localeCompare(y.protocol) || (x.remotePort ?? -1) - (y.remotePort ?? -1) || x.local.localeCompare(y.local) || (x.localPort ?? -1) - (y.localPort ?? -1);
}

/** IPv4 before IPv6, IPv4 numerically by octets. */
function compareAddresses(a: string, b: string): number {
  const av = a.includes(':');
  const bv = b.includes(':');
  if (av !== bv) return av ? 1 : -1;
  if (!av) {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
    return 0;
  }
  return a.localeCompare(b);
}

/** Audits packets already in memory. */
export function auditCapture(packets: Iterable<Packet>, options: AuditOptions): AuditReport {
  const auditor = new Auditor(options);
  for (const p of packets) auditor.add(p);
  return auditor.report();
}
