/**
 * QR device-linking payload (docs/protocol.md §Linking). The QR code encodes
 * `parley://link?v=1&s=<server origin, URI-encoded>&t=<link token>`; the token is one-time and
 * lives at most 60 s. The claim secret never appears in the QR code.
 */
export interface LinkPayload {
  server: string;
  token: string;
}

export function encodeLinkPayload(p: LinkPayload): string {
  return `parley://link?v=1&s=${encodeURIComponent(p.server)}&t=${encodeURIComponent(p.token)}`;
}

/** Parses a scanned payload; returns undefined for anything that is not a v1 link payload. */
export function decodeLinkPayload(text: string): LinkPayload | undefined {
  const prefix = 'parley://link?';
  if (typeof text !== 'string' || !text.startsWith(prefix) || text.length > 2048) return undefined;
  const params = new URLSearchParams(text.slice(prefix.length));
  const token = params.get('t');
  const server = params.get('s');
  if (params.get('v') !== '1' || !token || server === null || !/^[A-Za-z0-9_-]{16,128}$/.test(token)) return undefined;
  return { server, token };
}
