import { TOKEN } from './start-line.js';
import { parseError, type ParseResult } from './types.js';

/** CSeq (RFC 3261 §20.16): sequence number (< 2**31, §8.1.1.5) and method. */
export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(text: string): ParseResult<CSeq> {
  const m = /^(\d{1,10})[ \t]+(\S+)$/.exec(text.trim());
  if (!m || !TOKEN.test(m[2]!)) return parseError('malformed_header', 'bad CSeq');
  const seq = Number(m[1]);
  if (seq >= 2 ** 31) return parseError('malformed_header', 'CSeq number out of range');
  return { ok: true, value: { seq, method: m[2]! } };
}
