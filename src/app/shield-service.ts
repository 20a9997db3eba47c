import '../shield/errors.js';
import { sql } from 'kysely';
import { AppError } from '../kernel/errors.js';
import type { Config } from '../kernel/config.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { Topics, type Bus } from '../cluster/bus.js';
import type { Db } from '../storage/database.js';
import type { BanView } from '../protocol/views.js';
import { Shield, type AccountFacts, type AddressIntelLike, type RateKind, type RateLimitsLike } from '../shield/shield.js';
import { SqlCounterStore } from '../shield/sql-counter-store.js';
import { SqlBanStore } from '../shield/sql-ban-store.js';
import { Appeals } from '../shield/appeals.js';
import type { AccountBan, ClientFacts, NetworkFacts, Verdict } from '../shield/types.js';
import type { Metrics } from './metrics.js';

/** Where a banned client appeals (shown in account_banned data). */
export const APPEAL_ROUTE = 'POST /api/v1/me/appeal';
const RECIPIENTS_CACHE_MS = 10_000;
const ACCOUNT_CACHE_MS = 60_000;
const LEDGER_MAX_RECIPIENTS = 100;

/** Who a send reaches, as the engine needs it (computed once, reused by `delivered`). */
export interface SendContext {
  recipientIds: number[];
  strangerIds: number[];
  /** Set for groups: the engine counts a group as one stranger recipient. */
  group: { chatId: number } | null;
}

/**
 * The shield as the API layer uses it: the engine (src/shield) on SQL stores, plus what only the
 * server knows — account facts, a chat's recipients and strangers, the ban guard, notices and
 * appeals. Operations call it before and after the domain managers (api/operations).
 */
export class ShieldService {
  readonly counters: SqlCounterStore;
  readonly bans: SqlBanStore;
  readonly appeals: Appeals;
  readonly engine: Shield;
  private readonly accountCache = new Map<number, { facts: AccountFacts; until: number }>();
  private readonly recipientCache = new Map<string, { ctx: SendContext; until: number }>();

  constructor(
    private readonly deps: { config: Readonly<Config>; db: Db; bus: Bus; clock: Clock; logger: Logger; metrics: Metrics; secret: string; intel?: AddressIntelLike; limits?: RateLimitsLike },
  ) {
    const { db, clock, metrics } = deps;
    this.counters = new SqlCounterStore(db);
    this.bans = new SqlBanStore(db, clock);
    this.appeals = new Appeals(db, this.bans, clock, (outcome, ban) => metrics.appealDecided(outcome, ban.reason));
    metrics.setShieldStats(() => this.appeals.stats());
    this.engine = new Shield({
      config: deps.config.shield, counters: this.counters, bans: this.bans, clock, secret: deps.secret,
      ...(deps.intel ? { intel: deps.intel } : {}), ...(deps.limits ? { limits: deps.limits } : {}),
      metrics: {
        verdict: (event, v) => metrics.shieldVerdict(event, v),
        rateLimited: (kind) => metrics.rateLimitHits.inc({ kind }),
        report: (counted) => metrics.reports.inc({ outcome: counted ? 'counted' : 'ignored' }),
      },
    });
  }

  private get enabled(): boolean {
    return this.deps.config.shield.enabled;
  }

  /** Address → network facts; the raw address goes no further than this call. */
  network(ip: string): NetworkFacts {
    const addr = normaliseIp(ip);
    // Private and loopback addresses have no country or AS, and are no meaningful block (behind a proxy
    // without http.trustProxy every user shares one): no block hash, so no per-block counting or limits.
    if (isLocal(addr)) return { country: null, asn: null, hosting: false, vpn: false, blockHash: '' };
    return this.engine.networkFacts(addr);
  }

  /** Refuses every operation of a banned account (the guard in api/operations/index.ts). */
  async assertNotBanned(accountId: number): Promise<void> {
    const ban = await this.bans.cached(accountId);
    if (ban) throw bannedError(ban);
  }

  /** Per-block limit; loopback and private addresses are exempt (they are one block for everyone behind a proxy: set http.trustProxy). */
  async limitBlock(kind: RateKind, ip: string, network: NetworkFacts): Promise<void> {
    if (isLocal(normaliseIp(ip)) || !network.blockHash) return;
    await this.engine.checkRate(kind, network.blockHash);
  }

  /** Before creating an account: registrations per address block. */
  async beforeRegister(ip: string): Promise<NetworkFacts> {
    const network = this.network(ip);
    await this.limitBlock('register_block', ip, network);
    return network;
  }

  /** After creating it: score the new account; a ban is stored and the client learns it on its next call. */
  async afterRegister(accountId: number, network: NetworkFacts, client: ClientFacts): Promise<Verdict | null> {
    if (!this.enabled) return null;
    return this.guarded('register', accountId, async () => this.engine.register({ account: await this.account(accountId), network, client, at: this.deps.clock.now() }));
  }

  /** Before checking a password: log-ins per account name and per address block. */
  async beforeLogin(username: string, ip: string): Promise<NetworkFacts> {
    const network = this.network(ip);
    await this.engine.checkRate('login_account', username.trim().toLowerCase());
    await this.limitBlock('login_block', ip, network);
    return network;
  }

  async afterLogin(accountId: number, network: NetworkFacts, client: ClientFacts): Promise<Verdict | null> {
    if (!this.enabled) return null;
    return this.guarded('login', accountId, async () => this.engine.login({ account: await this.account(accountId), network, client, at: this.deps.clock.now() }));
  }

  /**
   * Before a message is persisted: hard limits, then the verdict. A ban refuses the message with
   * account_banned (never a silent drop). Returns what `afterSend` needs, or null for non-members
   * (the manager then answers chat_not_found).
   */
  async beforeSend(accountId: number, chatId: number, ip: string, count = 1): Promise<SendContext | null> {
    for (let i = 0; i < count; i++) {
      await this.engine.checkRate('message_second', String(accountId));
      await this.engine.checkRate('message_minute', String(accountId));
    }
    if (!this.enabled) return null;
    const ctx = await this.recipients(chatId, accountId);
    if (!ctx) return null;
    const account = await this.account(accountId);
    const network = ip ? this.network(ip) : null;
    for (let i = 0; i < count; i++) {
      const verdict = await this.engine.send({ account, network, client: null, recipientIds: ctx.recipientIds, strangerIds: ctx.strangerIds, group: ctx.group, at: this.deps.clock.now() });
      if (verdict.action === 'ban') await this.enforce(accountId);
    }
    return ctx;
  }

  /** After commit: the report ledger learns who really received the message. Never fails the send. */
  async afterSend(senderId: number, messageIds: number[], ctx: SendContext | null): Promise<void> {
    if (!ctx || !this.enabled) return;
    try {
      // Large groups: the ledger keeps the strangers only (one counter per recipient and message would dominate the send).
      const recipientIds = ctx.recipientIds.length > LEDGER_MAX_RECIPIENTS ? ctx.strangerIds : ctx.recipientIds;
      for (const messageId of messageIds) await this.engine.delivered({ messageId, senderId, recipientIds, strangerIds: ctx.strangerIds, at: this.deps.clock.now() });
    } catch (err) {
      this.deps.logger.warn({ err }, 'shield: delivered failed');
    }
  }

  /** A spam report of message `messageId` in `chatId`; the caller must be able to see it. */
  async report(reporterId: number, chatId: number, messageId: number): Promise<{ counted: boolean }> {
    const { db } = this.deps;
    const row = await db
      .selectFrom('messages')
      .innerJoin('chat_members', (j) => j.onRef('chat_members.chat_id', '=', 'messages.chat_id').on('chat_members.account_id', '=', reporterId))
      .select('messages.sender_id')
      .where('messages.chat_id', '=', chatId)
      .where('messages.id', '=', messageId)
      .executeTakeFirst();
    if (!row) throw new AppError('message_not_found');
    if (row.sender_id === reporterId) throw new AppError('cannot_target_self');
    if (!this.enabled) return { counted: false };
    const reporter = await this.account(reporterId);
    const r = await this.engine.report({ reporterId, reportedId: row.sender_id, messageId, reporterCreatedAt: reporter.createdAt, reported: await this.account(row.sender_id), at: this.deps.clock.now() });
    if (r.verdict?.action === 'ban') this.notifyBanned(row.sender_id);
    return { counted: r.counted };
  }

  async blocked(blockerId: number, blockedId: number): Promise<void> {
    if (this.enabled) await this.engine.blocked({ blockerId, blockedId, blockerCreatedAt: (await this.account(blockerId)).createdAt, at: this.deps.clock.now() }).catch((err: unknown) => this.deps.logger.warn({ err }, 'shield: blocked failed'));
  }

  async behaviour(accountId: number, kind: 'typing' | 'read'): Promise<void> {
    if (this.enabled) await this.engine.behaviour({ accountId, kind, at: this.deps.clock.now() }).catch((err: unknown) => this.deps.logger.warn({ err }, 'shield: behaviour failed'));
  }

  /** The caller's ban as its owner sees it (fresh from the store, not cached). */
  async status(accountId: number): Promise<BanView> {
    const b = await this.bans.latest(accountId);
    if (!b) return { banned: false, reason: null, bannedAt: null, expiresAt: null, appeal: null, appealRoute: null };
    return { banned: b.active, reason: b.reason, bannedAt: b.bannedAt, expiresAt: b.expiresAt, appeal: b.appeal, appealRoute: b.active && !b.appeal ? APPEAL_ROUTE : null };
  }

  async appeal(accountId: number, note: string | null): Promise<BanView> {
    await this.appeals.submit(accountId, note);
    this.deps.metrics.appeals.inc({ outcome: 'submitted' });
    return this.status(accountId);
  }

  /** Periodic job: expired counters and set members; ban rows lifted or expired past `banKeepMs`. */
  async sweep(banKeepMs: number): Promise<number> {
    const now = this.deps.clock.now();
    return (await this.counters.sweep(now)) + (await this.bans.sweep(now - banKeepMs));
  }

  /** Facts about the account for scoring; cached a minute (created_at never changes, phone rarely). */
  async account(accountId: number): Promise<AccountFacts> {
    const hit = this.accountCache.get(accountId);
    if (hit && hit.until > Date.now()) return hit.facts;
    const row = await this.deps.db.selectFrom('accounts').select(['created_at', 'phone']).where('id', '=', accountId).executeTakeFirst();
    const facts: AccountFacts = { accountId, createdAt: Number(row?.created_at ?? this.deps.clock.now()), phone: row?.phone ?? null };
    if (this.accountCache.size > 50_000) this.accountCache.clear();
    this.accountCache.set(accountId, { facts, until: Date.now() + ACCOUNT_CACHE_MS });
    return facts;
  }

  /** Forgets cached facts (the phone number changed). */
  forgetAccount(accountId: number): void {
    this.accountCache.delete(accountId);
  }

  /**
   * Members a send reaches and which of them are strangers: they have not added the sender as a
   * contact and (direct chats) never wrote in the chat. Channels: none (subscribers opted in, and a
   * post is read from the channel's log, not delivered to each). Cached briefly per (chat, sender).
   */
  private async recipients(chatId: number, senderId: number): Promise<SendContext | null> {
    const key = `${chatId}:${senderId}`;
    const hit = this.recipientCache.get(key);
    if (hit && hit.until > Date.now()) return hit.ctx;
    const { db } = this.deps;
    const chat = await db.selectFrom('chats').select('type').where('id', '=', chatId).executeTakeFirst();
    if (!chat) return null;
    const rows = await db
      .selectFrom('chat_members as m')
      .select(['m.account_id', (eb) => eb.exists(eb.selectFrom('contacts as c').select(sql.lit(1).as('one')).whereRef('c.owner_id', '=', 'm.account_id').where('c.contact_id', '=', senderId)).as('contact')])
      .where('m.chat_id', '=', chatId)
      .execute();
    if (!rows.some((r) => r.account_id === senderId)) return null;
    const ctx: SendContext = { recipientIds: [], strangerIds: [], group: chat.type === 'group' ? { chatId } : null };
    if (chat.type !== 'channel') {
      for (const r of rows) {
        if (r.account_id === senderId) continue;
        ctx.recipientIds.push(r.account_id);
        if (!Number(r.contact)) ctx.strangerIds.push(r.account_id);
      }
      if (chat.type === 'direct' && ctx.strangerIds.length) {
        const wrote = await db.selectFrom('messages').select('id').where('chat_id', '=', chatId).where('sender_id', '=', ctx.strangerIds[0]!).limit(1).executeTakeFirst();
        if (wrote) ctx.strangerIds = [];
      }
    }
    if (this.recipientCache.size > 50_000) this.recipientCache.clear();
    this.recipientCache.set(key, { ctx, until: Date.now() + RECIPIENTS_CACHE_MS });
    return ctx;
  }

  /** Runs a scoring call; an enforced ban closes the account's connections. Scoring faults never block the user. */
  private async guarded(event: string, accountId: number, run: () => Promise<Verdict>): Promise<Verdict | null> {
    try {
      const verdict = await run();
      if (verdict.action === 'ban') this.notifyBanned(accountId);
      return verdict;
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.deps.logger.warn({ err, event }, 'shield: scoring failed');
      return null;
    }
  }

  /** The engine banned the sender: close its channels and refuse this message. */
  private async enforce(accountId: number): Promise<never> {
    this.notifyBanned(accountId);
    const ban = await this.bans.get(accountId);
    throw bannedError(ban ?? { accountId, reason: 'abuse', top: [], bannedAt: this.deps.clock.now(), expiresAt: null, appeal: null });
  }

  /** Every update channel of the account closes with 4403 account_banned (api/ws/connection.ts). */
  notifyBanned(accountId: number): void {
    this.bans.invalidate(accountId);
    this.deps.bus.publish(Topics.account(accountId), { ephemeral: 'banned' });
  }

  /**
   * An operator's decision on an appeal. Accepting lifts the ban and sets aside the record that led
   * to it (reports, blocks: Shield.forgive), or the account's next event would ban it again.
   */
  async decideAppeal(accountId: number, outcome: 'accepted' | 'rejected'): Promise<void> {
    await this.appeals.decide(accountId, outcome);
    if (outcome === 'accepted') await this.engine.forgive(accountId);
  }
}

/** The account_banned error a banned client gets; it translates `reason` itself. */
export function bannedError(ban: AccountBan): AppError {
  return new AppError('account_banned', { reason: ban.reason, bannedAt: ban.bannedAt, expiresAt: ban.expiresAt, appeal: ban.appeal, appealRoute: ban.appeal ? null : APPEAL_ROUTE });
}

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) → `1.2.3.4`. */
function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** Loopback, RFC 1918, link-local and IPv6 unique-local addresses. */
export function isLocal(ip: string): boolean {
  if (!ip || ip === '::1' || /^127\./.test(ip) || /^10\./.test(ip) || /^192\.168\./.test(ip) || /^169\.254\./.test(ip)) return true;
  if (/^172\.(1[6-9]|2\d|3[01])\./.test(ip)) return true;
  return /^f[cd][0-9a-f]{2}:/i.test(ip) || /^fe80:/i.test(ip);
}

/** `parley-web/<version>` and `parley-sdk/<version>` are ours; anything else (or nothing) is unofficial. */
export function clientFacts(client: string | undefined, lang: string | undefined): ClientFacts {
  return {
    client: client && /^parley-(web|sdk)\/[\w.+-]{1,32}$/.test(client) ? 'official' : 'unofficial',
    lang: lang && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(lang) ? lang : null,
  };
}
