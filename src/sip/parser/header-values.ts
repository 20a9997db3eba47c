import { LIST_HEADERS } from './header-names.js';
import type { SipHeader, SipMessage } from './types.js';

/**
 * Splits a list-valued header at top-level commas (RFC 3261 §7.3.1), not inside quoted strings
 * (§25.1 quoted-string, with quoted-pair escapes) or <angle-bracketed> URIs.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depthAngle = false;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depthAngle = true;
    else if (ch === '>') depthAngle = false;
    else if (ch === ',' && !depthAngle) {
      out.push(value.slice(from, i).trim());
      from = i + 1;
    }
  }
  out.push(value.slice(from).trim());
  return out.filter((v) => v.length > 0);
}

/** All values of a header (list headers split at commas), in order; [] when absent. */
export function headerValues(msg: { headers: SipHeader[] }, name: string): string[] {
  const out: string[] = [];
  const list = LIST_HEADERS.has(name);
  for (const h of msg.headers) if (h.name === name) out.push(...(list ? splitList(h.value) : [h.value]));
  return out;
}

/** The first value of a header, or undefined. */
export function headerValue(msg: SipMessage | { headers: SipHeader[] }, name: string): string | undefined {
  // Same answer as headerValues(msg, name)[0] without building the whole list: this runs several
  // times per request on the hot path (bench/RESULTS.md, SIP).
  const list = LIST_HEADERS.has(name);
  for (const h of msg.headers) {
    if (h.name !== name) continue;
    if (!list) return h.value;
    if (!h.value.includes(',')) {
      const v = h.value.trim();
      if (v.length > 0) return v;
      continue;
    }
    const first = splitList(h.value)[0];
    if (first !== undefined) return first;
  }
  return undefined;
}

/** Parses `;name=value;flag` generic-params (§25.1) into a map (names lower-cased, values unquoted). */
export function parseParams(text: string): Map<string, string | null> {
  const params = new Map<string, string | null>();
  for (const part of splitOutsideQuotes(text, ';')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq === -1) params.set(p.toLowerCase(), null);
    else params.set(p.slice(0, eq).trim().toLowerCase(), unquote(p.slice(eq + 1).trim()));
  }
  return params;
}

/** Splits at a separator that is not inside a quoted string. */
export function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      out.push(text.slice(from, i));
      from = i + 1;
    }
  }
  out.push(text.slice(from));
  return out;
}

/** quoted-string (§25.1) → its content with quoted-pairs resolved; other text unchanged. */
export function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    const inner = text.slice(1, -1);
    return inner.includes('\\') ? inner.replace(/\\(.)/g, '$1') : inner;
  }
  return text;
}

/** Quotes a string for a header (escaping `"` and `\`). */
export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
