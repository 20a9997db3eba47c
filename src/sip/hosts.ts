import type { Config } from '../kernel/config.js';

/** A host as it goes into a URI or Via: IPv6 literals in brackets (RFC 3261 §25.1 IPv6reference). */
export function uriHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The host phones use to reach us: sip.publicHost, else the listen address (loopback for a wildcard). */
export function advertisedHost(sip: Readonly<Config['sip']>): string {
  if (sip.publicHost) return sip.publicHost;
  return sip.host === '0.0.0.0' || sip.host === '::' ? '127.0.0.1' : sip.host;
}
