import type { SipHeader, SipMessage } from './types.js';

/**
 * Bytes of a message (RFC 3261 §7): start line, headers, CRLF, body. Content-Length is always
 * written from the body actually sent (§20.14; mandatory on streams, §18.3).
 */
export function serializeMessage(msg: SipMessage): Buffer {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [start];
  for (const h of msg.headers) if (h.name !== 'Content-Length') lines.push(`${h.name}: ${sanitize(h.value)}`);
  lines.push(`Content-Length: ${msg.body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), msg.body]);
}

/** A header value can never inject a new line into what we send. */
function sanitize(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

/** Copies headers of one name from a request into a response (§8.2.6.2: Via, From, To, Call-ID, CSeq). */
export function copyHeaders(from: { headers: SipHeader[] }, names: readonly string[]): SipHeader[] {
  return from.headers.filter((h) => names.includes(h.name)).map((h) => ({ ...h }));
}
