import type { SipHeader, SipMessage } from './types.js';

/**
 * Bytes of a message (RFC 3261 §7): start line, headers, CRLF, body. Content-Length is always
 * written from the body actually sent (§20.14; mandatory on streams, §18.3).
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let text = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0\r\n` : `SIP/2.0 ${msg.status} ${msg.reason}\r\n`;
  for (const h of msg.headers) if (h.name !== 'Content-Length') text += `${h.name}: ${sanitize(h.value)}\r\n`;
  text += `Content-Length: ${msg.body.length}\r\n\r\n`;
  // One string, one encode; the copy into a second buffer only when there is a body.
  const head = Buffer.from(text, 'utf8');
  return msg.body.length ? Buffer.concat([head, msg.body]) : head;
}

/** A header value can never inject a new line into what we send. */
function sanitize(value: string): string {
  return value.includes('\r') || value.includes('\n') ? value.replace(/[\r\n]+/g, ' ') : value;
}

/** Copies headers of one name from a request into a response (§8.2.6.2: Via, From, To, Call-ID, CSeq). */
export function copyHeaders(from: { headers: SipHeader[] }, names: readonly string[]): SipHeader[] {
  return from.headers.filter((h) => names.includes(h.name)).map((h) => ({ ...h }));
}
