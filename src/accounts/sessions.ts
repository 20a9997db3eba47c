import './errors.js';
import { AppError } from '../kernel/errors.js';
import { randomToken, hashToken } from '../kernel/ids.js';
import type { Clock } from '../kernel/clock.js';
import type { Bus } from '../cluster/bus.js';
import { Topics } from '../cluster/bus.js';
import type { Db } from '../storage/database.js';
import type { DeviceView } from '../protocol/views.js';
import { normaliseDisplayName } from './identity.js';

/** Who is calling: one device of one account. */
export interface Caller {
  accountId: number;
  deviceId: number;
}

export interface NewSession {
  deviceId: number;
  /** Shown to the device once; only its SHA-256 is stored. */
  token: string;
}

/** Per-device sessions: one bearer token per device, revocable on its own. */
export class Sessions {
  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly maxDevices: number,
  ) {}

  /** Creates a device session for `accountId` inside `tx`. */
  async create(tx: Db, accountId: number, name: string, platform: string): Promise<NewSession> {
    const active = await tx
      .selectFrom('devices')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(active.n) >= this.maxDevices) throw new AppError('too_many_devices', { max: this.maxDevices });
    const token = randomToken(32);
    const now = this.clock.now();
    const row = await tx
      .insertInto('devices')
      .values({ account_id: accountId, name: normaliseDisplayName(name, 'Unnamed device'), platform: normaliseDisplayName(platform, 'unknown'), token_hash: hashToken(token), created_at: now, last_seen_at: now, revoked_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { deviceId: row.id, token };
  }

  /** Resolves a bearer token to its caller; refuses revoked devices and disabled accounts. */
  async authenticate(token: string | undefined): Promise<Caller> {
    if (!token || token.length > 512) throw new AppError('unauthorized');
    const row = await this.db
      .selectFrom('devices')
      .innerJoin('accounts', 'accounts.id', 'devices.account_id')
      .select(['devices.id as deviceId', 'devices.account_id as accountId', 'devices.revoked_at as revokedAt', 'accounts.disabled as disabled'])
      .where('devices.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!row) throw new AppError('unauthorized');
    if (row.revokedAt !== null) throw new AppError('device_revoked');
    if (row.disabled) throw new AppError('account_disabled');
    return { accountId: row.accountId, deviceId: row.deviceId };
  }

  async touch(deviceId: number): Promise<void> {
    await this.db.updateTable('devices').set({ last_seen_at: this.clock.now() }).where('id', '=', deviceId).execute();
  }

  async list(caller: Caller): Promise<DeviceView[]> {
    const rows = await this.db
      .selectFrom('devices')
      .select(['id', 'name', 'platform', 'created_at', 'last_seen_at'])
      .where('account_id', '=', caller.accountId)
      .where('revoked_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, platform: r.platform, createdAt: r.created_at, lastSeenAt: r.last_seen_at, current: r.id === caller.deviceId }));
  }

  /** Revokes one of the caller's devices: its token stops working and its connection closes now. */
  async revoke(caller: Caller, deviceId: number): Promise<void> {
    const result = await this.db
      .updateTable('devices')
      .set({ revoked_at: this.clock.now() })
      .where('id', '=', deviceId)
      .where('account_id', '=', caller.accountId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new AppError('device_not_found');
    this.bus.publish(Topics.device(deviceId), { type: 'revoked' });
  }

  /**
   * Which of `deviceIds` may no longer be connected (revoked, or account disabled). The update
   * channel asks periodically, so a revocation made by another process (the CLI, another node)
   * also closes live connections.
   */
  async cutOff(deviceIds: number[]): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < deviceIds.length; i += 1000) {
      const rows = await this.db
        .selectFrom('devices')
        .innerJoin('accounts', 'accounts.id', 'devices.account_id')
        .select('devices.id')
        .where('devices.id', 'in', deviceIds.slice(i, i + 1000))
        .where((eb) => eb.or([eb('devices.revoked_at', 'is not', null), eb('accounts.disabled', '=', 1)]))
        .execute();
      for (const r of rows) out.push(r.id);
    }
    return out;
  }

  /**
   * Revokes every device of the caller's account except the calling one, inside `tx` (password
   * change). Returns their ids: pass them to `announceRevoked` once `tx` has committed.
   */
  async revokeOthers(tx: Db, caller: Caller): Promise<number[]> {
    const devices = await tx.selectFrom('devices').select('id').where('account_id', '=', caller.accountId).where('id', '!=', caller.deviceId).where('revoked_at', 'is', null).execute();
    if (!devices.length) return [];
    await tx.updateTable('devices').set({ revoked_at: this.clock.now() }).where('account_id', '=', caller.accountId).where('id', '!=', caller.deviceId).where('revoked_at', 'is', null).execute();
    return devices.map((d) => d.id);
  }

  /** Closes the live connections of devices revoked in a committed transaction. */
  announceRevoked(deviceIds: number[]): void {
    for (const id of deviceIds) this.bus.publish(Topics.device(id), { type: 'revoked' });
  }

  /** Revokes every device of an account (account disabled by an operator). */
  async revokeAll(accountId: number): Promise<void> {
    const devices = await this.db.selectFrom('devices').select('id').where('account_id', '=', accountId).where('revoked_at', 'is', null).execute();
    await this.db.updateTable('devices').set({ revoked_at: this.clock.now() }).where('account_id', '=', accountId).where('revoked_at', 'is', null).execute();
    for (const d of devices) this.bus.publish(Topics.device(d.id), { type: 'revoked' });
  }
}
