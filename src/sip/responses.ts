import { randomHex } from './random-pool.js';
import { headerValues, parseVia, formatVia, parseNameAddr, type SipHeader, type SipRequest, type SipResponse } from './parser/index.js';

/** Where a request came from: the socket, never Via or Contact (issue 5). */
export interface Source {
  address: string;
  port: number;
  transport: 'UDP' | 'TCP' | 'TLS' | 'WSS';
}

/** Standard reason phrases we send (RFC 3261 §21). */
const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 202: 'Accepted', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 413: 'Request Entity Too Large',
  416: 'Unsupported URI Scheme', 420: 'Bad Extension', 423: 'Interval Too Brief', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops', 486: 'Busy Here',
  487: 'Request Terminated', 488: 'Not Acceptable Here', 489: 'Bad Event', 500: 'Server Internal Error', 501: 'Not Implemented',
  503: 'Service Unavailable', 513: 'Message Too Large', 603: 'Decline',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Unknown';
}

export function newTag(): string {
  return randomHex(6);
}

/**
 * A response to a request (RFC 3261 §8.2.6): Via, From, To, Call-ID and CSeq copied; the top Via
 * gets `received` (§18.2.1) and a filled-in `rport` (RFC 3581 §4) so the answer reaches a phone
 * behind NAT; To gets our tag for anything but 100 (§8.2.6.2).
 */
export function buildResponse(req: SipRequest, status: number, source: Source, opts: { toTag?: string; headers?: SipHeader[]; body?: Buffer; reason?: string } = {}): SipResponse {
  const headers: SipHeader[] = [];
  const vias = headerValues(req, 'Via');
  vias.forEach((value, i) => headers.push({ name: 'Via', value: i === 0 ? stampVia(value, source) : value }));
  // From, To, Call-ID, CSeq in that order, each in arrival order: one pass collects all four.
  const copied: [SipHeader[], SipHeader[], SipHeader[], SipHeader[]] = [[], [], [], []];
  for (const h of req.headers) {
    const slot = COPIED.indexOf(h.name);
    if (slot === -1) continue;
    copied[slot]!.push({ name: h.name, value: h.name === 'To' && status > 100 ? withToTag(h.value, opts.toTag) : h.value });
  }
  for (const list of copied) for (const h of list) headers.push(h);
  if (opts.headers) for (const h of opts.headers) headers.push(h);
  return { kind: 'response', status, reason: opts.reason ?? reasonPhrase(status), headers, body: opts.body ?? Buffer.alloc(0) };
}

/** Adds received/rport to a Via value as RFC 3261 §18.2.1 and RFC 3581 §4 ask. */
export function stampVia(value: string, source: Source): string {
  const via = parseVia(value);
  if (!via.ok) return value;
  const v = via.value;
  if (v.params.has('rport')) {
    v.params.set('rport', String(source.port));
    v.params.set('received', source.address);
  } else if (v.host !== source.address) v.params.set('received', source.address);
  return formatVia(v);
}

const COPIED = ['From', 'To', 'Call-ID', 'CSeq'];

function withToTag(value: string, tag: string | undefined): string {
  const to = parseNameAddr(value);
  if (!to.ok || to.value.params.has('tag')) return value;
  return `${value};tag=${tag ?? newTag()}`;
}
