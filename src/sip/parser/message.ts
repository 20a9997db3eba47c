import { canonicalHeaderName, knownHeaderName } from './header-names.js';
import { parseStartLine, TOKEN } from './start-line.js';
import { DEFAULT_SIP_LIMITS, parseError, type ParseResult, type SipHeader, type SipLimits, type SipMessage } from './types.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

/** Where the header section ends: index of the blank line and the length of the separator. */
function findHeaderEnd(buf: Buffer, limit: number): { at: number; sep: number } | undefined {
  const window = buf.length > limit ? buf.subarray(0, limit) : buf;
  const crlf = window.indexOf(CRLFCRLF);
  // Bare LF line ends are tolerated on receipt (robustness; RFC 3261 §7 requires CRLF when sending).
  const lf = window.indexOf(LFLF);
  if (crlf === -1 && lf === -1) return undefined;
  if (crlf === -1 || (lf !== -1 && lf < crlf)) return { at: lf, sep: 2 };
  return { at: crlf, sep: 4 };
}

/** Result of looking at the front of a stream buffer (TCP/TLS/WS, RFC 3261 §18.3). */
export type StreamFrame =
  | { kind: 'need_more' }
  /** RFC 5626 §3.5.1: a CRLFCRLF "ping"; the transport answers with a CRLF "pong". */
  | { kind: 'keepalive'; length: number }
  | { kind: 'message'; length: number }
  | { kind: 'error'; error: import('./types.js').SipParseError };

/**
 * Finds the length of the next message at the front of a stream buffer. On streams Content-Length
 * is mandatory (§18.3): without it the next message could not be found, so that is an error.
 */
export function frameStream(buf: Buffer, limits: SipLimits = DEFAULT_SIP_LIMITS): StreamFrame {
  let lead = 0;
  while (lead < buf.length && (buf[lead] === 0x0d || buf[lead] === 0x0a)) lead++;
  if (lead > 0) {
    if (buf.subarray(0, 4).equals(CRLFCRLF)) return { kind: 'keepalive', length: 4 };
    if (lead === buf.length) return lead >= 4 ? { kind: 'keepalive', length: lead } : { kind: 'need_more' };
    // Stray CRLFs before a message (§7.5: ignore them) count as a keep-alive of that length.
    return { kind: 'keepalive', length: lead };
  }
  const end = findHeaderEnd(buf, limits.maxMessageBytes);
  if (!end) {
    if (buf.length >= limits.maxMessageBytes) return { kind: 'error', error: { code: 'message_too_large', status: 513, detail: 'no end of headers within the size limit' } };
    return { kind: 'need_more' };
  }
  const head = buf.subarray(0, end.at).toString('utf8');
  const m = /(?:^|\n)(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(head);
  if (!m) return { kind: 'error', error: { code: 'missing_header', status: 400, detail: 'Content-Length is required on stream transports' } };
  const len = parseContentLength(m[1]!.trim());
  if (len === undefined) return { kind: 'error', error: { code: 'bad_content_length', status: 400, detail: 'bad Content-Length' } };
  if (len > limits.maxBodyBytes) return { kind: 'error', error: { code: 'body_too_large', status: 413, detail: 'body too large' } };
  const total = end.at + end.sep + len;
  if (total > limits.maxMessageBytes) return { kind: 'error', error: { code: 'message_too_large', status: 513, detail: 'message too large' } };
  return buf.length >= total ? { kind: 'message', length: total } : { kind: 'need_more' };
}

function parseContentLength(text: string): number | undefined {
  // 1*DIGIT (§20.14); refuse absurd digit strings before Number() rounds them.
  if (!/^\d{1,9}$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Parses one whole SIP message (RFC 3261 §7). `datagram`: UDP rules — Content-Length may be absent
 * (the body is the rest of the datagram) and extra bytes after the body are discarded (§18.3).
 */
export function parseMessage(buf: Buffer, opts: { datagram: boolean; limits?: SipLimits }): ParseResult<SipMessage> {
  const limits = opts.limits ?? DEFAULT_SIP_LIMITS;
  if (buf.length > limits.maxMessageBytes) return parseError('message_too_large', 'message too large', 513);
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++; // §7.5
  const rest = buf.subarray(start);
  const end = findHeaderEnd(rest, limits.maxMessageBytes);
  if (!end) return parseError('truncated', 'no blank line after the headers');
  const lines = splitLines(rest.subarray(0, end.at).toString('utf8'));
  const startLine = parseStartLine(lines[0]!);
  if (!startLine.ok) return startLine;
  const headers = parseHeaderLines(lines, 1, limits);
  if (!headers.ok) return headers;

  const bodyStart = end.at + end.sep;
  const available = rest.length - bodyStart;
  const lengths = headers.value.filter((h) => h.name === 'Content-Length');
  let bodyLength = available;
  if (lengths.length > 1) return parseError('bad_content_length', 'more than one Content-Length');
  if (lengths.length === 1) {
    const len = parseContentLength(lengths[0]!.value);
    if (len === undefined) return parseError('bad_content_length', 'bad Content-Length');
    if (len > available) return parseError('truncated', 'body shorter than Content-Length');
    bodyLength = len;
  } else if (!opts.datagram) {
    return parseError('missing_header', 'Content-Length is required on stream transports');
  }
  if (bodyLength > limits.maxBodyBytes) return parseError('body_too_large', 'body too large', 413);
  const body = Buffer.from(rest.subarray(bodyStart, bodyStart + bodyLength));
  const sl = startLine.value;
  return sl.kind === 'request'
    ? { ok: true, value: { kind: 'request', method: sl.method, uri: sl.uri, headers: headers.value, body } }
    : { ok: true, value: { kind: 'response', status: sl.status, reason: sl.reason, headers: headers.value, body } };
}

/** The same lines as `text.split(/\r?\n/)`, without a regular expression (hot path). */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    if (nl === -1) {
      lines.push(text.slice(from));
      return lines;
    }
    lines.push(text.slice(from, nl > from && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl));
    from = nl + 1;
  }
}

/** message-header lines (§7.3) from `lines[first]` on: unfolds continuation lines (§7.3.1) and expands compact names. */
function parseHeaderLines(lines: string[], first: number, limits: SipLimits): ParseResult<SipHeader[]> {
  const headers: SipHeader[] = [];
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > limits.maxHeaderBytes) return parseError('header_too_long', 'header line too long', 413);
    const c0 = line.charCodeAt(0);
    if (c0 === 0x20 || c0 === 0x09) {
      const last = headers[headers.length - 1];
      if (!last) return parseError('malformed_header', 'continuation line before any header');
      last.value = `${last.value} ${line.trim()}`.trim();
      if (last.value.length > limits.maxHeaderBytes) return parseError('header_too_long', 'header too long', 413);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return parseError('malformed_header', 'header line without a name and colon');
    let nameEnd = colon;
    while (nameEnd > 0 && (line.charCodeAt(nameEnd - 1) === 0x20 || line.charCodeAt(nameEnd - 1) === 0x09)) nameEnd--;
    const rawName = line.slice(0, nameEnd);
    // A name in the known table is a token already; only others need the grammar check.
    const known = knownHeaderName(rawName);
    if (known === undefined && !TOKEN.test(rawName)) return parseError('malformed_header', 'bad header name');
    if (headers.length >= limits.maxHeaderCount) return parseError('too_many_headers', 'too many headers', 413);
    headers.push({ name: known ?? canonicalHeaderName(rawName), value: line.slice(colon + 1).trim() });
  }
  return { ok: true, value: headers };
}
