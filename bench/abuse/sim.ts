import { AppError } from '../../src/kernel/errors.js';
import { loadConfig } from '../../src/kernel/config.js';
import { Shield } from '../../src/shield/shield.js';
import { RateLimits } from '../../src/shield/rate-limits.js';
import { MemoryBanStore, MemoryCounterStore } from '../../src/shield/memory-stores.js';
import type { Verdict } from '../../src/shield/types.js';
import { EventQueue, Rng } from './rng.js';
import { HOUR, MINUTE, type Account, type World } from './world.js';

/**
 * The simulation core: a deterministic event loop in virtual time that drives the real engine
 * (src/shield) and the real rate limiter (rate-limiter-flexible with Date.now faked), exactly as the
 * server calls them: rate limits, then send → verdict → delivered; reports, blocks, reads, typing.
 */

export type Mode = 'shield' | 'baseline';
export type SendResult = { ok: true; msgId: number } | { ok: false; banned: true } | { ok: false; banned: false; retryAfterMs: number };

export interface AccountStats {
  delivered: number;
  bannedAt: number | null;
  bannedAfter: number | null;
  reason: string | null;
  /** Top signals of the ban (the explanation the user sees). */
  top: string | null;
  appealed: boolean;
  reinstated: boolean;
}

/** Reactions of legitimate people to what lands in their inbox. */
export const REACT = { spamReport: 0.04, spamBlock: 0.08, strangerReport: 0.002, strangerBlock: 0.005, knownReport: 0.00002 };

export class Sim {
  readonly q = new EventQueue<() => Promise<void> | void>();
  readonly counters = new MemoryCounterStore();
  readonly bans = new MemoryBanStore();
  readonly shield: Shield;
  readonly limits: RateLimits;
  readonly banned = new Set<number>();
  readonly stats = new Map<number, AccountStats>();
  /** key from*2^24+to: `from` has written to `to` (so `from` is no stranger to `to` any more). */
  readonly wrote = new Set<number>();
  readonly costsNs: number[] = [];
  readonly verdicts = { shadow: 0, byReason: new Map<string, number>(), legitRateLimited: 0, spamRateLimited: 0 };
  private msgId = 0;

  constructor(readonly world: World, readonly mode: Mode, readonly rng: Rng, readonly now: () => number, shieldOverrides: Record<string, unknown> = {}) {
    // reportTtlDays 3 (default 30): reports in the month come within hours; it keeps the ledger small.
    const config = loadConfig({ env: {}, file: null, overrides: { shield: { secret: 'bench-secret', reportTtlDays: 3, ...shieldOverrides, enabled: mode === 'shield' } } }).shield;
    this.limits = new RateLimits(config.limits);
    this.shield = new Shield({ config, counters: this.counters, bans: this.bans, clock: { now }, limits: this.limits });
  }

  at(t: number, fn: () => Promise<void> | void): void {
    this.q.push(t, fn);
  }

  account(id: number): Account {
    return this.world.accounts[id]!;
  }

  stat(id: number): AccountStats {
    let s = this.stats.get(id);
    if (!s) this.stats.set(id, (s = { delivered: 0, bannedAt: null, bannedAfter: null, reason: null, top: null, appealed: false, reinstated: false }));
    return s;
  }

  /** A send as the server does it: limits, verdict before persisting, ledger after delivery. */
  async send(from: Account, to: readonly number[], group: number | null = null): Promise<SendResult> {
    if (this.banned.has(from.id)) return { ok: false, banned: true };
    try {
      await this.shield.checkRate('message_second', String(from.id));
      await this.shield.checkRate('message_minute', String(from.id));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (from.legit) this.verdicts.legitRateLimited++;
      else this.verdicts.spamRateLimited++;
      return { ok: false, banned: false, retryAfterMs: Number(err.data?.retryAfterMs ?? 1000) };
    }
    const strangerIds = to.filter((r) => !this.world.accounts[r]!.contacts.has(from.id) && !this.wrote.has(from.id + r * 2 ** 24));
    const t0 = process.hrtime.bigint();
    const v = await this.shield.send({ account: from.facts, network: from.network, client: from.client, recipientIds: to, strangerIds, group: group === null ? null : { chatId: group } });
    this.costsNs.push(Number(process.hrtime.bigint() - t0));
    if (this.verdict(from, v)) return { ok: false, banned: true };
    const msgId = ++this.msgId;
    // Group members joined the group themselves: a group post is never unsolicited for the ledger.
    const unsolicited = group === null ? strangerIds : [];
    await this.shield.delivered({ messageId: msgId, senderId: from.id, recipientIds: to, strangerIds: unsolicited });
    if (group === null) for (const r of to) this.wrote.add(r + from.id * 2 ** 24);
    this.stat(from.id).delivered++;
    this.react(from, to, unsolicited, msgId);
    return { ok: true, msgId };
  }

  /** Handles a verdict from any event; true when the account is (now) banned. */
  verdict(acc: Account, v: Verdict | null): boolean {
    if (!v) return false;
    if (v.shadowBan) this.verdicts.shadow++;
    if (v.action !== 'ban') return false;
    this.banned.add(acc.id);
    this.verdicts.byReason.set(v.reason!, (this.verdicts.byReason.get(v.reason!) ?? 0) + 1);
    const s = this.stat(acc.id);
    s.bannedAt = this.now();
    s.bannedAfter = s.delivered;
    s.reason = v.reason;
    s.top = v.top.map((c) => `${c.signal}=${c.points}`).join(' ');
    // Every banned legitimate user appeals; about a third of spammers try their luck too.
    if (acc.legit || this.rng.chance(0.3)) {
      s.appealed = true;
      this.at(this.now() + 2 * HOUR, () => this.bans.appeal(acc.id, 'pending', this.now()));
      // The operator reviews within a day; the review is assumed right (accept iff legitimate).
      this.at(this.now() + 24 * HOUR, async () => {
        this.bans.appeal(acc.id, acc.legit ? 'accepted' : 'rejected', this.now());
        if (!acc.legit) return;
        await this.bans.lift(acc.id, this.now());
        await this.shield.forgive(acc.id, this.now());
        this.banned.delete(acc.id);
        s.reinstated = true;
      });
    }
    return true;
  }

  /** Recipients read what they get; some report or block, mostly spam, rarely an honest stranger. */
  private react(from: Account, to: readonly number[], strangers: readonly number[], msgId: number): void {
    const strangerSet = strangers.length ? new Set(strangers) : null;
    for (const r of to) {
      const rec = this.world.accounts[r]!;
      if (!rec.legit) continue;
      const stranger = strangerSet?.has(r) ?? false;
      const pReport = !from.legit ? REACT.spamReport : stranger ? REACT.strangerReport : REACT.knownReport;
      const pBlock = !from.legit ? REACT.spamBlock : stranger ? REACT.strangerBlock : 0;
      if (this.rng.chance(pReport)) this.at(this.now() + this.rng.exp(30 * MINUTE), () => this.report(rec, from, msgId));
      if (this.rng.chance(pBlock)) this.at(this.now() + this.rng.exp(45 * MINUTE), () => this.block(rec, from));
    }
  }

  async report(reporter: Account, reported: Account, msgId: number): Promise<void> {
    if (this.banned.has(reporter.id)) return;
    const r = await this.shield.report({ reporterId: reporter.id, reportedId: reported.id, messageId: msgId, reporterCreatedAt: reporter.facts.createdAt, reported: reported.facts, at: this.now() });
    if (!this.banned.has(reported.id)) this.verdict(reported, r.verdict);
  }

  async block(blocker: Account, blocked: Account): Promise<void> {
    await this.shield.blocked({ blockerId: blocker.id, blockedId: blocked.id, blockerCreatedAt: blocker.facts.createdAt, at: this.now() });
  }

  async behaviour(acc: Account, kind: 'typing' | 'read'): Promise<void> {
    if (!this.banned.has(acc.id)) await this.shield.behaviour({ accountId: acc.id, kind, at: this.now() });
  }

  async login(acc: Account): Promise<void> {
    if (this.banned.has(acc.id)) return;
    this.verdict(acc, await this.shield.login({ account: acc.facts, network: acc.network, client: acc.client, at: this.now() }));
  }

  /** Registration as the server does it: per-block limit, then the verdict. */
  async register(acc: Account): Promise<{ ok: boolean; retryAfterMs?: number }> {
    try {
      await this.shield.checkRate('register_block', acc.network.blockHash);
    } catch (err) {
      if (err instanceof AppError) return { ok: false, retryAfterMs: Number(err.data?.retryAfterMs ?? HOUR) };
      throw err;
    }
    acc.facts.createdAt = this.now();
    this.stat(acc.id);
    const banned = this.verdict(acc, await this.shield.register({ account: acc.facts, network: acc.network, client: acc.client, at: this.now() }));
    return { ok: !banned };
  }
}
