import type { CounterCell, CounterStore, SyncCounterStore } from './types.js';

/**
 * Counter keys and windows: the shield's whole memory. Every key expires; none holds content or an
 * address (blocks appear only as keyed hashes, report-ledger entries only as keyed hashes).
 */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const MONTH = 30 * DAY;

/** 30 s burst buckets in a day (a day's first bucket is day × this). */
const BUCKETS_PER_DAY = DAY / (30 * SECOND);

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

/** How far past the dense record array an id may be and still extend it (KeyCache). */
const DENSE_GAP = 4096;

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
  /** The key's cell in a synchronous store (fast path); looked up again once dead. */
  cell: CounterCell | null;
  /**
   * The last store read found no entry and nothing was written since (SlowCounters.forget clears it: the
   * Shield forgets a key before and after writing it). On a store claimed by the Shield, a refresh then
   * skips the lookup; for keys written without a forget (an AS's accounts seen) it does not.
   */
  absent: boolean;
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

/**
 * One account's keys for the current day and 30 s bucket, and the send path's per-account record
 * (fast-path.ts). On a synchronous store the record holds the cells of its keys, so a send reaches its
 * counters without building key strings or looking them up in the store's maps (null: not found or not
 * looked up yet; a dead cell — dropped by a sweep — is looked up again); a key change (new day, bucket)
 * drops the cells of the keys that changed. Fields a send reads come first: they share a few cache lines
 * (a cold line costs about as much as the rest of the send's arithmetic).
 */
export interface AccountKeys {
  acct: number;
  day: number;
  bucket: number;
  burstCell: CounterCell | null;
  sentDayCell: CounterCell | null;
  strangersCell: CounterCell | null;
  /** Today's stranger set cannot exist unless strangersCell holds it (as burstPrevEmpty, per day). */
  strangersEmpty: boolean;
  burstPrevCell: CounterCell | null;
  /**
   * The previous bucket's burst key cannot exist: this cache saw every send of the account since before
   * that bucket and none fell in it (on a store claimed by the send path; see KeyCache.account).
   */
  burstPrevEmpty: boolean;
  /** Highest bucket the record reached, and the highest bucket the cache had seen when it was created. */
  maxBucket: number;
  since: number;
  /** The record had never reached its current bucket before this visit (time can step back: `at`). */
  firstVisit: boolean;
  burst: string;
  /** Built on first use (burstPrevKey): the send path rarely needs it. */
  burstPrev: string;
  /** When the epoch was last read (the send path trusts it for EPOCH_TRUST_MS; see Shield.forgive). */
  epochAt: number;
  /** Held SlowCounters slots of reportWeight / blockWeight (null after an epoch change). */
  reportSlot: SlowSlot | null;
  blockSlot: SlowSlot | null;
  /** The identity facts of the last send and what they gave (pure functions of them, kept to skip their caches' lookups). */
  phoneOf: string | null | undefined;
  phoneCountry: string | null;
  /** voip_number of phoneOf. */
  phoneVoip: number;
  langOf: string | null | undefined;
  langNet: string | null | undefined;
  langPhone: string | null | undefined;
  langValue: number;
  blockOf: string | undefined;
  blockKeys: BlockKeys | null;
  asnOf: number | undefined;
  asKeys: AsKeys | null;
  // Above: what a send reads (a few cache lines); below: what it reads every few minutes or never.
  epoch: number;
  epochCell: CounterCell | null;
  /** The epoch key had no entry at the last read and staleEpoch was not called since (as SlowSlot.absent). */
  epochAbsent: boolean;
  behaviourTodayCell: CounterCell | null;
  behaviourYesterdayCell: CounterCell | null;
  sentDay: string;
  strangersDay: string;
  /** Built on first use (behaviourKeys): read only once enough was sent today. */
  behaviourToday: string;
  behaviourYesterday: string;
  /** Built on first use (reportersKey, blockersKey): only reports and blocks write them. */
  reporters: string;
  reportWeight: string;
  blockers: string;
  blockWeight: string;
}

/**
 * Reuses key strings on the send path. A string built fresh for every lookup is hashed again by
 * every Map (and re-sent by the SQL store); a reused one carries its hash. Bounded: cleared when full.
 */
export class KeyCache {
  private readonly accounts = new Map<number, AccountKeys>();
  /**
   * Records of small non-negative integer ids (database ids, the simulation's) by index: one array slot
   * instead of a hash lookup (bucket and entry, two cold lines) on every send. Other ids use the Map.
   */
  private dense: (AccountKeys | undefined)[] = [];
  private records = 0;
  private readonly blocks = new Map<string, BlockKeys>();
  private readonly ases = new Map<number, AsKeys>();
  /** Highest 30 s bucket any record reached (KeyCache.account). */
  private maxBucket = -Infinity;

  account(acct: number, now: number): AccountKeys {
    let k = this.find(acct);
    if (!k) {
      if (this.records >= 200_000) {
        this.accounts.clear();
        this.dense = [];
        this.records = 0;
      }
      k = {
        acct, day: -1, bucket: -1, burstCell: null, sentDayCell: null, strangersCell: null, strangersEmpty: false, burstPrevCell: null, burstPrevEmpty: false,
        maxBucket: -Infinity, since: this.maxBucket, firstVisit: false, burst: '', burstPrev: '', epochAt: -Infinity, reportSlot: null, blockSlot: null,
        phoneOf: undefined, phoneCountry: null, phoneVoip: 0, langOf: undefined, langNet: undefined, langPhone: undefined, langValue: 0, blockOf: undefined, blockKeys: null, asnOf: undefined, asKeys: null,
        epoch: -1, epochCell: null, epochAbsent: false, behaviourTodayCell: null, behaviourYesterdayCell: null,
        sentDay: '', strangersDay: '', behaviourToday: '', behaviourYesterday: '', reporters: '', reportWeight: '', blockers: '', blockWeight: '',
      };
      this.records++;
      const d = this.dense;
      if (Number.isInteger(acct) && acct >= 0 && acct < d.length + DENSE_GAP) {
        while (d.length <= acct) d.push(undefined);
        d[acct] = k;
      } else this.accounts.set(acct, k);
    }
    const day = bucket(now, DAY);
    if (k.day !== day) {
      k.day = day;
      k.sentDay = K.sentDay(acct, day);
      k.strangersDay = K.strangersDay(acct, day);
      k.behaviourToday = k.behaviourYesterday = '';
      k.sentDayCell = k.strangersCell = k.behaviourTodayCell = k.behaviourYesterdayCell = null;
      // The day's first bucket: neither this record nor (after `since`) an earlier one reached it.
      const first = day * BUCKETS_PER_DAY;
      k.strangersEmpty = first > k.since && first > k.maxBucket;
    }
    const b = bucket(now, 30 * SECOND);
    if (k.bucket !== b) {
      const next = k.bucket === b - 1;
      // Every burst write goes through a record (the send paths call account() first), so a bucket this
      // record never reached, or reached once and left without a send (no cell), holds nothing — unless
      // an earlier record of the account (before a clear) reached it: only buckets after `since` are known.
      k.burstPrevEmpty = b - 1 > k.since && (next ? k.burstCell === null && k.firstVisit : b - 1 > k.maxBucket);
      k.firstVisit = b > k.maxBucket;
      k.burstPrev = next ? k.burst : '';
      k.burstPrevCell = next ? k.burstCell : null;
      k.burst = K.burst(acct, b);
      k.burstCell = null;
      k.bucket = b;
      if (b > k.maxBucket) k.maxBucket = b;
      if (b > this.maxBucket) this.maxBucket = b;
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

  /**
   * withEpoch on a synchronous store, through the record's epoch cell (the send path's fast path,
   * fast-path.ts). `exclusive`: the store is claimed by this Shield, so an epoch key found absent stays
   * absent until forgive() (staleEpoch) — no lookup in between.
   */
  withEpochSync(c: SyncCounterStore, k: AccountKeys, now: number, fresh: boolean, exclusive: boolean): AccountKeys {
    if (!fresh && now - k.epochAt < EPOCH_TRUST_MS) return k;
    let cell = k.epochCell;
    if (cell === null || cell.dead) {
      if (exclusive && !fresh && k.epochAbsent && cell === null) return setEpoch(k, 0, now);
      k.epochCell = cell = c.findCounter(K.epoch(k.acct));
      k.epochAbsent = cell === null;
    }
    return setEpoch(k, cell === null ? 0 : c.getCell(cell, now), now);
  }

  /** Forces the next withEpoch to read (after this instance changed the epoch). */
  staleEpoch(acct: number): void {
    const k = this.find(acct);
    if (k) {
      k.epochAt = -Infinity;
      k.epochAbsent = false;
    }
  }

  private find(acct: number): AccountKeys | undefined {
    if (acct >= 0 && acct < this.dense.length && Number.isInteger(acct)) {
      const k = this.dense[acct];
      if (k !== undefined) return k;
    }
    // (An id kept in the Map before the array grew past it is still found there.)
    return this.accounts.size === 0 ? undefined : this.accounts.get(acct);
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

/** The account's typing/read keys of today and yesterday (built on first use). */
export function behaviourKeys(k: AccountKeys): AccountKeys {
  if (k.behaviourToday === '') {
    k.behaviourToday = K.behaviourDay(k.acct, k.day);
    k.behaviourYesterday = K.behaviourDay(k.acct, k.day - 1);
  }
  return k;
}

/** The account's reporters set key in its current epoch (built on first use). */
export function reportersKey(k: AccountKeys): string {
  if (k.reporters === '') k.reporters = K.reporters(k.acct, k.epoch);
  return k.reporters;
}

/** The account's blockers set key in its current epoch (built on first use). */
export function blockersKey(k: AccountKeys): string {
  if (k.blockers === '') k.blockers = K.blockers(k.acct, k.epoch);
  return k.blockers;
}

/** The previous 30 s bucket's burst key (built on first use). */
export function burstPrevKey(k: AccountKeys): string {
  if (k.burstPrev === '') k.burstPrev = K.burst(k.acct, k.bucket - 1);
  return k.burstPrev;
}

function setEpoch(k: AccountKeys, epoch: number, now: number): AccountKeys {
  k.epochAt = now;
  if (epoch !== k.epoch) {
    k.epoch = epoch;
    k.reporters = k.blockers = '';
    k.reportWeight = K.reportWeight(k.acct, epoch);
    k.blockWeight = K.blockWeight(k.acct, epoch);
    k.reportSlot = null;
    k.blockSlot = null;
  }
  return k;
}
