import { isIP } from 'node:net';
import type { Clock } from '../kernel/clock.js';

/**
 * Brute-force ban engine keyed on the socket source address (issue 5; shared by SIP, HTTP log-in
 * and provisioning). Failures in a sliding window ban the address for `firstBanMs`; an address
 * that offends again within `repeatMemoryMs` of its release gets `repeatBanMs`; scanner
 * fingerprints are banned at once. `isBanned` is a Map lookup so transports can drop a banned
 * datagram before parsing it. Addresses are never taken from Via/Contact — only from the socket.
 */
export interface AddressBanPolicy {
  maxFailures: number;
  windowMs: number;
  firstBanMs: number;
  repeatBanMs: number;
  /** How long a released address is remembered as an earlier offender. */
  repeatMemoryMs: number;
  /** CIDRs or addresses never banned (operator allowlist). */
  allowlist: readonly string[];
}

export const DEFAULT_ADDRESS_BAN_POLICY: AddressBanPolicy = {
  maxFailures: 5,
  windowMs: 10 * 60_000,
  firstBanMs: 5 * 60_000,
  repeatBanMs: 24 * 3600_000,
  repeatMemoryMs: 7 * 24 * 3600_000,
  allowlist: [],
};

export type AddressBanReason = 'auth_failures' | 'scanner' | 'provisioning_failures' | 'operator';

export interface AddressBan {
  address: string;
  reason: AddressBanReason;
  bannedAt: number;
  until: number;
  /** Offences so far (1: first ban; ≥ 2: repeat ban). */
  offences: number;
}

/** Persistence of bans so they survive restarts. */
export interface AddressBanStore {
  save(ban: AddressBan): Promise<void>;
  remove(address: string): Promise<void>;
  /** Bans whose `until` + repeat memory is still in the future (active bans and remembered offenders). */
  loadLive(now: number, repeatMemoryMs: number): Promise<AddressBan[]>;
}

export interface AddressBanEvents {
  banned?(ban: AddressBan): void;
  dropped?(address: string): void;
}

export class AddressBans {
  private readonly bans = new Map<string, AddressBan>();
  private readonly failures = new Map<string, number[]>();
  private readonly allow: Array<{ net: Buffer; bits: number }>;

  constructor(
    private readonly policy: AddressBanPolicy,
    private readonly store: AddressBanStore,
    private readonly clock: Clock,
    private readonly events: AddressBanEvents = {},
  ) {
    this.allow = policy.allowlist.map(parseCidr);
  }

  /** Loads persisted bans (call once at start). */
  async load(): Promise<void> {
    for (const ban of await this.store.loadLive(this.clock.now(), this.policy.repeatMemoryMs)) this.bans.set(normalise(ban.address), ban);
  }

  /**
   * Re-reads the store so bans made or lifted by another process (the CLI, another node) take
   * effect here; the hot path stays a Map lookup.
   */
  async refresh(): Promise<void> {
    const live = await this.store.loadLive(this.clock.now(), this.policy.repeatMemoryMs);
    this.bans.clear();
    for (const ban of live) this.bans.set(normalise(ban.address), ban);
  }

  /** Hot path: is this source address banned right now? */
  isBanned(address: string): boolean {
    const ban = this.bans.get(normalise(address));
    if (!ban || ban.until <= this.clock.now()) return false;
    this.events.dropped?.(address);
    return true;
  }

  /** Records a failed authentication; returns the ban if this failure caused one. */
  async fail(address: string, reason: Exclude<AddressBanReason, 'scanner' | 'operator'> = 'auth_failures'): Promise<AddressBan | undefined> {
    const addr = normalise(address);
    if (this.allowed(addr)) return undefined;
    const now = this.clock.now();
    const recent = (this.failures.get(addr) ?? []).filter((t) => now - t < this.policy.windowMs);
    recent.push(now);
    if (recent.length < this.policy.maxFailures) {
      this.failures.set(addr, recent);
      if (this.failures.size > 100_000) this.pruneFailures(now);
      return undefined;
    }
    this.failures.delete(addr);
    return this.ban(addr, reason);
  }

  /** Bans at once (scanner fingerprints, operator action). */
  async banNow(address: string, reason: AddressBanReason): Promise<AddressBan | undefined> {
    const addr = normalise(address);
    if (this.allowed(addr)) return undefined;
    return this.ban(addr, reason);
  }

  /** Lifts a ban and forgets the offence history (operator `bans lift`). */
  async lift(address: string): Promise<boolean> {
    const addr = normalise(address);
    const had = this.bans.delete(addr);
    this.failures.delete(addr);
    await this.store.remove(addr);
    return had;
  }

  /** Active bans, soonest to expire first. */
  list(): AddressBan[] {
    const now = this.clock.now();
    return [...this.bans.values()].filter((b) => b.until > now).sort((a, b) => a.until - b.until);
  }

  private async ban(addr: string, reason: AddressBanReason): Promise<AddressBan> {
    const now = this.clock.now();
    const previous = this.bans.get(addr);
    if (previous && previous.until > now) return previous;
    const repeat = previous !== undefined && now - previous.until < this.policy.repeatMemoryMs;
    const offences = repeat ? previous.offences + 1 : 1;
    const duration = offences > 1 || reason === 'scanner' ? this.policy.repeatBanMs : this.policy.firstBanMs;
    const ban: AddressBan = { address: addr, reason, bannedAt: now, until: now + duration, offences };
    this.bans.set(addr, ban);
    await this.store.save(ban);
    this.events.banned?.(ban);
    return ban;
  }

  private allowed(addr: string): boolean {
    if (!this.allow.length) return false;
    const bytes = addressBytes(addr);
    return bytes !== undefined && this.allow.some((c) => inCidr(bytes, c));
  }

  private pruneFailures(now: number): void {
    for (const [addr, times] of this.failures) if (times.every((t) => now - t >= this.policy.windowMs)) this.failures.delete(addr);
  }
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4, as dual-stack sockets report) is the IPv4 address. */
export function normalise(address: string): string {
  if (!address.includes(':')) return address; // IPv4: already canonical (the hot path for floods)
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

function addressBytes(addr: string): Buffer | undefined {
  const kind = isIP(addr);
  if (kind === 4) return Buffer.from(addr.split('.').map(Number));
  if (kind !== 6) return undefined;
  const [head, tail] = addr.includes('::') ? addr.split('::') as [string, string] : [addr, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return out;
}

function parseCidr(text: string): { net: Buffer; bits: number } {
  const [addr, bitsText] = text.split('/') as [string, string | undefined];
  const net = addressBytes(normalise(addr));
  if (!net) throw new Error(`allowlist: not an address or CIDR: ${text}`);
  const bits = bitsText === undefined ? net.length * 8 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > net.length * 8) throw new Error(`allowlist: bad prefix length: ${text}`);
  return { net, bits };
}

function inCidr(addr: Buffer, cidr: { net: Buffer; bits: number }): boolean {
  if (addr.length !== cidr.net.length) return false;
  for (let bit = 0; bit < cidr.bits; bit += 8) {
    const i = bit / 8;
    const take = Math.min(8, cidr.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((addr[i]! & mask) !== (cidr.net[i]! & mask)) return false;
  }
  return true;
}

/** In-memory store (tests; the SQL store persists). */
export class MemoryAddressBanStore implements AddressBanStore {
  readonly rows = new Map<string, AddressBan>();
  async save(ban: AddressBan): Promise<void> {
    this.rows.set(ban.address, { ...ban });
  }
  async remove(address: string): Promise<void> {
    this.rows.delete(address);
  }
  async loadLive(now: number, repeatMemoryMs: number): Promise<AddressBan[]> {
    return [...this.rows.values()].filter((b) => b.until + repeatMemoryMs > now).map((b) => ({ ...b }));
  }
}
