/**
 * TURN and STUN URIs (RFC 7065 §3, RFC 7064 §3): `turn:host[:port][?transport=udp|tcp]`,
 * `turns:` (TLS), `stun:`/`stuns:`. IPv6 hosts are bracketed. Default ports 3478 and 5349.
 */
export interface RelayUri {
  scheme: 'turn' | 'turns' | 'stun' | 'stuns';
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | null;
}

export function parseRelayUri(uri: string): RelayUri | null {
  const m = /^(turns?|stuns?):(\[[0-9a-fA-F:.]+\]|[^:?[\]/@]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i.exec(uri.trim());
  if (!m) return null;
  const scheme = m[1]!.toLowerCase() as RelayUri['scheme'];
  if (scheme.startsWith('stun') && m[4]) return null; // stun: URIs carry no transport (RFC 7064)
  const port = m[3] ? Number(m[3]) : scheme.endsWith('s') ? 5349 : 3478;
  if (port < 1 || port > 65535) return null;
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  return { scheme, host, port, transport: (m[4]?.toLowerCase() as 'udp' | 'tcp' | undefined) ?? null };
}

/** The URI our UDP client can check: the first plain `turn:` one without `transport=tcp`. */
export function checkableUri(urls: readonly string[]): RelayUri | null {
  for (const u of urls) {
    const p = parseRelayUri(u);
    if (p && p.scheme === 'turn' && p.transport !== 'tcp') return p;
  }
  return null;
}

/** `turn:` and `stun:` URIs for a host and port (IPv6 bracketed). */
export function relayUris(host: string, port: number): string[] {
  const h = host.includes(':') ? `[${host}]` : host;
  return [`turn:${h}:${port}?transport=udp`, `stun:${h}:${port}`];
}
