import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';
import type { ShieldBansTable } from '../storage/schema.js';
import type { AccountBan, BanStore, SignalContribution } from './types.js';

/** How long a "banned or not" answer may be reused by `cached` (per process). */
const CACHE_MS = 1000;
/** Past this many cached accounts the cache starts over (bounds memory, not correctness). */
const CACHE_MAX = 100_000;

/**
 * Bans and their appeal on the server's database, one row per account (a new ban replaces a lifted
 * one). A lifted or expired row stays until the sweeper drops it after `keepMs`, so the user can
 * still read that the appeal was accepted.
 */
export class SqlBanStore implements BanStore {
  /** accountId → (active ban or null, valid until). Ban checks run on every operation. */
  private readonly cache = new Map<number, { ban: AccountBan | null; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Stores a ban (replacing any earlier row of the account), with no appeal yet. */
  async ban(b: Omit<AccountBan, 'appeal'>): Promise<void> {
    const row = {
      account_id: b.accountId, reason: b.reason, top: JSON.stringify(b.top), banned_at: b.bannedAt, expires_at: b.expiresAt,
      lifted_at: null, appeal_state: null, appeal_note: null, appeal_submitted_at: null, appeal_decided_at: null,
    };
    const { account_id: _id, ...update } = row;
    await this.db.insertInto('shield_bans').values(row).onConflict((oc) => oc.column('account_id').doUpdateSet(update)).execute();
    this.cache.set(b.accountId, { ban: { ...b, appeal: null }, until: Date.now() + CACHE_MS });
  }

  /** The account's active ban (not lifted, not expired), or null. */
  async get(accountId: number): Promise<AccountBan | null> {
    const row = await this.row(accountId);
    const ban = row && isActive(row, this.clock.now()) ? toBan(row) : null;
    this.remember(accountId, ban);
    return ban;
  }

  /**
   * Like `get`, but may answer from a per-process cache up to a second old: the guard in front of
   * every operation uses it. Bans made here update the cache at once; a lift by another process (the
   * CLI) shows within a second.
   */
  async cached(accountId: number): Promise<AccountBan | null> {
    const hit = this.cache.get(accountId);
    if (hit && hit.until > Date.now()) {
      if (!hit.ban || hit.ban.expiresAt === null || hit.ban.expiresAt > this.clock.now()) return hit.ban;
    }
    return this.get(accountId);
  }

  /** The latest ban row whatever its state (the status screen shows a lifted ban's outcome). */
  async latest(accountId: number): Promise<(AccountBan & { active: boolean; liftedAt: number | null; appealNote: string | null }) | null> {
    const row = await this.row(accountId);
    return row ? { ...toBan(row), active: isActive(row, this.clock.now()), liftedAt: row.lifted_at, appealNote: row.appeal_note } : null;
  }

  /** Lifts the active ban (an operator, or an accepted appeal). */
  async lift(accountId: number, now: number): Promise<void> {
    await this.db.updateTable('shield_bans').set({ lifted_at: now }).where('account_id', '=', accountId).where('lifted_at', 'is', null).execute();
    this.cache.delete(accountId);
  }

  /** Forgets cached answers for accountId (after an appeal changed its row). */
  invalidate(accountId: number): void {
    this.cache.delete(accountId);
  }

  /** Drops rows lifted or expired before `before`; returns how many. */
  async sweep(before: number): Promise<number> {
    const r = await this.db
      .deleteFrom('shield_bans')
      .where((eb) => eb.or([eb('lifted_at', '<', before), eb.and([eb('expires_at', 'is not', null), eb('expires_at', '<', before)])]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  private row(accountId: number): Promise<ShieldBansTable | undefined> {
    return this.db.selectFrom('shield_bans').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  }

  private remember(accountId: number, ban: AccountBan | null): void {
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(accountId, { ban, until: Date.now() + CACHE_MS });
  }
}

function isActive(row: ShieldBansTable, now: number): boolean {
  return row.lifted_at === null && (row.expires_at === null || row.expires_at > now);
}

/** Row → AccountBan; numbers are converted because PostgreSQL bigint may come back as text elsewhere. */
export function toBan(row: ShieldBansTable): AccountBan {
  let top: SignalContribution[];
  try {
    top = JSON.parse(row.top) as SignalContribution[];
  } catch {
    top = []; // a hand-edited row must not hide the ban itself
  }
  return {
    accountId: row.account_id,
    reason: row.reason,
    top,
    bannedAt: Number(row.banned_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    appeal: row.appeal_state === null ? null : { state: row.appeal_state, submittedAt: Number(row.appeal_submitted_at), decidedAt: row.appeal_decided_at === null ? null : Number(row.appeal_decided_at) },
  };
}
