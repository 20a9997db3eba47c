import type { Config } from '../kernel/config.js';
import type { Clock } from '../kernel/clock.js';
import type { BanStore, ClientFacts, CounterStore, NetworkFacts, ShieldEvent, Verdict } from './types.js';
import { AppError } from '../kernel/errors.js';
import { randomBytes } from 'node:crypto';
import { keyedHash, addressBlock } from './hash.js';
import { K, KeyCache, HOUR, DAY, MONTH, bucket, UNSOLICITED } from './keys.js';
import { scoreVerdict } from './score.js';
import { resolveWeights, type BanReason, type SignalName } from './weights.js';
import { evaluate, burstCount, SlowCounters, type Subject } from './evaluate.js';
import { reporterWeight } from './signals/spam-reports.js';

export { BAN_REASONS, type BanReason } from './weights.js';

/**
 * The shield facade (issue 6): the server and the simulation bench call only this class. It turns
 * metadata facts into counters with expiry, scores the account and, above the threshold, bans it
 * through the BanStore (unless the rule runs in shadow mode). It never sees message content.
 */

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

/** Remembered per account between login and later sends that carry no facts (memory only, bounded). */
const SESSION_CACHE_MAX = 100_000;

/** The engine. One instance per server (or per simulated world). */
export class Shield {
  private readonly weights: Record<SignalName, number>;
  private readonly secret: string;
  private readonly sessions = new Map<number, { network: NetworkFacts | null; client: ClientFacts | null }>();
  private readonly slow = new SlowCounters();
  private readonly keys = new KeyCache();

  constructor(readonly deps: ShieldDeps) {
    this.weights = resolveWeights(deps.config.weights);
    // Without a configured secret hashes are still keyed, but only for this process's lifetime:
    // report-ledger entries then stop matching after a restart (the server passes a persisted one).
    this.secret = deps.secret || deps.config.secret || randomBytes(32).toString('base64url');
  }

  /** Address → facts through the configured intel (country null, no lists when there is none). */
  networkFacts(ip: string): NetworkFacts {
    if (this.deps.intel) return this.deps.intel.lookup(ip);
    return { country: null, asn: null, hosting: false, vpn: false, blockHash: keyedHash(this.secret, addressBlock(ip) ?? ip) };
  }

  /** Hard limit; throws AppError('rate_limited', { retryAfterMs, limit }) when over. */
  async checkRate(kind: RateKind, key: string): Promise<void> {
    if (!this.deps.limits) return;
    try {
      await this.deps.limits.consume(kind, key);
    } catch (err) {
      if (err instanceof AppError && err.code === 'rate_limited') this.deps.metrics?.rateLimited(kind);
      throw err;
    }
  }

  /** Scores a new account (registration waves, AS reputation, phone vs network); counts the registration. */
  async register(facts: RegisterFacts): Promise<Verdict> {
    const now = facts.at ?? this.deps.clock.now();
    const c = this.deps.counters;
    if (facts.network.blockHash) await c.increment(K.registrations(facts.network.blockHash), 1, HOUR, now);
    if (facts.network.blockHash) this.slow.forget(K.registrations(facts.network.blockHash));
    return this.arrive('register', facts.account, facts.network, facts.client, now);
  }

  /** Records the session's client and network (AS seen); may ban (same model as register). */
  async login(facts: LoginFacts): Promise<Verdict> {
    return this.arrive('login', facts.account, facts.network, facts.client, facts.at ?? this.deps.clock.now());
  }

  /** Called before a message is persisted; a 'ban' verdict means refuse it with account_banned. */
  async send(facts: SendFacts): Promise<Verdict> {
    const now = facts.at ?? this.deps.clock.now();
    const c = this.deps.counters;
    const acct = facts.account.accountId;
    const k = this.keys.account(acct, now);
    const cur = await c.increment(k.burst, 1, 60_000, now);
    const sentToday = await c.increment(k.sentDay, 1, 2 * DAY, now);
    let strangersToday: number;
    const strangersKey = k.strangersDay;
    if (facts.strangerIds.length === 0) strangersToday = await c.setSize(strangersKey, now);
    else if (facts.group) strangersToday = await c.addToSet(strangersKey, `g${facts.group.chatId}`, DAY, now);
    else {
      strangersToday = 0;
      for (const id of facts.strangerIds) strangersToday = await c.addToSet(strangersKey, String(id), DAY, now);
    }
    if (!this.deps.config.enabled) return this.allow();
    const remembered = facts.network && facts.client ? undefined : this.sessions.get(acct);
    const a = facts.account;
    const subject: Subject = {
      accountId: acct, createdAt: a.createdAt, phone: a.phone,
      network: facts.network ?? remembered?.network ?? null,
      client: facts.client ?? remembered?.client ?? null,
    };
    const burst = await burstCount(c, k, now, cur);
    return this.decide('send', subject, await evaluate(c, this.slow, this.keys, subject, now, { burst, sentToday, strangersToday }), now);
  }

  /** Called after a message was delivered: records keyed hashes for the report ledger (expire after reportTtlDays). */
  async delivered(facts: DeliveredFacts): Promise<void> {
    const now = facts.at ?? this.deps.clock.now();
    const ttl = this.deps.config.reportTtlDays * DAY;
    const strangers = facts.strangerIds && facts.strangerIds.length ? new Set(facts.strangerIds) : null;
    for (const r of facts.recipientIds) {
      const key = K.ledger(this.ledgerHash(facts.messageId, facts.senderId, r));
      await this.deps.counters.increment(key, strangers?.has(r) ? UNSOLICITED : 1, ttl, now);
    }
  }

  /** A spam report; counted only when it matches a delivered message, once per distinct reporter. */
  async report(facts: ReportFacts): Promise<{ counted: boolean; verdict: Verdict | null }> {
    const now = facts.at ?? this.deps.clock.now();
    const c = this.deps.counters;
    const delivered = facts.reporterId === facts.reportedId ? 0 : await c.get(K.ledger(this.ledgerHash(facts.messageId, facts.reportedId, facts.reporterId)), now);
    let counted = false;
    if (delivered > 0) {
      const before = await c.setSize(K.reporters(facts.reportedId), now);
      counted = (await c.addToSet(K.reporters(facts.reportedId), String(facts.reporterId), MONTH, now)) > before;
      if (counted) {
        const w = reporterWeight(delivered >= UNSOLICITED, facts.reporterCreatedAt === undefined ? null : now - facts.reporterCreatedAt);
        await c.increment(K.reportWeight(facts.reportedId), Math.round(w * 100), MONTH, now);
        this.slow.forget(K.reportWeight(facts.reportedId));
      }
    }
    this.deps.metrics?.report(counted);
    if (!counted || !facts.reported || !this.deps.config.enabled) return { counted, verdict: null };
    const remembered = this.sessions.get(facts.reportedId);
    const subject: Subject = { ...facts.reported, network: remembered?.network ?? null, client: remembered?.client ?? null };
    return { counted, verdict: await this.decide('report', subject, await evaluate(c, this.slow, this.keys, subject, now, null), now) };
  }

  /** The blocker blocked the blocked account (counted once per distinct blocker; scored at its next event). */
  async blocked(facts: BlockFacts): Promise<void> {
    const now = facts.at ?? this.deps.clock.now();
    const c = this.deps.counters;
    const before = await c.setSize(K.blockers(facts.blockedId), now);
    if ((await c.addToSet(K.blockers(facts.blockedId), String(facts.blockerId), MONTH, now)) > before) {
      const w = reporterWeight(true, facts.blockerCreatedAt === undefined ? null : now - facts.blockerCreatedAt);
      await c.increment(K.blockWeight(facts.blockedId), Math.round(w * 100), MONTH, now);
      this.slow.forget(K.blockWeight(facts.blockedId));
    }
  }

  /** Normal client behaviour (typing, read receipts). */
  async behaviour(facts: BehaviourFacts): Promise<void> {
    const now = facts.at ?? this.deps.clock.now();
    await this.deps.counters.increment(K.behaviourDay(facts.accountId, bucket(now, DAY)), 1, 2 * DAY, now);
  }

  /** Whether a reason currently runs unenforced. */
  isShadow(reason: string): boolean {
    const s = this.deps.config.shadow;
    return s.includes('*') || s.includes(reason);
  }

  private async arrive(event: ShieldEvent, account: AccountFacts, network: NetworkFacts, client: ClientFacts, now: number): Promise<Verdict> {
    if (this.sessions.size >= SESSION_CACHE_MAX && !this.sessions.has(account.accountId)) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(account.accountId, { network, client });
    if (network.asn != null) await this.deps.counters.addToSet(K.asSeen(network.asn), String(account.accountId), MONTH, now);
    if (!this.deps.config.enabled) return this.allow();
    const subject: Subject = { ...account, network, client };
    return this.decide(event, subject, await evaluate(this.deps.counters, this.slow, this.keys, subject, now, null), now);
  }

  private async decide(event: ShieldEvent, s: Subject, values: Awaited<ReturnType<typeof evaluate>>, now: number): Promise<Verdict> {
    const v = scoreVerdict(values, this.weights, this.deps.config.threshold, (r: BanReason) => this.isShadow(r));
    if (v.action === 'ban' || v.shadowBan) this.deps.metrics?.verdict(event, v);
    if (v.action === 'ban') {
      await this.deps.bans.ban({ accountId: s.accountId, reason: v.reason!, top: v.top, bannedAt: now, expiresAt: null });
      // Only enforced bans feed the AS reputation: shadow rules must change nothing.
      if (s.network?.asn != null) {
        await this.deps.counters.addToSet(K.asBanned(s.network.asn), String(s.accountId), MONTH, now);
        this.slow.forget(K.asBanned(s.network.asn));
      }
    }
    return v;
  }

  private ledgerHash(messageId: number | string, senderId: number, recipientId: number): string {
    return keyedHash(this.secret, `${messageId}|${senderId}|${recipientId}`);
  }

  private allow(): Verdict {
    return { score: 0, threshold: this.deps.config.threshold, action: 'allow', shadowBan: false, reason: null, top: [] };
  }
}
