/**
 * What the capture reader gives the audit: one `Packet` per captured frame, decoded as far as the
 * bytes allow, and `CaptureProblem`s for whatever could not be read. Nothing here throws on bad
 * input: a damaged capture yields the packets before (and often after) the damage plus problems.
 */

/** The IP layer of a frame: addresses in canonical text form (RFC 5952 for IPv6). */
export interface IpPacket {
  version: 4 | 6;
  src: string;
  dst: string;
  /** IANA protocol number of the transport (after IPv6 extension headers): 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 … */
  protocol: number;
  /** Transport ports for protocols that start with them (TCP, UDP, UDP-Lite, SCTP, DCCP); null when unknown. */
  srcPort: number | null;
  dstPort: number | null;
  /** Length of the IP packet as its header states it (header included): the bytes that crossed the wire. */
  length: number;
  /**
   * `first`/`later`: a fragment. A later fragment carries the ports of its datagram's first fragment
   * when that was seen earlier in the capture; otherwise its ports are null (counted by protocol only).
   */
  fragment: 'none' | 'first' | 'later';
}

export interface Packet {
  /** 1-based frame number, as tshark and Wireshark count. */
  index: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
  linkType: number;
  /** Microseconds since the Unix epoch; null for pcapng Simple Packet Blocks (they carry none). */
  timestampUs: number | null;
  capturedLength: number;
  originalLength: number;
  ip: IpPacket | null;
  /** Why `ip` is null: `arp`, `ethertype 0x88cc`, `link type 147`, `truncated` … */
  nonIp?: string;
}

export interface CaptureProblem {
  /** Byte offset in the capture file where the problem starts. */
  offset: number;
  /** The frame it concerns, when it concerns one. */
  frame?: number;
  message: string;
}

export type CaptureFormat = 'pcap' | 'pcapng';
