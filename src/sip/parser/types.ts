/** Parsed SIP messages (RFC 3261 §7). Pure data: no sockets, no database. */

/** One header field as received, after unfolding (§7.3.1); `name` is the canonical long form. */
export interface SipHeader {
  name: string;
  value: string;
}

interface SipMessageBase {
  /** Header fields in arrival order; a comma-joined multi-value field stays one entry (see headerValues). */
  headers: SipHeader[];
  body: Buffer;
}

/** Request-Line (§7.1): Method SP Request-URI SP SIP-Version CRLF. */
export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: string;
  uri: string;
}

/** Status-Line (§7.2): SIP-Version SP Status-Code SP Reason-Phrase CRLF. */
export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/**
 * Why bytes are not a SIP message. `status` is what a server answers when it can answer at all
 * (400 Bad Request, 413 Request Entity Too Large, 513 Message Too Large — §21.4).
 */
export interface SipParseError {
  code: 'truncated' | 'malformed_start_line' | 'malformed_header' | 'too_many_headers' | 'header_too_long' | 'message_too_large' | 'bad_content_length' | 'missing_header' | 'body_too_large';
  status: 400 | 413 | 513;
  detail: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: SipParseError };

/** Bounds that keep a hostile peer from costing us memory or CPU (issue 5: header floods, oversized messages). */
export interface SipLimits {
  maxMessageBytes: number;
  maxHeaderCount: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export const DEFAULT_SIP_LIMITS: SipLimits = {
  // RFC 3261 §18.1.1 expects UDP messages under the path MTU; TLS/TCP carry larger ones, but no
  // legitimate REGISTER/INVITE needs more than this.
  maxMessageBytes: 65_535,
  maxHeaderCount: 100,
  maxHeaderBytes: 8_192,
  maxBodyBytes: 32_768,
};

export function parseError(code: SipParseError['code'], detail: string, status: SipParseError['status'] = 400): { ok: false; error: SipParseError } {
  return { ok: false, error: { code, status, detail } };
}
