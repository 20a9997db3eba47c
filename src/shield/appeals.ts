import './errors.js';
import { AppError } from '../kernel/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';
import { SqlBanStore, toBan } from './sql-ban-store.js';
import type { AccountBan } from './types.js';

export interface AppealEntry {
  accountId: number;
  username: string;
  ban: AccountBan;
  note: string | null;
}

export type AppealDecision = 'accepted' | 'rejected';

/**
 * The appeal queue. A banned user appeals once per ban; an operator accepts (the ban is lifted and
 * the decision counts as a false positive) or rejects it. The queue is the ban rows themselves.
 */
export class Appeals {
  constructor(
    private readonly db: Db,
    private readonly bans: SqlBanStore,
    private readonly clock: Clock,
    /** Told about each decision (metrics: appeals by outcome, false positives). */
    private readonly onDecision: (outcome: AppealDecision, ban: AccountBan) => void = () => undefined,
  ) {}

  /** Queues the appeal of the account's active ban; one per ban. */
  async submit(accountId: number, note: string | null): Promise<AccountBan> {
    const ban = await this.bans.get(accountId);
    if (!ban) throw new AppError('not_banned');
    if (ban.appeal) throw new AppError('appeal_exists', { state: ban.appeal.state });
    const now = this.clock.now();
    const r = await this.db
      .updateTable('shield_bans')
      .set({ appeal_state: 'pending', appeal_note: note, appeal_submitted_at: now, appeal_decided_at: null })
      .where('account_id', '=', accountId)
      .where('appeal_state', 'is', null)
      .where('lifted_at', 'is', null)
      .executeTakeFirst();
    // Two appeals racing: the second finds the column already set.
    if (Number(r.numUpdatedRows) === 0) throw new AppError('appeal_exists', { state: 'pending' });
    this.bans.invalidate(accountId);
    return { ...ban, appeal: { state: 'pending', submittedAt: now, decidedAt: null } };
  }

  /** Appeals in `state` (default pending), oldest first. */
  async list(state: 'pending' | AppealDecision = 'pending', limit = 100): Promise<AppealEntry[]> {
    const rows = await this.db
      .selectFrom('shield_bans')
      .innerJoin('accounts', 'accounts.id', 'shield_bans.account_id')
      .selectAll('shield_bans')
      .select('accounts.username as username')
      .where('shield_bans.appeal_state', '=', state)
      .orderBy('shield_bans.appeal_submitted_at')
      .orderBy('shield_bans.account_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ accountId: r.account_id, username: r.username, ban: toBan(r), note: r.appeal_note }));
  }

  /** Decides a pending appeal. Accepting lifts the ban. */
  async decide(accountId: number, outcome: AppealDecision): Promise<AccountBan> {
    const now = this.clock.now();
    const ban = await this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('shield_bans')
        .set({ appeal_state: outcome, appeal_decided_at: now, ...(outcome === 'accepted' ? { lifted_at: now } : {}) })
        .where('account_id', '=', accountId)
        .where('appeal_state', '=', 'pending')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new AppError('appeal_not_found', { accountId });
      return toBan(await tx.selectFrom('shield_bans').selectAll().where('account_id', '=', accountId).executeTakeFirstOrThrow());
    });
    this.bans.invalidate(accountId);
    this.onDecision(outcome, ban);
    return ban;
  }

  /** Decisions so far (rows still kept): the false-positive rate is accepted / all bans kept. */
  async stats(): Promise<{ bans: number; pending: number; accepted: number; rejected: number }> {
    const rows = await this.db
      .selectFrom('shield_bans')
      .select(['appeal_state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('appeal_state')
      .execute();
    const out = { bans: 0, pending: 0, accepted: 0, rejected: 0 };
    for (const r of rows) {
      out.bans += Number(r.n);
      if (r.appeal_state) out[r.appeal_state] += Number(r.n);
    }
    return out;
  }
}
