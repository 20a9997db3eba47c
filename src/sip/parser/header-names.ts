/**
 * Header names: compact forms (RFC 3261 §7.3.3 and later RFCs) and canonical capitalisation, so
 * lookups are by one name whatever the peer sent (header names are case-insensitive, §7.3.1).
 */
const COMPACT_NAMES: Record<string, string> = {
  i: 'Call-ID', m: 'Contact', e: 'Content-Encoding', l: 'Content-Length', c: 'Content-Type',
  f: 'From', s: 'Subject', k: 'Supported', t: 'To', v: 'Via',
  o: 'Event', // RFC 6665
  r: 'Refer-To', // RFC 3515
  b: 'Referred-By', // RFC 3892
  u: 'Allow-Events', // RFC 6665
  x: 'Session-Expires', // RFC 4028
  y: 'Identity', // RFC 8224
  a: 'Accept-Contact', j: 'Reject-Contact', d: 'Request-Disposition', // RFC 3841
};

const CANONICAL = new Map<string, string>(
  [
    'Accept', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Authentication-Info', 'Authorization',
    'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition', 'Content-Encoding', 'Content-Language',
    'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info', 'Expires', 'From', 'In-Reply-To',
    'Max-Forwards', 'Min-Expires', 'MIME-Version', 'Organization', 'Priority', 'Proxy-Authenticate',
    'Proxy-Authorization', 'Proxy-Require', 'Record-Route', 'Reply-To', 'Require', 'Retry-After', 'Route',
    'Server', 'Subject', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning',
    'WWW-Authenticate', 'Path', 'Flow-Timer', 'Event', 'Allow-Events', 'Session-Expires', 'Min-SE', 'RSeq', 'RAck',
    'Refer-To', 'Referred-By', 'Identity', 'Accept-Contact', 'Reject-Contact', 'Request-Disposition',
  ].map((n) => [n.toLowerCase(), n]),
);

/** A Map, not an object: a header named `constructor` or `__proto__` must not find Object.prototype. */
const COMPACT = new Map(Object.entries(COMPACT_NAMES));

/** Names as phones usually write them (canonical, lower-case, compact either case) → canonical: one lookup. */
const EXACT = new Map<string, string>([
  ...[...CANONICAL.values()].flatMap((n): Array<[string, string]> => [[n, n], [n.toLowerCase(), n]]),
  ...[...COMPACT].flatMap(([c, n]): Array<[string, string]> => [[c, n], [c.toUpperCase(), n]]),
]);

/** The canonical name when `raw` is written the way phones usually write a known name (one Map lookup). */
export function knownHeaderName(raw: string): string | undefined {
  return EXACT.get(raw);
}

/** Long canonical form of a header name as received (compact forms expanded). */
export function canonicalHeaderName(raw: string): string {
  const exact = EXACT.get(raw);
  if (exact !== undefined) return exact;
  const lower = raw.toLowerCase();
  return COMPACT.get(lower) ?? CANONICAL.get(lower) ?? lower.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

/**
 * Headers whose grammar is a comma-separated list (§7.3.1: "field-name: field-value *(,field-value)").
 * Others (Authorization, WWW-Authenticate, dates…) contain commas that are not separators.
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'Via', 'Contact', 'Route', 'Record-Route', 'Path', 'Allow', 'Supported', 'Require', 'Proxy-Require',
  'Unsupported', 'Accept', 'Accept-Encoding', 'Accept-Language', 'Content-Encoding', 'Content-Language',
  'Allow-Events', 'Alert-Info', 'Call-Info', 'Error-Info', 'In-Reply-To', 'Warning', 'Reply-To',
]);
