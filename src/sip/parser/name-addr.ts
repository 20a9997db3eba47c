import { parseParams, unquote, quote } from './header-values.js';
import { parseUri, formatUri, type SipUri } from './uri.js';
import { parseError, type ParseResult } from './types.js';

/**
 * From/To/Contact/Route/Record-Route/Path values (RFC 3261 §20.10, §20.20, §20.39, §20.34, §20.30;
 * RFC 3327): `[display-name] <URI>;params` or a bare addr-spec whose `;params` belong to the header.
 */
export interface NameAddr {
  displayName: string | null;
  uri: SipUri;
  /** Header parameters (tag, expires, q, +sip.instance, reg-id, lr…), names lower-cased. */
  params: Map<string, string | null>;
}

export function parseNameAddr(text: string): ParseResult<NameAddr> {
  const value = text.trim();
  const lt = findUnquoted(value, '<');
  if (lt === -1) {
    // addr-spec without brackets: "," ";" "?" may not appear in it (§20.10), so ';' starts header params.
    const semi = value.indexOf(';');
    const uri = parseUri(semi === -1 ? value : value.slice(0, semi));
    if (!uri.ok) return uri;
    return { ok: true, value: { displayName: null, uri: uri.value, params: semi === -1 ? new Map() : parseParams(value.slice(semi + 1)) } };
  }
  const gt = value.indexOf('>', lt);
  if (gt === -1) return parseError('malformed_header', 'unclosed <');
  const display = value.slice(0, lt).trim();
  const uri = parseUri(value.slice(lt + 1, gt));
  if (!uri.ok) return uri;
  const after = value.slice(gt + 1).trim();
  if (after && !after.startsWith(';')) return parseError('malformed_header', 'junk after >');
  return { ok: true, value: { displayName: display ? unquote(display) : null, uri: uri.value, params: parseParams(after.slice(1)) } };
}

export function formatNameAddr(na: NameAddr): string {
  const display = na.displayName ? `${quote(na.displayName)} ` : '';
  let params = '';
  for (const [k, v] of na.params) params += v === null ? `;${k}` : `;${k}=${/^[\w.!%*+`'~-]+$/.test(v) ? v : quote(v)}`;
  return `${display}<${formatUri(na.uri)}>${params}`;
}

function findUnquoted(text: string, ch: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ch) return i;
  }
  return -1;
}
