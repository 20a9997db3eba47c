import './errors.js';
import { AppError } from '../kernel/errors.js';
import type { CandidateInit } from '../protocol/calls.js';
import { dropReason, formatCandidate, isIPv4, isIPv6, parseCandidate, type DropReason } from './candidate.js';

/**
 * What the server forwards of a party's session descriptions and candidates (docs/calls.md,
 * "Sanitising"). PURE: strings in, strings out; the only exceptions are AppError bad_sdp,
 * bad_candidate and too_many_candidates. Property-tested in sanitize.test.ts.
 *
 * The fields of an SDP that carry transport addresses (RFC 8866 §5.2 `o=`, §5.7 `c=`, RFC 3605
 * `a=rtcp:`, RFC 8839 §5.1 `a=candidate:` and §5.2 `a=remote-candidates:`; the `m=` port is the
 * default candidate's port) are rewritten when a description is masked. A masked description also
 * keeps only the lines and attributes a JSEP description (RFC 8829) is made of, so a field this file
 * does not know cannot carry an address past it.
 */

export type { DropReason } from './candidate.js';

export type SanitizedCandidate = { ok: true; candidate: CandidateInit } | { ok: false; reason: DropReason };

const MID = /^[!#$%&'*+\-.^_`{|}~A-Za-z0-9]{1,32}$/;

/**
 * One trickled candidate of a side. Every side gets `raddr 0.0.0.0 rport 0`; a relay-only side's
 * non-relay candidates are dropped (not an error: a client gathering under `all` by mistake still
 * gets its call, relayed). The empty candidate (end of candidates, RFC 8838 §13) passes as it is.
 */
export function sanitizeCandidate(init: CandidateInit, relayOnly: boolean): SanitizedCandidate {
  const mid = init.sdpMid ?? null;
  const index = init.sdpMLineIndex ?? null;
  if (mid !== null && (typeof mid !== 'string' || !MID.test(mid))) throw new AppError('bad_candidate', { reason: 'sdpMid' });
  if (index !== null && (!Number.isInteger(index) || index < 0 || index > 255)) throw new AppError('bad_candidate', { reason: 'sdpMLineIndex' });
  if (typeof init.candidate !== 'string') throw new AppError('bad_candidate', { reason: 'candidate' });
  const out: CandidateInit = { candidate: '' };
  if (mid !== null) out.sdpMid = mid;
  if (index !== null) out.sdpMLineIndex = index;
  if (init.candidate === '') return { ok: true, candidate: out };
  // W3C webrtc-pc §4.8.1.1: a candidate needs an m-section to belong to.
  if (mid === null && index === null) throw new AppError('bad_candidate', { reason: 'no_mid' });
  const c = parseCandidate(init.candidate);
  const reason = dropReason(c, relayOnly);
  if (reason) return { ok: false, reason };
  out.candidate = formatCandidate(c);
  return { ok: true, candidate: out };
}

export interface SdpOptions {
  /** calls.maxSdpBytes. */
  maxBytes: number;
  /** calls.maxCandidates: more `a=candidate` lines in one description are refused. */
  maxCandidates: number;
  /** This side is relay-only: drop its non-relay candidates and mask the addresses of the description. */
  relayOnly: boolean;
  /**
   * Take every candidate out (returned in `candidates`, sanitised) and mask the addresses whatever
   * relayOnly says: the offer shown to ringing devices that have not answered (no leak before answer).
   */
  extractCandidates: boolean;
}

export interface SanitizedSdp {
  sdp: string;
  /** With extractCandidates: the candidates taken out (sanitised, filtered), with sdpMid and sdpMLineIndex. */
  candidates: CandidateInit[];
  /** Why each dropped candidate was dropped (for metrics). */
  dropped: DropReason[];
  /** `a=candidate` lines received (they count toward calls.maxCandidates). */
  received: number;
}

/** The DTLS protocols allowed on an m-line: media is always DTLS-SRTP (RFC 5764, RFC 8827 §6.5); data channels DTLS/SCTP (RFC 8841). */
const RTP_PROTO = 'UDP/TLS/RTP/SAVPF';
const DATA_PROTO = 'UDP/DTLS/SCTP';
/** RFC 8122 §5: `a=fingerprint:<hash-func> <hex pairs separated by ':'>`; SHA-256 is what browsers send (RFC 8827 §6.5). */
const FINGERPRINT = /^a=fingerprint:(\S+) ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+)$/;
const SHA256_FP = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31}$/;

function bad(reason: string, extra: Record<string, unknown> = {}): never {
  throw new AppError('bad_sdp', { reason, ...extra });
}

interface Section {
  /** Index of the m-line (0-based) or -1 for the session part. */
  index: number;
  lines: string[];
  /** Candidate values found in the section, in order. */
  candidates: string[];
  mid: string | null;
  sha256: boolean;
  port: number;
  endOfCandidates: boolean;
}

/**
 * Validates and sanitises one session description (an offer or an answer) of a party.
 * `v=0` first, at most maxBytes (UTF-8), well-formed lines, every m-line DTLS-protected, a SHA-256
 * DTLS fingerprint for the session or every used m-section (RFC 8842 §5 / RFC 5763 §5).
 */
export function sanitizeSdp(sdp: string, opts: SdpOptions): SanitizedSdp {
  if (typeof sdp !== 'string') bad('not_text');
  if (utf8Length(sdp) > opts.maxBytes) bad('too_large', { maxBytes: opts.maxBytes });
  const raw = sdp.split(/\r?\n/);
  if (raw[raw.length - 1] === '') raw.pop();
  if (raw[0] !== 'v=0') bad('no_version');

  const sections: Section[] = [];
  let current: Section = newSection(-1, 0);
  sections.push(current);
  let received = 0;
  raw.forEach((line, n) => {
    // RFC 8866 §5: `<type>=<value>`, one lower-case letter; no control characters (a NUL or a bare CR hides lines).
    if (!/^[a-z]=/.test(line) || hasControl(line)) bad('malformed_line', { line: n + 1 });
    if (line.startsWith('m=')) {
      const m = /^m=([A-Za-z0-9_-]+) ([0-9]{1,5})(?:\/[0-9]+)? (\S+)((?: \S+)+)$/.exec(line);
      if (!m) bad('malformed_line', { line: n + 1 });
      const [, media, port, proto, fmts] = m as unknown as [string, string, string, string, string];
      const allowed = media === 'application' ? DATA_PROTO : RTP_PROTO;
      if (proto !== allowed) bad('media_protocol', { media, proto });
      // The formats are RTP payload types (RFC 3551 §6, 0–127), or the one data channel format
      // (RFC 8841 §4.1); anything else is where a line swallowed by a lost line break would hide.
      const formatOk = media === 'application' ? fmts === ' webrtc-datachannel' : /^(?: (?:[0-9]|[1-9][0-9]|1[01][0-9]|12[0-7]))+$/.test(fmts);
      if (!formatOk) bad('malformed_line', { line: n + 1 });
      if (Number(port) > 65535) bad('malformed_line', { line: n + 1 });
      current = newSection(sections.length - 1, Number(port));
      sections.push(current);
    } else if (line.startsWith('a=candidate:')) {
      if (current.index < 0) bad('candidate_outside_media', { line: n + 1 });
      received++;
      if (received > opts.maxCandidates) throw new AppError('too_many_candidates', { max: opts.maxCandidates });
      current.candidates.push(line.slice(2));
      return;
    } else if (line.startsWith('a=mid:')) {
      const mid = line.slice('a=mid:'.length);
      if (!MID.test(mid)) bad('mid', { line: n + 1 });
      current.mid = mid;
    } else if (line.startsWith('a=fingerprint:')) {
      const fp = FINGERPRINT.exec(line);
      if (!fp) bad('fingerprint', { line: n + 1 });
      if (fp[1]!.toLowerCase() === 'sha-256') {
        if (!SHA256_FP.test(fp[2]!)) bad('fingerprint', { line: n + 1 });
        current.sha256 = true;
      }
    } else if (line === 'a=end-of-candidates') {
      current.endOfCandidates = true;
      return;
    }
    current.lines.push(line);
  });

  const media = sections.slice(1);
  if (media.length === 0) bad('no_media');
  // Port 0 marks a rejected m-section (RFC 3264 §6): it carries no media, so it needs no fingerprint.
  if (!sections[0]!.sha256 && media.some((s) => s.port !== 0 && !s.sha256)) bad('no_fingerprint');

  const mask = opts.relayOnly || opts.extractCandidates;
  const candidates: CandidateInit[] = [];
  const dropped: DropReason[] = [];
  const out: string[] = [];
  for (const section of sections) {
    const kept: string[] = [];
    for (const value of section.candidates) {
      const c = parseCandidate(value);
      const reason = dropReason(c, opts.relayOnly);
      if (reason) {
        dropped.push(reason);
        continue;
      }
      const text = formatCandidate(c);
      if (opts.extractCandidates) {
        const init: CandidateInit = { candidate: text, sdpMLineIndex: section.index };
        if (section.mid !== null) init.sdpMid = section.mid;
        candidates.push(init);
      } else {
        kept.push(`a=${text}`);
      }
    }
    for (const line of section.lines) {
      const rewritten = mask ? maskLine(line, section) : line;
      if (rewritten === null) continue;
      // o=, c= and a=rtcp were rewritten to placeholders; every other line must name no address.
      if (mask && !/^(?:o=|c=|a=rtcp:)/.test(line) && addressIn(line)) bad('address_in_line', { line: raw.indexOf(line) + 1 });
      out.push(rewritten);
    }
    out.push(...kept);
    if (section.endOfCandidates && !opts.extractCandidates) out.push('a=end-of-candidates');
  }
  return { sdp: `${out.join('\r\n')}\r\n`, candidates, dropped, received };
}

/**
 * A masked description must not carry an address anywhere: the lines that may hold one (o=, c=,
 * a=rtcp, candidates) are rewritten or taken out, and any other line still naming an IP address or
 * an mDNS name (RFC 8866 grammar aside: a line that swallowed its neighbour, an attribute value a
 * client filled in) is refused rather than passed on. Tokens split at white space; `name:value`
 * forms (a=ssrc's `cname:`) are looked at after the first colon too.
 */
function addressIn(line: string): boolean {
  for (const token of line.slice(2).split(/\s+/)) {
    const tail = token.includes(':') ? token.slice(token.indexOf(':') + 1) : '';
    for (const t of tail ? [token, tail] : [token]) {
      if (isIPv4(t) || isIPv6(t) || /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.local\.?$/i.test(t)) return true;
    }
  }
  return false;
}

/** Any control character but TAB (RFC 8866 §9 allows none in a line). */
function hasControl(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

function newSection(index: number, port: number): Section {
  return { index, lines: [], candidates: [], mid: null, sha256: false, port, endOfCandidates: false };
}

/** One line with this side's addresses replaced; null drops the line. */
function maskLine(line: string, section: Section): string | null {
  if (line.startsWith('o=')) {
    // RFC 8866 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>.
    // The username and address identify the host; sess-id/version must survive renegotiation.
    const f = line.slice(2).split(' ');
    if (f.length !== 6) bad('origin');
    return `o=- ${f[1]} ${f[2]} IN IP4 127.0.0.1`;
  }
  if (line.startsWith('c=')) {
    // RFC 8866 §5.7; with ICE the c= line is only the default candidate's (RFC 8839 §4.2.1.2).
    const f = line.slice(2).split(' ');
    if (f.length !== 3 || f[0] !== 'IN' || (f[1] !== 'IP4' && f[1] !== 'IP6')) bad('connection');
    return f[1] === 'IP6' ? 'c=IN IP6 ::' : 'c=IN IP4 0.0.0.0';
  }
  if (line.startsWith('a=rtcp:')) {
    // RFC 3605: a=rtcp:<port> [<nettype> <addrtype> <address>].
    const f = line.slice('a=rtcp:'.length).split(' ');
    if (f.length === 1) return 'a=rtcp:9';
    if (f.length !== 4 || (f[2] !== 'IP4' && f[2] !== 'IP6')) bad('rtcp');
    return f[2] === 'IP6' ? 'a=rtcp:9 IN IP6 ::' : 'a=rtcp:9 IN IP4 0.0.0.0';
  }
  if (line.startsWith('m=')) {
    // JSEP's port for an m-section without a default candidate (RFC 8829 §5.2.1): 9, the discard port.
    return section.port === 0 ? line : line.replace(/^(m=\S+ )[0-9]+/, (_, head: string) => `${head}9`);
  }
  if (line.startsWith('a=')) {
    // Only attributes JSEP descriptions use, whose values carry no address; anything else (an
    // attribute of some future client, `a=remote-candidates` of RFC 8839 §5.2, which browsers with
    // full ICE never need) is dropped rather than passed on unread.
    const name = /^a=([A-Za-z0-9_-]+)(?::|$)/.exec(line)?.[1];
    return name !== undefined && MASKED_ATTRIBUTES.has(name) ? line : null;
  }
  if (line === 'v=0' || line.startsWith('o=')) return line;
  // The session name is free text (RFC 8866 §5.3): JSEP writes "-".
  if (line.startsWith('s=')) return 's=-';
  if (/^t=[0-9]+ [0-9]+$/.test(line) || /^b=[A-Za-z0-9_-]+:[0-9]+$/.test(line)) return line;
  // i=, u=, e=, p=, k=, r=, z= (free text, URIs, e-mail, phone numbers) and malformed t=/b=: never needed by WebRTC.
  return null;
}

/**
 * Attributes kept in a masked description: those of JSEP (RFC 8829 §5.2) and the RFCs it cites,
 * plus what Chrome, Firefox and Safari add. `a=candidate`, `a=end-of-candidates` and `a=rtcp` are
 * handled on their own.
 */
const MASKED_ATTRIBUTES = new Set([
  'group', 'extmap-allow-mixed', 'msid-semantic', 'ice-lite', 'ice-ufrag', 'ice-pwd', 'ice-options', 'fingerprint', 'setup',
  'identity', 'tls-id', 'sendrecv', 'sendonly', 'recvonly', 'inactive', 'mid', 'extmap', 'msid', 'rtcp-mux', 'rtcp-mux-only',
  'rtcp-rsize', 'rtpmap', 'rtcp-fb', 'fmtp', 'ssrc', 'ssrc-group', 'rid', 'simulcast', 'sctp-port', 'sctpmap', 'max-message-size',
  'bundle-only', 'ptime', 'maxptime', 'framerate', 'imageattr', 'content', 'label', 'x-google-flag',
]);

/** UTF-8 byte length without TextEncoder allocations for ASCII (SDP is ASCII in practice). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
