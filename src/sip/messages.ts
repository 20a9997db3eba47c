import { randomHex } from './random-pool.js';
import { headerValue, serializeMessage, type SipHeader, type SipMessage, type SipRequest } from './parser/index.js';
import type { Flow } from './transport/flow.js';
import { uriHost } from './hosts.js';

/** RFC 3261 §8.1.1.7: branch ids start with the magic cookie. */
export function newBranch(): string {
  return `z9hG4bK${randomHex(10)}`;
}

/** Our Via for a request we send on a flow (rport asked, RFC 3581). */
export function ourVia(host: string, flow: Flow, branch: string): SipHeader {
  return { name: 'Via', value: `SIP/2.0/${flow.transport} ${uriHost(host)}:${flow.localPort};branch=${branch};rport` };
}

/** Our Record-Route (RFC 3261 §16.6 step 4), loose routing. */
export function ourRoute(host: string, flow: Flow): string {
  return `<sip:${uriHost(host)}:${flow.localPort};transport=${flow.transport.toLowerCase()};lr>`;
}

/** Top Via branch of a message (transaction matching, RFC 3261 §17.2.3). */
export function topBranch(msg: SipMessage): string | undefined {
  const via = headerValue(msg, 'Via');
  const m = via ? /;\s*branch=([^;,\s]+)/i.exec(via) : null;
  return m?.[1];
}

export function send(flow: Flow, msg: SipMessage): void {
  flow.send(serializeMessage(msg));
}

/** The request with its top Via removed (a response travelling upstream, §16.7 step 3). */
export function withoutTopVia<T extends SipMessage>(msg: T): T {
  const i = msg.headers.findIndex((h) => h.name === 'Via');
  if (i === -1) return msg;
  const headers = [...msg.headers];
  const first = headers[i]!;
  const comma = splitFirstVia(first.value);
  if (comma === undefined) headers.splice(i, 1);
  else headers[i] = { name: 'Via', value: comma };
  return { ...msg, headers };
}

/** For a Via field holding several values, the rest after the first; undefined if only one. */
function splitFirstVia(value: string): string | undefined {
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) return value.slice(i + 1).trim();
  }
  return undefined;
}

/** Copy of a request for forwarding: our Via on top, Max-Forwards decremented (§16.6). */
export function forwardCopy(req: SipRequest, uri: string, via: SipHeader, extra: { recordRoute?: string; dropTopRoute?: boolean } = {}): SipRequest {
  const headers: SipHeader[] = [via];
  let droppedRoute = false;
  let recorded = false;
  for (const h of req.headers) {
    if (h.name === 'Max-Forwards') {
      headers.push({ name: 'Max-Forwards', value: String(Math.max(0, Number(h.value) - 1)) });
      continue;
    }
    if (h.name === 'Route' && extra.dropTopRoute && !droppedRoute) {
      droppedRoute = true;
      const rest = splitFirstVia(h.value);
      if (rest) headers.push({ name: 'Route', value: rest });
      continue;
    }
    if (h.name === 'Record-Route' && extra.recordRoute && !recorded) {
      headers.push({ name: 'Record-Route', value: extra.recordRoute });
      recorded = true;
    }
    headers.push(h);
  }
  if (extra.recordRoute && !recorded) headers.push({ name: 'Record-Route', value: extra.recordRoute });
  if (!req.headers.some((h) => h.name === 'Max-Forwards')) headers.push({ name: 'Max-Forwards', value: '69' });
  return { ...req, uri, headers };
}
