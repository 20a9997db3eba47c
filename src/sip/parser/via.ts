import { parseParams } from './header-values.js';
import { parseHostPort } from './uri.js';
import { parseError, type ParseResult } from './types.js';

/** One Via value (RFC 3261 §20.42): `SIP/2.0/transport sent-by ;params`, with rport (RFC 3581). */
export interface Via {
  transport: string;
  host: string;
  port: number | null;
  /** Transaction id: RFC 3261 §8.1.1.7, starts with the magic cookie z9hG4bK. */
  branch: string | null;
  params: Map<string, string | null>;
}

export function parseVia(text: string): ParseResult<Via> {
  const m = /^SIP[ \t]*\/[ \t]*2\.0[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+([^;]+?)[ \t]*(?:;(.*))?$/i.exec(text.trim());
  if (!m) return parseError('malformed_header', 'bad Via');
  const hp = parseHostPort(m[2]!);
  if (!hp.ok) return hp;
  const params = m[3] === undefined ? new Map<string, string | null>() : parseParams(m[3]);
  return { ok: true, value: { transport: m[1]!.toUpperCase(), host: hp.value.host, port: hp.value.port, branch: params.get('branch') ?? null, params } };
}

export function formatVia(via: Via): string {
  const host = via.host.includes(':') ? `[${via.host}]` : via.host;
  let params = '';
  for (const [k, v] of via.params) params += v === null ? `;${k}` : `;${k}=${v}`;
  return `SIP/2.0/${via.transport} ${host}${via.port === null ? '' : `:${via.port}`}${params}`;
}
