import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { Reader, type Response } from 'mmdb-lib';
import type { NetworkFacts } from './types.js';
import { keyedHash, addressBlock, expandIPv6 } from './hash.js';

/**
 * Address intelligence on arrival: an address becomes country, AS number, hosting/VPN flags and a
 * keyed hash of its block, from offline data only. Country: @ip-location-db/geo-whois-asn-country-mmdb
 * (mmdb-lib). AS: @ip-location-db/asn CSV, turned into sorted range tables. Hosting/VPN: x4bnet lists
 * from a configured directory. Every table loads lazily on first use (or through warm()), so server
 * start does not pay for it. IPv6 is matched on its top 64 bits (no allocation is finer than a /64).
 */

const require = createRequire(import.meta.url);

interface Ranges4 { starts: Uint32Array; ends: Uint32Array; values: Uint32Array }
interface Ranges6 { starts: BigUint64Array; ends: BigUint64Array; values: Uint32Array }

export interface AddressIntelOptions {
  /** Instance secret for block hashes. */
  secret: string;
  /** Directory with the x4bnet lists (output_{datacenter,vpn}_ipv{4,6}.txt, input_{datacenter,vpn}_ASN.txt); '' = none. */
  listsDir: string;
  /** Override the data files (tests); default: the pinned npm packages. */
  countryMmdb?: string;
  asnDir?: string;
}

export class AddressIntel {
  private country: Reader<Response> | null = null;
  private asn4: Ranges4 | null = null;
  private asn6: Ranges6 | null = null;
  private lists: { hosting4: Ranges4; vpn4: Ranges4; hosting6: Ranges6; vpn6: Ranges6; hostingAs: Set<number>; vpnAs: Set<number> } | null = null;

  constructor(private readonly opts: AddressIntelOptions) {}

  /** Loads every table now (call at server start in the background, or let the first lookup do it). */
  warm(): void {
    this.countryDb();
    this.asnTable4();
    this.asnTable6();
    this.listTables();
  }

  /** The facts for one address; unknown parts are null/false (loopback, private ranges, no data). */
  lookup(ip: string): NetworkFacts {
    const mapped = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
    const blockHash = keyedHash(this.opts.secret, addressBlock(mapped) ?? mapped);
    let asn: number | null = null;
    let hosting = false;
    let vpn = false;
    const lists = this.listTables();
    if (isIPv4(mapped)) {
      const n = ipv4ToInt(mapped);
      asn = find(this.asnTable4(), n);
      hosting = find(lists.hosting4, n) !== null;
      vpn = find(lists.vpn4, n) !== null;
    } else if (isIPv6(mapped)) {
      const top = ipv6Top64(mapped);
      if (top !== null) {
        asn = find(this.asnTable6(), top);
        hosting = find(lists.hosting6, top) !== null;
        vpn = find(lists.vpn6, top) !== null;
      }
    }
    if (asn !== null) {
      hosting ||= lists.hostingAs.has(asn);
      vpn ||= lists.vpnAs.has(asn);
    }
    let country: string | null;
    try {
      // ip-location-db country files hold { country_code }, not the MaxMind shape the typings describe.
      const rec = this.countryDb().get(mapped) as { country_code?: string } | null;
      country = rec?.country_code?.toUpperCase() ?? null;
    } catch {
      country = null; // unparsable address: unknown, never an error to the caller
    }
    return { country, asn, hosting, vpn, blockHash };
  }

  private countryDb(): Reader<Response> {
    this.country ??= new Reader(readFileSync(this.opts.countryMmdb ?? require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb')));
    return this.country;
  }

  private asnDir(): string {
    return this.opts.asnDir ?? join(require.resolve('@ip-location-db/asn/package.json'), '..');
  }

  private asnTable4(): Ranges4 {
    if (!this.asn4) {
      const rows: Array<[number, number, number]> = [];
      for (const line of readFileSync(join(this.asnDir(), 'asn-ipv4-num.csv'), 'utf8').split('\n')) {
        const [s, e, a] = line.split(',', 3);
        if (s && e && a) rows.push([Number(s), Number(e), Number(a)]);
      }
      this.asn4 = toRanges4(rows);
    }
    return this.asn4;
  }

  private asnTable6(): Ranges6 {
    if (!this.asn6) {
      const rows: Array<[bigint, bigint, number]> = [];
      for (const line of readFileSync(join(this.asnDir(), 'asn-ipv6-num.csv'), 'utf8').split('\n')) {
        const [s, e, a] = line.split(',', 3);
        if (s && e && a) rows.push([BigInt(s) >> 64n, BigInt(e) >> 64n, Number(a)]);
      }
      this.asn6 = toRanges6(rows);
    }
    return this.asn6;
  }

  private listTables(): NonNullable<AddressIntel['lists']> {
    if (!this.lists) {
      const dir = this.opts.listsDir;
      const read = (name: string): string[] => {
        const p = dir ? join(dir, name) : '';
        if (!p || !existsSync(p)) return [];
        return readFileSync(p, 'utf8').split('\n').map((l) => l.split('#')[0]!.trim()).filter(Boolean);
      };
      const asns = (name: string) => new Set(read(name).map((l) => Number(l.replace(/^AS/i, ''))).filter(Number.isFinite));
      this.lists = {
        hosting4: cidrs4(read('output_datacenter_ipv4.txt')),
        vpn4: cidrs4(read('output_vpn_ipv4.txt')),
        hosting6: cidrs6(read('output_datacenter_ipv6.txt')),
        vpn6: cidrs6(read('output_vpn_ipv6.txt')),
        hostingAs: asns('input_datacenter_ASN.txt'),
        vpnAs: asns('input_vpn_ASN.txt'),
      };
    }
    return this.lists;
  }
}

/** Binary search for the range containing x; its value, or null. */
function find<T extends number | bigint>(r: { starts: ArrayLike<T>; ends: ArrayLike<T>; values: Uint32Array }, x: T): number | null {
  let lo = 0;
  let hi = r.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (r.starts[mid]! > x) hi = mid - 1;
    else if (r.ends[mid]! < x) lo = mid + 1;
    else return r.values[mid]!;
  }
  return null;
}

function ipv4ToInt(ip: string): number {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function ipv6Top64(ip: string): bigint | null {
  const g = expandIPv6(ip);
  if (!g) return null;
  return (BigInt(g[0]!) << 48n) | (BigInt(g[1]!) << 32n) | (BigInt(g[2]!) << 16n) | BigInt(g[3]!);
}

function toRanges4(rows: Array<[number, number, number]>): Ranges4 {
  rows.sort((x, y) => x[0] - y[0]);
  return { starts: Uint32Array.from(rows, (r) => r[0]), ends: Uint32Array.from(rows, (r) => r[1]), values: Uint32Array.from(rows, (r) => r[2]) };
}

function toRanges6(rows: Array<[bigint, bigint, number]>): Ranges6 {
  rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return { starts: BigUint64Array.from(rows, (r) => r[0]), ends: BigUint64Array.from(rows, (r) => r[1]), values: Uint32Array.from(rows, (r) => r[2]) };
}

/** CIDR lines → merged, sorted ranges (overlaps merged so the binary search sees disjoint ranges). */
function cidrs4(lines: string[]): Ranges4 {
  const rows: Array<[number, number, number]> = [];
  for (const l of lines) {
    const [addr, lenText] = l.split('/');
    const len = Number(lenText ?? 32);
    if (!addr || !isIPv4(addr) || !(len >= 0 && len <= 32)) continue;
    const size = 2 ** (32 - len);
    const start = Math.floor(ipv4ToInt(addr) / size) * size;
    rows.push([start, start + size - 1, 1]);
  }
  return toRanges4(merge(rows.sort((x, y) => x[0] - y[0]), (e) => e + 1));
}

function cidrs6(lines: string[]): Ranges6 {
  const rows: Array<[bigint, bigint, number]> = [];
  for (const l of lines) {
    const [addr, lenText] = l.split('/');
    const len = Math.min(64, Number(lenText ?? 128));
    const top = addr ? ipv6Top64(addr) : null;
    if (top === null || !(len >= 0)) continue;
    const size = 1n << BigInt(64 - len);
    const start = (top / size) * size;
    rows.push([start, start + size - 1n, 1]);
  }
  return toRanges6(merge(rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)), (e) => e + 1n));
}

function merge<T extends number | bigint>(rows: Array<[T, T, number]>, next: (e: T) => T): Array<[T, T, number]> {
  const out: Array<[T, T, number]> = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && r[0] <= next(last[1])) {
      if (r[1] > last[1]) last[1] = r[1];
    } else out.push([r[0], r[1], r[2]]);
  }
  return out;
}
