import './errors.js';
import { AppError } from '../kernel/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';
import { isUniqueViolation } from '../storage/database.js';
import type { AccountView, SelfView } from '../protocol/views.js';
import { assertStrongPassword, hashPassword, verifyPassword, dummyPasswordHash, type PasswordPolicy } from './passwords.js';
import { normaliseUsername, normalisePhone, normaliseDisplayName } from './identity.js';
import type { Invites } from './invites.js';
import type { Sessions, Caller, NewSession } from './sessions.js';

export type RegistrationMode = 'open' | 'invite' | 'closed';

export interface RegisterInput {
  username: string;
  password: string;
  displayName?: string;
  phone?: string;
  inviteCode?: string;
  deviceName?: string;
  platform?: string;
}

export interface LoginInput {
  username: string;
  password: string;
  deviceName?: string;
  platform?: string;
}

export interface SessionResult extends NewSession {
  account: SelfView;
}

/** Accounts: registration, login, profile, operator actions. */
export class Accounts {
  constructor(
    private readonly db: Db,
    private readonly sessions: Sessions,
    private readonly invites: Invites,
    private readonly clock: Clock,
    private readonly policy: PasswordPolicy,
    private readonly mode: RegistrationMode,
  ) {}

  /** Registers an account and logs in its first device. */
  async register(input: RegisterInput): Promise<SessionResult> {
    if (this.mode === 'closed') throw new AppError('registration_closed');
    if (this.mode === 'invite' && !input.inviteCode) throw new AppError('invite_required');
    const username = normaliseUsername(input.username);
    assertStrongPassword(input.password, username, this.policy);
    const phone = input.phone ? normalisePhone(input.phone) : null;
    const passwordHash = await hashPassword(input.password, this.policy);
    return this.createAccount({ username, passwordHash, phone, displayName: normaliseDisplayName(input.displayName, username), isAdmin: false }, input, this.mode === 'invite' ? input.inviteCode : undefined);
  }

  /** Operator path (CLI): no invite, no device session. */
  async createByOperator(input: { username: string; password: string; displayName?: string; isAdmin?: boolean }): Promise<SelfView> {
    const username = normaliseUsername(input.username);
    assertStrongPassword(input.password, username, this.policy);
    const passwordHash = await hashPassword(input.password, this.policy);
    const id = await this.insertAccount(this.db, { username, passwordHash, phone: null, displayName: normaliseDisplayName(input.displayName, username), isAdmin: input.isAdmin ?? false })
      .catch((err: unknown) => this.explainUniqueViolation(err, username));
    return this.self(id);
  }

  private async createAccount(
    fields: { username: string; passwordHash: string; phone: string | null; displayName: string; isAdmin: boolean },
    device: { deviceName?: string; platform?: string },
    inviteCode: string | undefined,
  ): Promise<SessionResult> {
    const result = await this.db.transaction().execute(async (tx) => {
      if (inviteCode !== undefined) await this.invites.consume(tx, inviteCode);
      const id = await this.insertAccount(tx, fields);
      const session = await this.sessions.create(tx, id, device.deviceName ?? 'First device', device.platform ?? 'unknown');
      return { id, session };
    }).catch((err: unknown) => this.explainUniqueViolation(err, fields.username));
    return { ...result.session, account: await this.self(result.id) };
  }

  private async insertAccount(tx: Db, f: { username: string; passwordHash: string; phone: string | null; displayName: string; isAdmin: boolean }): Promise<number> {
    const row = await tx
      .insertInto('accounts')
      .values({ username: f.username, display_name: f.displayName, password_hash: f.passwordHash, phone: f.phone, pts: 0, is_admin: f.isAdmin ? 1 : 0, disabled: 0, created_at: this.clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * Maps a unique violation on insert to username_taken / phone_taken. Runs after the failed
   * transaction has ended: PostgreSQL refuses further statements inside an aborted transaction.
   */
  private async explainUniqueViolation(err: unknown, username: string): Promise<never> {
    if (!isUniqueViolation(err)) throw err;
    const byName = await this.db.selectFrom('accounts').select('id').where('username', '=', username).executeTakeFirst();
    throw new AppError(byName ? 'username_taken' : 'phone_taken');
  }

  /** Logs a new device in with username and password. Unknown users cost the same time as wrong passwords. */
  async login(input: LoginInput): Promise<SessionResult> {
    let username: string;
    try {
      username = normaliseUsername(input.username);
    } catch {
      username = '';
    }
    const row = username
      ? await this.db.selectFrom('accounts').select(['id', 'password_hash', 'disabled']).where('username', '=', username).executeTakeFirst()
      : undefined;
    const ok = await verifyPassword(row?.password_hash ?? (await dummyPasswordHash(this.policy)), String(input.password ?? ''));
    if (!row || !ok) throw new AppError('invalid_credentials');
    if (row.disabled) throw new AppError('account_disabled');
    const session = await this.db.transaction().execute((tx) => this.sessions.create(tx, row.id, input.deviceName ?? 'Device', input.platform ?? 'unknown'));
    return { ...session, account: await this.self(row.id) };
  }

  /**
   * Changes the caller's password: the current one must verify (invalid_credentials otherwise,
   * after the same argon2 work as a login), the new one passes the registration rules. Every
   * other device is logged out and approved-but-unclaimed link tokens die, so whoever knew the
   * old password keeps nothing; the calling device stays in.
   */
  async changePassword(caller: Caller, currentPassword: string, newPassword: string): Promise<{ ok: true; revokedDevices: number }> {
    const row = await this.db.selectFrom('accounts').select(['username', 'password_hash']).where('id', '=', caller.accountId).executeTakeFirst();
    if (!row) throw new AppError('account_not_found');
    if (!(await verifyPassword(row.password_hash, String(currentPassword ?? '')))) throw new AppError('invalid_credentials');
    assertStrongPassword(newPassword, row.username, this.policy);
    const passwordHash = await hashPassword(newPassword, this.policy);
    const revoked = await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('accounts').set({ password_hash: passwordHash }).where('id', '=', caller.accountId).execute();
      await tx.deleteFrom('link_tokens').where('approved_account_id', '=', caller.accountId).where('claimed_at', 'is', null).execute();
      return this.sessions.revokeOthers(tx, caller);
    });
    this.sessions.announceRevoked(revoked);
    return { ok: true, revokedDevices: revoked.length };
  }

  async self(accountId: number): Promise<SelfView> {
    const r = await this.db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
    if (!r) throw new AppError('account_not_found');
    return { id: r.id, username: r.username, displayName: r.display_name, phone: r.phone, isAdmin: r.is_admin === 1, pts: r.pts };
  }

  async updateProfile(caller: Caller, input: { displayName?: string; phone?: string | null }): Promise<SelfView> {
    const patch: { display_name?: string; phone?: string | null } = {};
    if (input.displayName !== undefined) patch.display_name = normaliseDisplayName(input.displayName, (await this.self(caller.accountId)).username);
    if (input.phone !== undefined) patch.phone = input.phone === null || input.phone === '' ? null : normalisePhone(input.phone);
    if (Object.keys(patch).length) {
      try {
        await this.db.updateTable('accounts').set(patch).where('id', '=', caller.accountId).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('phone_taken');
        throw err;
      }
    }
    return this.self(caller.accountId);
  }

  /** Public view of an account by username (usernames are public, like Telegram's). */
  async findByUsername(username: string): Promise<AccountView> {
    let name: string;
    try {
      name = normaliseUsername(username);
    } catch {
      throw new AppError('account_not_found');
    }
    const r = await this.db.selectFrom('accounts').select(['id', 'username', 'display_name']).where('username', '=', name).where('disabled', '=', 0).executeTakeFirst();
    if (!r) throw new AppError('account_not_found');
    return { id: r.id, username: r.username, displayName: r.display_name };
  }

  async list(): Promise<Array<SelfView & { disabled: boolean; createdAt: number }>> {
    const rows = await this.db.selectFrom('accounts').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, phone: r.phone, isAdmin: r.is_admin === 1, pts: r.pts, disabled: r.disabled === 1, createdAt: r.created_at }));
  }

  /** Operator: disable an account and cut off all its devices. */
  async setDisabled(username: string, disabled: boolean): Promise<void> {
    const name = normaliseUsername(username);
    const r = await this.db.updateTable('accounts').set({ disabled: disabled ? 1 : 0 }).where('username', '=', name).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new AppError('account_not_found');
    if (disabled) {
      const acc = await this.db.selectFrom('accounts').select('id').where('username', '=', name).executeTakeFirstOrThrow();
      await this.sessions.revokeAll(acc.id);
    }
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
