import { splitOutsideQuotes, unquote } from './header-values.js';
import { parseError, type ParseResult } from './types.js';

/**
 * Digest credentials / challenges (Authorization, Proxy-Authorization, WWW-Authenticate,
 * Proxy-Authenticate: RFC 3261 §20.7, §22.4, §25.1; RFC 7616 §3.3–3.4; RFC 8760 adds SHA-256).
 * Parameter names are lower-cased; values unquoted. Duplicate parameters are an error (RFC 7616 §3.4).
 */
export interface DigestParams {
  scheme: 'Digest';
  params: Map<string, string>;
}

export function parseDigest(text: string): ParseResult<DigestParams> {
  const m = /^Digest[ \t]+(.*)$/is.exec(text.trim());
  if (!m) return parseError('malformed_header', 'not a Digest credential');
  const params = new Map<string, string>();
  for (const part of splitOutsideQuotes(m[1]!, ',')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq <= 0) return parseError('malformed_header', 'bad digest parameter');
    const name = p.slice(0, eq).trim().toLowerCase();
    if (!/^[a-z0-9\-_.]+$/.test(name)) return parseError('malformed_header', 'bad digest parameter name');
    if (params.has(name)) return parseError('malformed_header', `duplicate digest parameter ${name}`);
    params.set(name, unquote(p.slice(eq + 1).trim()));
  }
  return { ok: true, value: { scheme: 'Digest', params } };
}
