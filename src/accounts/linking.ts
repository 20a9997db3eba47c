import './errors.js';
import { AppError } from '../kernel/errors.js';
import { randomToken, hashToken, safeEqual } from '../kernel/ids.js';
import type { Clock } from '../kernel/clock.js';
import type { Bus } from '../cluster/bus.js';
import { Topics } from '../cluster/bus.js';
import type { Db } from '../storage/database.js';
import type { SelfView } from '../protocol/views.js';
import type { Sessions, Caller } from './sessions.js';
import type { Accounts } from './accounts.js';

export interface LinkRequest {
  /** Goes into the QR code; useless without the claim secret. */
  token: string;
  /** Kept by the new device; proves it is the one that asked. */
  claimSecret: string;
  expiresAt: number;
}

export type ClaimResult =
  | { status: 'pending'; expiresAt: number }
  | { status: 'approved'; token: string; deviceId: number; account: SelfView };

/**
 * QR device linking: a new device asks for a short-lived one-time token and shows it as a QR
 * code; a logged-in device approves it; the new device claims its own session with its secret.
 */
export class Linking {
  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly sessions: Sessions,
    private readonly accounts: Accounts,
    private readonly ttlMs: number,
  ) {}

  async request(input: { deviceName?: string; platform?: string; username?: string }): Promise<LinkRequest> {
    const token = randomToken(24);
    const claimSecret = randomToken(32);
    const now = this.clock.now();
    const expiresAt = now + this.ttlMs;
    await this.db
      .insertInto('link_tokens')
      .values({
        token_hash: hashToken(token),
        claim_hash: hashToken(claimSecret),
        device_name: String(input.deviceName ?? 'New device').slice(0, 64),
        platform: String(input.platform ?? 'unknown').slice(0, 64),
        expected_username: input.username ? String(input.username).trim().toLowerCase().slice(0, 64) : null,
        created_at: now,
        expires_at: expiresAt,
        approved_account_id: null,
        approved_at: null,
        device_id: null,
        claimed_at: null,
      })
      .execute();
    return { token, claimSecret, expiresAt };
  }

  /** A logged-in device approves a scanned token for its own account. */
  async approve(caller: Caller, token: string): Promise<{ deviceName: string; platform: string }> {
    const hash = hashToken(String(token));
    const row = await this.db.selectFrom('link_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    if (!row) throw new AppError('link_token_invalid');
    if (row.approved_account_id !== null) throw new AppError('link_token_used');
    if (row.expires_at <= this.clock.now()) throw new AppError('link_token_expired');
    if (row.expected_username !== null) {
      const self = await this.accounts.self(caller.accountId);
      if (self.username !== row.expected_username) throw new AppError('link_account_mismatch');
    }
    const r = await this.db
      .updateTable('link_tokens')
      .set({ approved_account_id: caller.accountId, approved_at: this.clock.now() })
      .where('token_hash', '=', hash)
      .where('approved_account_id', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new AppError('link_token_used');
    this.bus.publish(Topics.link(hash), { approved: true });
    return { deviceName: row.device_name, platform: row.platform };
  }

  /** The new device collects its session; waits up to `waitMs` for approval (long poll). */
  async claim(token: string, claimSecret: string, waitMs: number): Promise<ClaimResult> {
    const hash = hashToken(String(token));
    const deadline = this.clock.now() + Math.max(0, Math.min(waitMs, 25000));
    for (;;) {
      const row = await this.db.selectFrom('link_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      if (!row || !safeEqual(row.claim_hash, hashToken(String(claimSecret)))) throw new AppError('link_token_invalid');
      if (row.claimed_at !== null) throw new AppError('link_token_used');
      const now = this.clock.now();
      // An approved token stays claimable for one more lifetime, then it is dead like any other.
      if (row.approved_account_id !== null) {
        if (now > row.expires_at + this.ttlMs) throw new AppError('link_token_expired');
        return this.finish(hash, row.approved_account_id, row.device_name, row.platform);
      }
      if (row.expires_at <= now) throw new AppError('link_token_expired');
      const remaining = Math.min(deadline, row.expires_at) - now;
      if (remaining <= 0) return { status: 'pending', expiresAt: row.expires_at };
      await this.waitForApproval(hash, remaining);
    }
  }

  private async finish(hash: string, accountId: number, deviceName: string, platform: string): Promise<ClaimResult> {
    const session = await this.db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('link_tokens').set({ claimed_at: this.clock.now() }).where('token_hash', '=', hash).where('claimed_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new AppError('link_token_used');
      const s = await this.sessions.create(tx, accountId, deviceName, platform);
      await tx.updateTable('link_tokens').set({ device_id: s.deviceId }).where('token_hash', '=', hash).execute();
      return s;
    });
    return { status: 'approved', token: session.token, deviceId: session.deviceId, account: await this.accounts.self(accountId) };
  }

  private waitForApproval(hash: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const off = this.bus.subscribe(Topics.link(hash), done);
      function done(): void {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  /** Removes tokens long past use. */
  async prune(): Promise<void> {
    await this.db.deleteFrom('link_tokens').where('expires_at', '<', this.clock.now() - 3600_000).execute();
  }
}
