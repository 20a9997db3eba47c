import { parseError, type ParseResult } from './types.js';

/** token (RFC 3261 §25.1): alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~". */
export const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export type StartLine = { kind: 'request'; method: string; uri: string } | { kind: 'response'; status: number; reason: string };

/**
 * Request-Line (RFC 3261 §7.1) or Status-Line (§7.2). Only SIP/2.0 is understood; single spaces
 * separate the parts, as the grammar requires.
 */
export function parseStartLine(line: string): ParseResult<StartLine> {
  if (line.startsWith('SIP/')) {
    const m = /^SIP\/2\.0 ([1-6]\d\d) ([^\r\n]*)$/.exec(line);
    if (!m) return parseError('malformed_start_line', 'bad Status-Line');
    return { ok: true, value: { kind: 'response', status: Number(m[1]), reason: m[2]! } };
  }
  const parts = line.split(' ');
  if (parts.length !== 3) return parseError('malformed_start_line', 'Request-Line needs Method SP Request-URI SP SIP-Version');
  const [method, uri, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return parseError('malformed_start_line', 'bad method');
  if (version !== 'SIP/2.0') return parseError('malformed_start_line', 'unsupported SIP version');
  // Request-URI (§19.1, §25.1): any absoluteURI; we accept non-empty text without controls or spaces here
  // and leave scheme-specific checks to parseUri.
  if (!uri || hasControlOrSpace(uri)) return parseError('malformed_start_line', 'bad Request-URI');
  return { ok: true, value: { kind: 'request', method, uri } };
}

function hasControlOrSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}
