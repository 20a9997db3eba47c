import './errors.js';
import { AppError } from '../kernel/errors.js';

/**
 * The ICE candidate attribute grammar of RFC 8839 §5.1, parsed strictly and written back from the
 * parsed fields only, so nothing a client puts into a candidate reaches the other side unless this
 * file understood it. PURE: no I/O, no clock; the only exception it throws is AppError bad_candidate.
 *
 *   candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
 *                         connection-address SP port SP cand-type [SP rel-addr] [SP rel-port]
 *                         *(SP cand-extension)
 *   foundation = 1*32ice-char · component-id = 1*3DIGIT · priority = 1*10DIGIT
 *   cand-type = "typ" SP ("host" / "srflx" / "prflx" / "relay" / token)
 *   rel-addr = "raddr" SP connection-address · rel-port = "rport" SP port
 *   cand-extension = extension-att-name SP extension-att-value
 */
export interface Candidate {
  foundation: string;
  component: number;
  /** Lower-cased transport token (`udp`, `tcp`, or an extension token). */
  transport: string;
  priority: number;
  address: string;
  port: number;
  /** Lower-cased candidate type (`host`, `srflx`, `prflx`, `relay`, or an extension token). */
  type: string;
  relAddr: string | null;
  relPort: number | null;
  extensions: Array<[name: string, value: string]>;
}

/** Longest candidate attribute value accepted; real ones are under 200 characters. */
export const MAX_CANDIDATE_LENGTH = 512;

const ICE_CHARS = /^[A-Za-z0-9+/]+$/;
/** RFC 8866 `token` (the characters SDP allows in names). */
const TOKEN = /^[!#$%&'*+\-.^_`{|}~A-Za-z0-9]+$/;
const VCHARS = /^[\x21-\x7e]*$/;
const DIGITS = /^[0-9]+$/;

function fail(reason: string): never {
  throw new AppError('bad_candidate', { reason });
}

/** Parses a candidate attribute value (`candidate:…`, without `a=`). */
export function parseCandidate(value: string): Candidate {
  if (value.length > MAX_CANDIDATE_LENGTH) fail('too_long');
  if (!/^[\x20-\x7e]*$/.test(value)) fail('characters');
  if (!value.startsWith('candidate:')) fail('prefix');
  const t = value.slice('candidate:'.length).split(' ');
  if (t.some((x) => x === '')) fail('spacing');
  if (t.length < 8) fail('too_short');
  const [foundation, component, transport, priority, address, port, typ, type] = t as [string, string, string, string, string, string, string, string];
  if (foundation.length > 32 || !ICE_CHARS.test(foundation)) fail('foundation');
  const componentId = digits(component, 3, 'component');
  if (componentId < 1 || componentId > 256) fail('component');
  if (!TOKEN.test(transport)) fail('transport');
  const prio = digits(priority, 10, 'priority');
  if (prio > 0xffffffff) fail('priority');
  if (!isConnectionAddress(address)) fail('address');
  const portNo = portNumber(port, 'port');
  if (typ !== 'typ') fail('typ');
  if (!TOKEN.test(type)) fail('type');

  const c: Candidate = {
    foundation, component: componentId, transport: transport.toLowerCase(), priority: prio, address, port: portNo,
    type: type.toLowerCase(), relAddr: null, relPort: null, extensions: [],
  };
  let i = 8;
  if (t[i] === 'raddr') {
    const a = t[i + 1];
    if (a === undefined || !isConnectionAddress(a)) fail('raddr');
    c.relAddr = a;
    i += 2;
  }
  if (t[i] === 'rport') {
    c.relPort = portNumber(t[i + 1], 'rport');
    i += 2;
  }
  for (; i < t.length; i += 2) {
    const name = t[i]!;
    const v = t[i + 1];
    if (v === undefined || !TOKEN.test(name) || !VCHARS.test(v)) fail('extension');
    // raddr/rport after an extension, or twice, is outside the grammar (and a place to hide an address).
    if (name === 'raddr' || name === 'rport') fail(name);
    c.extensions.push([name, v]);
  }
  return c;
}

function digits(s: string, max: number, reason: string): number {
  if (s.length > max || !DIGITS.test(s)) fail(reason);
  return Number(s);
}

function portNumber(s: string | undefined, reason: string): number {
  if (s === undefined) fail(reason);
  const n = digits(s, 5, reason);
  if (n > 65535) fail(reason);
  return n;
}

/** Extensions written back, each with the values it may hold; any other is dropped (it could carry anything). */
const KEPT_EXTENSIONS: Record<string, RegExp> = {
  generation: /^[0-9]{1,10}$/,
  'network-id': /^[0-9]{1,10}$/,
  'network-cost': /^[0-9]{1,10}$/,
  // ICE username fragment (RFC 8839 §5.4): 4–256 ice-chars.
  ufrag: /^[A-Za-z0-9+/]{4,256}$/,
  // RFC 6544 §4.5 TCP candidate types.
  tcptype: /^(active|passive|so)$/,
};

/**
 * Writes a candidate back. `rel-addr`/`rel-port` are ALWAYS `0.0.0.0 0`: a relay or server-reflexive
 * candidate gathered under the `all` policy carries the host's own address there (TESTING.md), and the
 * receiver needs neither (RFC 8445 §5.1.1: they are for diagnostics and QoS only). RFC 8839 §5.1 requires
 * them for srflx, prflx and relay candidates, so those always get them.
 */
export function formatCandidate(c: Candidate): string {
  let s = `candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  if (c.type !== 'host' || c.relAddr !== null || c.relPort !== null) s += ' raddr 0.0.0.0 rport 0';
  for (const [name, value] of c.extensions) {
    const allowed = KEPT_EXTENSIONS[name];
    if (allowed?.test(value)) s += ` ${name} ${value}`;
  }
  return s;
}

export type DropReason = 'relay_only' | 'unknown_type' | 'unknown_transport';

/** Why this candidate must not be forwarded, or null when it may be (after formatCandidate). */
export function dropReason(c: Candidate, relayOnly: boolean): DropReason | null {
  if (c.transport !== 'udp' && c.transport !== 'tcp') return 'unknown_transport';
  if (c.type !== 'host' && c.type !== 'srflx' && c.type !== 'prflx' && c.type !== 'relay') return 'unknown_type';
  // A relay-only side reveals no address of its own: host (also mDNS `.local`), srflx and prflx go.
  if (relayOnly && c.type !== 'relay') return 'relay_only';
  return null;
}

/** IPv4 dotted quad, IPv6 (RFC 4291 text forms, no zone), or an FQDN such as an mDNS `<uuid>.local` name. */
export function isConnectionAddress(a: string): boolean {
  return isIPv4(a) || isIPv6(a) || isFqdn(a);
}

export function isIPv4(a: string): boolean {
  const parts = a.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIPv6(a: string): boolean {
  if (a.length < 2 || a.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(a)) return false;
  let text = a;
  let groups = 0;
  // An embedded IPv4 tail (::ffff:192.0.2.1) counts as two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    if (!isIPv4(text.slice(lastColon + 1))) return false;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  for (const half of halves) {
    if (half === '') continue;
    for (const g of half.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return false;
      groups++;
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

function isFqdn(a: string): boolean {
  if (a.length > 253 || !/[A-Za-z]/.test(a)) return false;
  return a.split('.').every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}
