import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** SDP samples (tests/fixtures/sdp/README.md), read from the source tree next to dist/. */
const DIR = fileURLToPath(new URL('../../../tests/fixtures/sdp/', import.meta.url));

export type SdpSample = 'offer-audio' | 'answer-audio' | 'offer-video' | 'answer-video' | 'offer-audio-data' | 'answer-audio-data';

export function sdp(name: SdpSample): string {
  return readFileSync(`${DIR}${name}.sdp`, 'utf8');
}

interface SideAddresses {
  v4: string;
  v6: string;
  mdns: string;
  pub: string;
}

/** The addresses written into the samples: the caller's in offer-*, the callee's in answer-*. */
export const ADDR = JSON.parse(readFileSync(`${DIR}addresses.json`, 'utf8')) as { caller: SideAddresses; callee: SideAddresses; relay: string };

/** Every address of one side (never the shared relay's). */
export function ownAddresses(side: 'caller' | 'callee'): string[] {
  const a = ADDR[side];
  return [a.v4, a.v6, a.mdns, a.pub];
}

/** True when `text` contains `address` as a whole token (192.168.1.2 is not in 192.168.1.23). */
export function mentions(text: string, address: string): boolean {
  const esc = address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^0-9A-Za-z.:-])${esc}($|[^0-9A-Za-z.:-])`).test(text);
}

/** Trickled candidates of one side, as a browser sends them (`all` policy: host, srflx with raddr = host, relay with raddr = srflx). */
export function trickle(side: 'caller' | 'callee', port = 61000): { host: string; mdns: string; srflx: string; prflx: string; relay: string; tcp: string } {
  const a = ADDR[side];
  return {
    host: `candidate:1 1 udp 2122260223 ${a.v4} ${port} typ host generation 0 ufrag abcd network-id 1`,
    mdns: `candidate:2 1 udp 2122194687 ${a.mdns} ${port + 1} typ host generation 0 ufrag abcd network-id 2`,
    srflx: `candidate:3 1 udp 1686052607 ${a.pub} ${port + 2} typ srflx raddr ${a.v4} rport ${port} generation 0 ufrag abcd network-id 1`,
    prflx: `candidate:4 1 udp 1853824767 ${a.pub} ${port + 3} typ prflx raddr ${a.v4} rport ${port} generation 0 ufrag abcd`,
    relay: `candidate:5 1 udp 41885439 ${ADDR.relay} ${port + 4} typ relay raddr ${a.pub} rport ${port + 2} generation 0 ufrag abcd network-id 1`,
    tcp: `candidate:6 1 tcp 1518280447 ${a.v4} 9 typ host tcptype active generation 0 ufrag abcd network-id 1`,
  };
}
