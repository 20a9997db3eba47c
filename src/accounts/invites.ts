import './errors.js';
import { AppError } from '../kernel/errors.js';
import { randomToken, hashToken } from '../kernel/ids.js';
import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';

/** Invite codes for invite-only registration; stored hashed, limited uses, expiring. */
export class Invites {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async create(opts: { createdBy?: number | null; uses?: number; ttlMs?: number } = {}): Promise<{ code: string; expiresAt: number; uses: number }> {
    const code = randomToken(12);
    const uses = Math.max(1, Math.min(opts.uses ?? 1, 10000));
    const expiresAt = this.clock.now() + (opts.ttlMs ?? 7 * 24 * 3600 * 1000);
    await this.db
      .insertInto('invites')
      .values({ code_hash: hashToken(code), created_by: opts.createdBy ?? null, uses_left: uses, expires_at: expiresAt, created_at: this.clock.now() })
      .execute();
    return { code, expiresAt, uses };
  }

  /** Uses one redemption of `code` inside the registration transaction. */
  async consume(tx: Db, code: string): Promise<void> {
    if (typeof code !== 'string' || code.length > 128) throw new AppError('invite_invalid');
    const r = await tx
      .updateTable('invites')
      .set((eb) => ({ uses_left: eb('uses_left', '-', 1) }))
      .where('code_hash', '=', hashToken(code))
      .where('uses_left', '>', 0)
      .where('expires_at', '>', this.clock.now())
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new AppError('invite_invalid');
  }
}
