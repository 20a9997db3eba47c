import type { Config } from '../kernel/config.js';
import type { Clock } from '../kernel/clock.js';
import type { BanStore, ClientFacts, CounterStore, NetworkFacts, ShieldEvent, Verdict } from './types.js';

/** What the shield facade (shield.ts) is given: its dependencies and the facts of each event. */

export type ShieldConfig = Readonly<Config['shield']>;

/** Hard rate limits, each keyed by an account id or an address block hash. */
export type RateKind = 'message_second' | 'message_minute' | 'register_block' | 'login_account' | 'login_block';

/** What the metrics layer counts (SHIELD-API exposes these in Prometheus). */
export interface ShieldMetricsHook {
  /** Called for every would-be ban: enforced (action 'ban') or shadow (shadowBan true). */
  verdict(event: ShieldEvent, verdict: Verdict): void;
  rateLimited(kind: RateKind): void;
  report(counted: boolean): void;
}

/** Address → network facts (src/shield/address-intel.ts implements it). */
export interface AddressIntelLike {
  lookup(ip: string): NetworkFacts;
}

/** Hard-limit checker (src/shield/rate-limits.ts implements it). */
export interface RateLimitsLike {
  /** Consumes one point; throws AppError('rate_limited', { retryAfterMs, limit }) when over. */
  consume(kind: RateKind, key: string): Promise<void>;
}

export interface ShieldDeps {
  config: ShieldConfig;
  counters: CounterStore;
  bans: BanStore;
  clock: Clock;
  /** Instance secret for keyed hashes (report ledger); falls back to config.secret. */
  secret?: string;
  intel?: AddressIntelLike;
  limits?: RateLimitsLike;
  metrics?: ShieldMetricsHook;
}

/** The account as the server knows it (no content, no raw address). */
export interface AccountFacts {
  accountId: number;
  /** Account creation time (ms since epoch). */
  createdAt: number;
  /** E.164 phone number, null when the account has none. */
  phone: string | null;
}

export interface RegisterFacts {
  account: AccountFacts;
  network: NetworkFacts;
  client: ClientFacts;
  at?: number;
}

export interface LoginFacts {
  account: AccountFacts;
  network: NetworkFacts;
  client: ClientFacts;
  at?: number;
}

export interface SendFacts {
  account: AccountFacts;
  /** The sending connection's network facts; null: use what the last login recorded. */
  network: NetworkFacts | null;
  /** null: use what the last login recorded. */
  client: ClientFacts | null;
  /** Every account the message goes to (excluding the sender). */
  recipientIds: readonly number[];
  /** Recipients that are not contacts of the sender and never wrote to the sender (subset of recipientIds). */
  strangerIds: readonly number[];
  /** A group message counts as one stranger recipient per group (organisers post to many people). */
  group?: { chatId: number | string } | null;
  at?: number;
}

export interface DeliveredFacts {
  messageId: number | string;
  senderId: number;
  recipientIds: readonly number[];
  /** Recipients the message reached unsolicited (see SendFacts.strangerIds); a report from them weighs fully. */
  strangerIds?: readonly number[];
  at?: number;
}

export interface ReportFacts {
  reporterId: number;
  reportedId: number;
  messageId: number | string;
  /** Reporter's account creation time: reports from day-old accounts weigh less. */
  reporterCreatedAt?: number;
  /** The reported account, to score it (age, phone); when omitted only the report counters move. */
  reported?: AccountFacts;
  at?: number;
}

export interface BlockFacts {
  blockerId: number;
  blockedId: number;
  /** Blocker's account creation time: blocks from day-old accounts weigh less. */
  blockerCreatedAt?: number;
  at?: number;
}

export interface BehaviourFacts {
  accountId: number;
  kind: 'typing' | 'read';
  at?: number;
}
