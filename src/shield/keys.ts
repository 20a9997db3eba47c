import type { CounterStore, SyncCounterStore } from './types.js';

/**
 * Counter keys and windows: the shield's whole memory. Every key expires; none holds content or an
 * address (blocks appear only as keyed hashes, report-ledger entries only as keyed hashes).
 */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const MONTH = 30 * DAY;

/** Aligned bucket index of `now` for a window size. */
export function bucket(now: number, size: number): number {
  return Math.floor(now / size);
}

export const K = {
  /** Messages in one aligned 30 s bucket (ttl 60 s: the previous bucket is still read). */
  burst: (acct: number, b: number) => `sh:m30:${acct}:${b}`,
  /** Messages sent on one UTC day (ttl 2 days). */
  sentDay: (acct: number, d: number) => `sh:md:${acct}:${d}`,
  /** Set of stranger recipients (account ids, or g<chatId> for a group) on one day. */
  strangersDay: (acct: number, d: number) => `sh:st:${acct}:${d}`,
  /** Typing/read events on one day. */
  behaviourDay: (acct: number, d: number) => `sh:bh:${acct}:${d}`,
  /** Registrations from one address block (hash): a one-hour window from the block's first registration. */
  registrations: (block: string) => `sh:rg:${block}`,
  /** Accounts seen on an AS (set, 30 days) and those banned (set, 30 days). */
  asSeen: (asn: number) => `sh:as:${asn}`,
  asBanned: (asn: number) => `sh:asb:${asn}`,
  /**
   * Distinct reporters / blockers of an account (sets) and their weighted sums ×100 (30 days), per
   * forgiveness epoch: an accepted appeal starts a new epoch, so the record that led to the ban is set aside.
   */
  reporters: (acct: number, epoch: number) => `sh:rr:${acct}:${epoch}`,
  reportWeight: (acct: number, epoch: number) => `sh:rw:${acct}:${epoch}`,
  blockers: (acct: number, epoch: number) => `sh:bk:${acct}:${epoch}`,
  blockWeight: (acct: number, epoch: number) => `sh:bw:${acct}:${epoch}`,
  /** Accepted appeals of an account (the forgiveness epoch; a year). */
  epoch: (acct: number) => `sh:ep:${acct}`,
  /** Report ledger: keyed hash of (message, sender, recipient) → 1 solicited, ≥ 1000 unsolicited. */
  ledger: (hash: string) => `sh:rl:${hash}`,
};

/** How long the send path trusts an account's forgiveness epoch before reading it again. */
export const EPOCH_TRUST_MS = 10 * MINUTE;

/** Ledger value marking a delivery that reached the recipient unsolicited. */
export const UNSOLICITED = 1000;

/** One cached slow counter (SlowCounters in evaluate.ts); records below hold them to skip a Map lookup. */
export interface SlowSlot {
  readonly key: string;
  value: number;
  until: number;
  /** SlowCounters generation the slot belongs to (a cleared cache makes held slots stale). */
  gen: number;
}

/** A block's registrations key and its held slot. */
export interface BlockKeys {
  registrations: string;
  slot: SlowSlot | null;
}

/** An AS's seen/banned keys and their held slots. */
export interface AsKeys {
  seen: string;
  banned: string;
  seenSlot: SlowSlot | null;
  bannedSlot: SlowSlot | null;
}

/** One account's key strings for the current day and 30 s bucket. */
export interface AccountKeys {
  acct: number;
  epoch: number;
  /** When the epoch was last read (the send path trusts it for EPOCH_TRUST_MS; see Shield.forgive). */
  epochAt: number;
  reporters: string;
  reportWeight: string;
  blockers: string;
  blockWeight: string;
  /** Held SlowCounters slots of reportWeight / blockWeight (null after an epoch change). */
  reportSlot: SlowSlot | null;
  blockSlot: SlowSlot | null;
  day: number;
  sentDay: string;
  strangersDay: string;
  behaviourToday: string;
  behaviourYesterday: string;
  bucket: number;
  burst: string;
  burstPrev: string;
}

/**
 * Reuses key strings on the send path. A string built fresh for every lookup is hashed again by
 * every Map (and re-sent by the SQL store); a reused one carries its hash. Bounded: cleared when full.
 */
export class KeyCache {
  private readonly accounts = new Map<number, AccountKeys>();
  private readonly blocks = new Map<string, BlockKeys>();
  private readonly ases = new Map<number, AsKeys>();

  account(acct: number, now: number): AccountKeys {
    let k = this.accounts.get(acct);
    if (!k) {
      if (this.accounts.size >= 200_000) this.accounts.clear();
      k = { acct, epoch: -1, epochAt: -Infinity, reporters: '', reportWeight: '', blockers: '', blockWeight: '', reportSlot: null, blockSlot: null, day: -1, sentDay: '', strangersDay: '', behaviourToday: '', behaviourYesterday: '', bucket: -1, burst: '', burstPrev: '' };
      this.accounts.set(acct, k);
    }
    const day = bucket(now, DAY);
    if (k.day !== day) {
      k.day = day;
      k.sentDay = K.sentDay(acct, day);
      k.strangersDay = K.strangersDay(acct, day);
      k.behaviourToday = K.behaviourDay(acct, day);
      k.behaviourYesterday = K.behaviourDay(acct, day - 1);
    }
    const b = bucket(now, 30 * SECOND);
    if (k.bucket !== b) {
      k.burstPrev = k.bucket === b - 1 ? k.burst : K.burst(acct, b - 1);
      k.burst = K.burst(acct, b);
      k.bucket = b;
    }
    return k;
  }

  /**
   * Makes sure the account's epoch-dependent keys are current: read fresh on register/login/report/block,
   * at most every EPOCH_TRUST_MS on the send path (an appeal accepted on another node shows within it).
   */
  async withEpoch(c: CounterStore, k: AccountKeys, now: number, fresh: boolean): Promise<AccountKeys> {
    if (!fresh && now - k.epochAt < EPOCH_TRUST_MS) return k;
    return setEpoch(k, await c.get(K.epoch(k.acct), now), now);
  }

  /** withEpoch on a synchronous store (the send path's fast path, fast-path.ts). */
  withEpochSync(c: SyncCounterStore, k: AccountKeys, now: number, fresh: boolean): AccountKeys {
    if (!fresh && now - k.epochAt < EPOCH_TRUST_MS) return k;
    return setEpoch(k, c.getSync(K.epoch(k.acct), now), now);
  }

  /** Forces the next withEpoch to read (after this instance changed the epoch). */
  staleEpoch(acct: number): void {
    const k = this.accounts.get(acct);
    if (k) k.epochAt = -Infinity;
  }

  registrations(block: string): string {
    return this.block(block).registrations;
  }

  block(block: string): BlockKeys {
    let keys = this.blocks.get(block);
    if (keys === undefined) {
      if (this.blocks.size >= 200_000) this.blocks.clear();
      this.blocks.set(block, (keys = { registrations: K.registrations(block), slot: null }));
    }
    return keys;
  }

  as(asn: number): [seen: string, banned: string] {
    const keys = this.asKeys(asn);
    return [keys.seen, keys.banned];
  }

  asKeys(asn: number): AsKeys {
    let keys = this.ases.get(asn);
    if (!keys) {
      if (this.ases.size >= 100_000) this.ases.clear();
      this.ases.set(asn, (keys = { seen: K.asSeen(asn), banned: K.asBanned(asn), seenSlot: null, bannedSlot: null }));
    }
    return keys;
  }
}

function setEpoch(k: AccountKeys, epoch: number, now: number): AccountKeys {
  k.epochAt = now;
  if (epoch !== k.epoch) {
    k.epoch = epoch;
    k.reporters = K.reporters(k.acct, epoch);
    k.reportWeight = K.reportWeight(k.acct, epoch);
    k.blockers = K.blockers(k.acct, epoch);
    k.blockWeight = K.blockWeight(k.acct, epoch);
    k.reportSlot = null;
    k.blockSlot = null;
  }
  return k;
}
