import { createHmac } from 'node:crypto';
import { isIPv4 } from 'node:net';

/** Keyed hash (HMAC-SHA-256) cut to 16 base64url chars (96 bits): enough to match, useless to reverse. */
export function keyedHash(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url').slice(0, 16);
}

/**
 * The address block an address belongs to: its /24 for IPv4, its /48 for IPv6 (the usual size
 * handed to one site), as text. IPv4-mapped IPv6 addresses count as IPv4. null when unparsable.
 */
export function addressBlock(ip: string): string | null {
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  const groups = expandIPv6(ip);
  return groups ? `${groups.slice(0, 3).map((g) => g.toString(16)).join(':')}::/48` : null;
}

/** The eight 16-bit groups of an IPv6 address, or null. */
export function expandIPv6(ip: string): number[] | null {
  const s = ip.split('%')[0]!;
  if (!s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const part of h.split(':')) {
      if (isIPv4(part)) {
        const [a, b, c, d] = part.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) out.push(parseInt(part, 16));
      else return null;
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const fill = 8 - head.length - tail.length;
  return fill < 1 ? null : [...head, ...new Array<number>(fill).fill(0), ...tail];
}
