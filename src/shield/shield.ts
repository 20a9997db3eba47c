import type { ClientFacts, NetworkFacts, ShieldEvent, SyncCounterStore, Verdict } from './types.js';
import type { AccountFacts, BehaviourFacts, BlockFacts, DeliveredFacts, LoginFacts, RateKind, RegisterFacts, ReportFacts, SendFacts, ShieldDeps } from './facts.js';
import { AppError } from '../kernel/errors.js';
import { randomBytes } from 'node:crypto';
import { keyedHash, addressBlock } from './hash.js';
import { K, KeyCache, HOUR, DAY, MONTH, bucket, blockersKey, reportersKey, UNSOLICITED } from './keys.js';
import { scoreSignals, scoreVerdict, signalArray, weightArray } from './score.js';
import { resolveWeights, SIGNAL_NAMES, type BanReason, type SignalName } from './weights.js';
import { evaluate, burstCount, SlowCounters, type Subject } from './evaluate.js';
import { reporterWeight } from './signals/spam-reports.js';
import { scoreSendSync, syncStore, type SendContext, type SendScore } from './fast-path.js';

export { BAN_REASONS, type BanReason } from './weights.js';

export type * from './facts.js';

/**
 * The shield facade (issue 6): the server and the simulation bench call only this class. It turns
 * metadata facts into counters with expiry, scores the account and, above the threshold, bans it
 * through the BanStore (unless the rule runs in shadow mode). It never sees message content.
 */

/** Remembered per account between login and later sends that carry no facts (memory only, bounded). */
const SESSION_CACHE_MAX = 100_000;

/** The engine. One instance per server (or per simulated world). */
export class Shield {
  private readonly weights: Record<SignalName, number>;
  private readonly secret: string;
  private readonly sessions = new Map<number, { network: NetworkFacts | null; client: ClientFacts | null }>();
  private readonly slow = new SlowCounters();
  private readonly keys = new KeyCache();
  /** The counter store's synchronous twin (memory store), or null (SQL): see fast-path.ts. */
  private readonly fast: SyncCounterStore | null;
  private readonly ctx: SendContext;

  constructor(readonly deps: ShieldDeps) {
    this.weights = resolveWeights(deps.config.weights);
    // Without a configured secret hashes are still keyed, but only for this process's lifetime:
    // report-ledger entries then stop matching after a restart (the server passes a persisted one).
    this.secret = deps.secret || deps.config.secret || randomBytes(32).toString('base64url');
    this.fast = syncStore(deps.counters);
    this.ctx = { config: deps.config, weights: this.weights, weightArray: weightArray(this.weights), values: new Float64Array(SIGNAL_NAMES.length), slow: this.slow, keys: this.keys, exclusive: this.fast?.claim() ?? false, sessions: this.sessions };
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
    if (facts.network.blockHash) {
      // Forgotten before and after the write: no send in between may keep a cached read of it.
      this.slow.forget(K.registrations(facts.network.blockHash));
      await c.increment(K.registrations(facts.network.blockHash), 1, HOUR, now);
      this.slow.forget(K.registrations(facts.network.blockHash));
    }
    return this.arrive('register', facts.account, facts.network, facts.client, now);
  }

  /** Records the session's client and network (AS seen); may ban (same model as register). */
  async login(facts: LoginFacts): Promise<Verdict> {
    return this.arrive('login', facts.account, facts.network, facts.client, facts.at ?? this.deps.clock.now());
  }

  /** Called before a message is persisted; a 'ban' verdict means refuse it with account_banned. */
  async send(facts: SendFacts): Promise<Verdict> {
    const now = facts.at ?? this.deps.clock.now();
    // In-process stores take the synchronous path (fast-path.ts): same computation, no promise per counter.
    const r = this.fast ? scoreSendSync(this.ctx, this.fast, facts, now) : await this.scoreSend(facts, now);
    if (!r) return this.allow();
    // Below the threshold the first verdict is final (shadow mode only matters for would-be bans).
    if (!('subject' in r)) return r;
    return this.decide('send', r.subject, r.values, now);
  }

  /** scoreSendSync on an async store (SQL): counts the message and scores it; null when disabled. */
  private async scoreSend(facts: SendFacts, now: number): Promise<Verdict | SendScore | null> {
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
    if (!this.deps.config.enabled) return null;
    const remembered = facts.network && facts.client ? undefined : this.sessions.get(acct);
    const a = facts.account;
    const subject: Subject = {
      accountId: acct, createdAt: a.createdAt, phone: a.phone,
      network: facts.network ?? remembered?.network ?? null,
      client: facts.client ?? remembered?.client ?? null,
    };
    const burst = await burstCount(c, k, now, cur);
    const counts = { burst, sentToday, strangersToday };
    let values = await evaluate(c, this.slow, this.keys, subject, now, counts);
    const verdict = scoreVerdict(values, this.weights, this.deps.config.threshold, () => false);
    if (verdict.action !== 'ban') return verdict;
    // A would-be ban is confirmed on fresh counters: the cached ones may predate a forgiveness elsewhere.
    values = await evaluate(c, this.slow, this.keys, subject, now, { ...counts, fresh: true });
    return { subject, values: signalArray(values), verdict };
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
      const k = await this.keys.withEpoch(c, this.keys.account(facts.reportedId, now), now, true);
      const before = await c.setSize(reportersKey(k), now);
      counted = (await c.addToSet(reportersKey(k), String(facts.reporterId), MONTH, now)) > before;
      if (counted) {
        const w = reporterWeight(delivered >= UNSOLICITED, facts.reporterCreatedAt === undefined ? null : now - facts.reporterCreatedAt);
        this.slow.forget(k.reportWeight);
        await c.increment(k.reportWeight, Math.round(w * 100), MONTH, now);
        this.slow.forget(k.reportWeight);
      }
    }
    this.deps.metrics?.report(counted);
    if (!counted || !facts.reported || !this.deps.config.enabled) return { counted, verdict: null };
    const remembered = this.sessions.get(facts.reportedId);
    const subject: Subject = { ...facts.reported, network: remembered?.network ?? null, client: remembered?.client ?? null };
    return { counted, verdict: await this.decide('report', subject, signalArray(await evaluate(c, this.slow, this.keys, subject, now, null)), now) };
  }

  /** The blocker blocked the blocked account (counted once per distinct blocker; scored at its next event). */
  async blocked(facts: BlockFacts): Promise<void> {
    const now = facts.at ?? this.deps.clock.now();
    const c = this.deps.counters;
    const k = await this.keys.withEpoch(c, this.keys.account(facts.blockedId, now), now, true);
    const before = await c.setSize(blockersKey(k), now);
    if ((await c.addToSet(blockersKey(k), String(facts.blockerId), MONTH, now)) > before) {
      const w = reporterWeight(true, facts.blockerCreatedAt === undefined ? null : now - facts.blockerCreatedAt);
      this.slow.forget(k.blockWeight);
      await c.increment(k.blockWeight, Math.round(w * 100), MONTH, now);
      this.slow.forget(k.blockWeight);
    }
  }

  /** Normal client behaviour (typing, read receipts). */
  async behaviour(facts: BehaviourFacts): Promise<void> {
    const now = facts.at ?? this.deps.clock.now();
    await this.deps.counters.increment(K.behaviourDay(facts.accountId, bucket(now, DAY)), 1, 2 * DAY, now);
  }

  /**
   * An accepted appeal: call it with the ban lift. Starts a new forgiveness epoch for the account, so
   * the reports and blocks that led to the ban no longer count (new ones do). Short-lived counters
   * (30 s, a day) have expired by the time an appeal is decided.
   */
  async forgive(accountId: number, at?: number): Promise<void> {
    const now = at ?? this.deps.clock.now();
    this.keys.staleEpoch(accountId);
    await this.deps.counters.increment(K.epoch(accountId), 1, 365 * DAY, now);
    this.keys.staleEpoch(accountId);
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
    return this.decide(event, subject, signalArray(await evaluate(this.deps.counters, this.slow, this.keys, subject, now, null)), now);
  }

  /** `values` in SIGNAL_NAMES order; read before the first await (the send path passes its scratch array). */
  private async decide(event: ShieldEvent, s: Subject, values: Float64Array, now: number): Promise<Verdict> {
    const v = scoreSignals(values, this.ctx.weightArray, this.deps.config.threshold, (r: BanReason) => this.isShadow(r));
    // Already banned (a report arriving while an appeal is pending): keep that ban and its appeal as they are.
    if (v.action === 'ban' && (await this.deps.bans.get(s.accountId))) return v;
    if (v.action === 'ban' || v.shadowBan) this.deps.metrics?.verdict(event, v);
    if (v.action === 'ban') {
      await this.deps.bans.ban({ accountId: s.accountId, reason: v.reason!, top: v.top, bannedAt: now, expiresAt: null });
      // Only enforced bans feed the AS reputation: shadow rules must change nothing.
      if (s.network?.asn != null) {
        const banned = this.keys.asKeys(s.network.asn).banned;
        this.slow.forget(banned);
        await this.deps.counters.addToSet(banned, String(s.accountId), MONTH, now);
        this.slow.forget(banned);
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
