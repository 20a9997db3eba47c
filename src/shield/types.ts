/**
 * Contract of the anti-abuse shield (issue 6): what the rest of Parley feeds it and what it answers.
 * The engine (signals, score, verdicts) is pure over these facts and the stores below, so the same
 * code runs in the server and in the month-long simulation (bench/abuse). Additive changes only.
 */

/** What one connection's address becomes on arrival; the raw address is never stored. */
export interface NetworkFacts {
  /** ISO 3166-1 alpha-2, upper case; null when unknown (private/loopback addresses, no data). */
  country: string | null;
  /** Autonomous system number; null when unknown. */
  asn: number | null;
  /** Address or AS is on a hosting/datacenter list. */
  hosting: boolean;
  /** Address or AS is on a VPN list. */
  vpn: boolean;
  /** Keyed hash (HMAC-SHA-256, instance secret) of the /24 (IPv4) or /48 (IPv6), base64url, 16 chars. */
  blockHash: string;
}

/** How the client identified itself at login/registration. */
export interface ClientFacts {
  /** 'official' when the client presented the official web client/SDK identification. */
  client: 'official' | 'unofficial';
  /** BCP 47 language tag the app runs in (e.g. 'it-IT'), null when not sent. */
  lang: string | null;
}

/** One signal's contribution to a verdict, for explanations ("top signals"). */
export interface SignalContribution {
  signal: string;
  /** The raw value the signal computed (count, ratio, 0/1…). */
  value: number;
  /** value × weight as added to the score. */
  points: number;
}

export type ShieldEvent = 'register' | 'login' | 'send' | 'report';

/** The engine's answer for one event. */
export interface Verdict {
  score: number;
  threshold: number;
  /** 'ban' only when the rule is enforced; in shadow mode a would-be ban is 'allow' with shadowBan true. */
  action: 'allow' | 'ban';
  shadowBan: boolean;
  /** Stable reason code of the ban (e.g. 'bulk_messaging', 'mass_reported', 'registration_wave'). */
  reason: string | null;
  top: SignalContribution[];
}

/** Counters with expiry (no logs): the only memory the shield keeps about behaviour. */
export interface CounterStore {
  /** Adds `by` to key in the window that contains `now`; returns the new count. Expires after ttlMs. */
  increment(key: string, by: number, ttlMs: number, now: number): Promise<number>;
  get(key: string, now: number): Promise<number>;
  /** Adds member to a set that expires after ttlMs; returns the set's size. */
  addToSet(key: string, member: string, ttlMs: number, now: number): Promise<number>;
  setSize(key: string, now: number): Promise<number>;
  /** Drops expired entries; returns how many were removed. */
  sweep(now: number): Promise<number>;
}

/**
 * An in-process store's own entry for one key, held by reference so the send path reaches a counter
 * without building its key string or looking it up (SyncCounterStore.counterCell/findCounter…). A cell
 * is reset in place when a new window starts and stays the key's entry until a sweep drops it, which
 * sets `dead`: a holder then looks the key up again.
 */
export interface CounterCell {
  readonly key: string;
  /** Count of a counter; size of a set. */
  n: number;
  /** Members of a set (null until the set's first window). */
  members: Set<string> | null;
  /** End of the current window (exclusive); −Infinity until the first write. */
  expiresAt: number;
  /** Dropped from the store by a sweep: look the key up again. */
  dead: boolean;
}

/**
 * Optional synchronous twin of CounterStore for in-process stores (MemoryCounterStore implements it):
 * the send path then scores without a promise and a microtask per counter, which was most of its
 * cost, and through held cells without a Map lookup per counter. Same semantics as the async
 * methods; a store without it takes the async path.
 */
export interface SyncCounterStore {
  incrementSync(key: string, by: number, ttlMs: number, now: number): number;
  getSync(key: string, now: number): number;
  addToSetSync(key: string, member: string, ttlMs: number, now: number): number;
  setSizeSync(key: string, now: number): number;
  /**
   * Reserves the store for one Shield: true for the first caller when the store holds no key yet. The
   * claimant is then the store's only writer, so it knows which keys cannot exist — burst and stranger
   * keys only its send path writes, keys it found absent and has not written since — and skips looking
   * them up (keys.ts, evaluate.ts SlowCounters). Nothing else may write to a claimed store.
   */
  claim(): boolean;
  /** The counter entry of key, created when absent: for a write that follows at once. */
  counterCell(key: string): CounterCell;
  /** The set entry of key, created when absent: for a write that follows at once. */
  setCell(key: string): CounterCell;
  /** The counter entry of key, or null (nothing is created: reads of absent keys leave no trace). */
  findCounter(key: string): CounterCell | null;
  /** The set entry of key, or null. */
  findSet(key: string): CounterCell | null;
  /** incrementSync / getSync / addToSetSync / setSizeSync on a cell that is not dead. */
  incrementCell(cell: CounterCell, by: number, ttlMs: number, now: number): number;
  getCell(cell: CounterCell, now: number): number;
  addToSetCell(cell: CounterCell, member: string, ttlMs: number, now: number): number;
  setSizeCell(cell: CounterCell, now: number): number;
}

export interface AccountBan {
  accountId: number;
  reason: string;
  /** Top signals at ban time (no message content, no addresses). */
  top: SignalContribution[];
  bannedAt: number;
  /** null: until an operator lifts it or an appeal is accepted. */
  expiresAt: number | null;
  appeal: { state: 'pending' | 'accepted' | 'rejected'; submittedAt: number; decidedAt: number | null } | null;
}

/** Account bans and appeals (persisted by the server, in memory in the simulation). */
export interface BanStore {
  ban(b: Omit<AccountBan, 'appeal'>): Promise<void>;
  get(accountId: number): Promise<AccountBan | null>;
  lift(accountId: number, now: number): Promise<void>;
}
