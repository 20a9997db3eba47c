import { parseParams } from './header-values.js';
import { parseError, type ParseResult } from './types.js';

/** SIP-URI / SIPS-URI (RFC 3261 §19.1.1); the parts Parley routes and authenticates on. */
export interface SipUri {
  scheme: 'sip' | 'sips';
  /** Unescaped user part (§19.1.2), or null (e.g. `sip:example.com`). */
  user: string | null;
  /** Host as written; IPv6 references keep their brackets off here. */
  host: string;
  port: number | null;
  /** uri-parameters (transport, lr, ob, …), names lower-cased. */
  params: Map<string, string | null>;
}

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Parses a sip:/sips: URI; other schemes (tel:, https:) are an error for our routing. */
export function parseUri(text: string): ParseResult<SipUri> {
  const m = /^(sips?):([^?]*)(?:\?.*)?$/i.exec(text.trim());
  if (!m) return parseError('malformed_header', 'not a sip: or sips: URI');
  const scheme = m[1]!.toLowerCase() as 'sip' | 'sips';
  let rest = m[2]!;
  let user: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    // A password in the URI is deprecated (§19.1.1, "NOT RECOMMENDED"); we ignore it.
    const rawUser = userinfo.split(':')[0]!;
    if (!rawUser) return parseError('malformed_header', 'empty user part');
    try {
      // Without a '%' there is nothing to decode (and nothing that could throw).
      user = rawUser.includes('%') ? decodeURIComponent(rawUser) : rawUser;
    } catch {
      return parseError('malformed_header', 'bad escape in user part');
    }
  }
  const semi = rest.indexOf(';');
  const hostport = semi === -1 ? rest : rest.slice(0, semi);
  const params = semi === -1 ? new Map<string, string | null>() : parseParams(rest.slice(semi + 1));
  const hp = parseHostPort(hostport);
  if (!hp.ok) return hp;
  return { ok: true, value: { scheme, user, host: hp.value.host, port: hp.value.port, params } };
}

/** hostport (§25.1): host [ ":" port ], IPv6 in brackets. */
export function parseHostPort(text: string): ParseResult<{ host: string; port: number | null }> {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return parseError('malformed_header', 'unclosed IPv6 reference');
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after && !after.startsWith(':')) return parseError('malformed_header', 'junk after IPv6 reference');
    portText = after ? after.slice(1) : undefined;
    if (!/^[0-9A-Fa-f:.]+$/.test(host) || !host.includes(':')) return parseError('malformed_header', 'bad IPv6 address');
  } else {
    const colon = text.indexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? undefined : text.slice(colon + 1);
    if (IPV4.test(host)) {
      if (!octetsFit(host)) return parseError('malformed_header', 'bad IPv4 address');
    } else if (!HOSTNAME.test(host)) return parseError('malformed_header', 'bad host');
  }
  let port: number | null = null;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return parseError('malformed_header', 'bad port');
    port = Number(portText);
  }
  return { ok: true, value: { host: host.toLowerCase(), port } };
}

/** Serialises a URI (user escaped per §19.1.2 unreserved/user-unreserved). */
export function formatUri(uri: SipUri): string {
  const user = uri.user === null ? '' : `${uri.user.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) => encodeURIComponent(c))}@`;
  const host = uri.host.includes(':') ? `[${uri.host}]` : uri.host;
  const port = uri.port === null ? '' : `:${uri.port}`;
  let params = '';
  for (const [k, v] of uri.params) params += v === null ? `;${k}` : `;${k}=${v}`;
  return `${uri.scheme}:${user}${host}${port}${params}`;
}

/** Every dotted part of an IPV4-shaped host (1–3 digits each) is ≤ 255. */
function octetsFit(host: string): boolean {
  let value = 0;
  for (let i = 0; i <= host.length; i++) {
    const c = i < host.length ? host.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (value > 255) return false;
      value = 0;
    } else value = value * 10 + (c - 0x30);
  }
  return true;
}
