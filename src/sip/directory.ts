import './errors.js';
import { randomBytes } from 'node:crypto';
import { AppError } from '../kernel/errors.js';
import { randomToken, hashToken } from '../kernel/ids.js';
import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';
import { isUniqueViolation } from '../storage/database.js';
import { ha1Pair, type DeviceCredential } from './auth/authenticator.js';
import { Prepared } from '../storage/prepared.js';

/** Every authenticated SIP request runs this: built and compiled once (src/storage/prepared.ts). */
const CREDENTIAL = new Prepared((db: Db, p: { authUser: string }) =>
  db
    .selectFrom('sip_devices as d')
    .innerJoin('sip_extensions as e', 'e.extension', 'd.extension')
    .innerJoin('accounts as a', 'a.id', 'e.account_id')
    .select(['d.id', 'd.extension', 'd.auth_user', 'd.ha1_md5', 'd.ha1_sha256'])
    .where('d.auth_user', '=', p.authUser)
    .where('d.removed_at', 'is', null)
    .where('a.disabled', '=', 0),
);

export const VENDORS = ['yealink', 'snom', 'grandstream', 'polycom', 'generic'] as const;
export type Vendor = (typeof VENDORS)[number];

export interface ExtensionView {
  extension: string;
  accountId: number;
  username: string;
  devices: number;
}

export interface SipDeviceView {
  id: number;
  extension: string;
  authUser: string;
  name: string;
  vendor: Vendor;
  provisioned: boolean;
}

/** What a provisioning fetch returns to the phone — the only place the secret ever appears. */
export interface ProvisionedDevice extends SipDeviceView {
  secret: string;
  displayName: string;
}

const SECRET_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * A generated device secret: 26 characters from a 56-symbol alphabet ≈ 151 bits (issue 5: ≥ 128).
 * There is no way to set a secret by hand — not in the CLI, not in the API — so a weak one can't exist.
 */
export function generateSecret(): string {
  const out: string[] = [];
  while (out.length < 26) {
    for (const b of randomBytes(32)) {
      // Rejection sampling: 224 = 4 × 56, so the first 224 byte values map without bias.
      if (b < 224 && out.length < 26) out.push(SECRET_ALPHABET[b % 56]!);
    }
  }
  return out.join('');
}

/** Extensions, SIP devices and their provisioning tokens (SQL, both dialects). */
export class SipDirectory {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly realm: string,
    private readonly provisioningTtlMs: number,
  ) {}

  /** Gives an account an extension (2–15 digits). */
  async addExtension(username: string, extension: string): Promise<ExtensionView> {
    if (!/^[0-9]{2,15}$/.test(extension)) throw new AppError('extension_invalid');
    const account = await this.db.selectFrom('accounts').select(['id', 'username']).where('username', '=', username.toLowerCase()).executeTakeFirst();
    if (!account) throw new AppError('account_not_found');
    try {
      await this.db.insertInto('sip_extensions').values({ extension, account_id: account.id, created_at: this.clock.now() }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('extension_taken');
      throw err;
    }
    return { extension, accountId: account.id, username: account.username, devices: 0 };
  }

  async listExtensions(): Promise<ExtensionView[]> {
    const rows = await this.db
      .selectFrom('sip_extensions as e')
      .innerJoin('accounts as a', 'a.id', 'e.account_id')
      .select(['e.extension', 'e.account_id', 'a.username'])
      .orderBy('e.extension')
      .execute();
    const counts = await this.db.selectFrom('sip_devices').select(['extension', (eb) => eb.fn.countAll<number>().as('n')]).where('removed_at', 'is', null).groupBy('extension').execute();
    const byExt = new Map(counts.map((c) => [c.extension, Number(c.n)]));
    return rows.map((r) => ({ extension: r.extension, accountId: r.account_id, username: r.username, devices: byExt.get(r.extension) ?? 0 }));
  }

  /** Whether an extension exists and its account is enabled (routing only; never answered to strangers). */
  async extensionEnabled(extension: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('sip_extensions as e')
      .innerJoin('accounts as a', 'a.id', 'e.account_id')
      .select('a.disabled')
      .where('e.extension', '=', extension)
      .executeTakeFirst();
    return row !== undefined && !row.disabled;
  }

  /** Creates a device and its one-time provisioning token. */
  async addDevice(extension: string, name: string, vendor: string): Promise<{ device: SipDeviceView; token: string; expiresAt: number }> {
    if (!(VENDORS as readonly string[]).includes(vendor)) throw new AppError('vendor_invalid');
    const ext = await this.db.selectFrom('sip_extensions').select('extension').where('extension', '=', extension).executeTakeFirst();
    if (!ext) throw new AppError('extension_not_found');
    return this.db.transaction().execute(async (tx) => {
      const authUser = `${extension}-${randomToken(4).replace(/[^A-Za-z0-9]/g, '').slice(0, 5).toLowerCase() || 'dev'}`;
      const inserted = await tx
        .insertInto('sip_devices')
        .values({ extension, auth_user: authUser, name: name.slice(0, 64) || 'Phone', vendor, ha1_md5: null, ha1_sha256: null, provisioned_at: null, created_at: this.clock.now(), removed_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { token, expiresAt } = await this.newToken(tx, inserted.id);
      return { device: { id: inserted.id, extension, authUser, name, vendor: vendor as Vendor, provisioned: false }, token, expiresAt };
    });
  }

  async listDevices(extension?: string): Promise<SipDeviceView[]> {
    let q = this.db.selectFrom('sip_devices').selectAll().where('removed_at', 'is', null).orderBy('id');
    if (extension) q = q.where('extension', '=', extension);
    return (await q.execute()).map((r) => ({ id: r.id, extension: r.extension, authUser: r.auth_user, name: r.name, vendor: r.vendor as Vendor, provisioned: r.ha1_md5 !== null }));
  }

  /**
   * Re-provisioning: the current secret stops working at once and a new one-time link is issued;
   * the phone gets its new secret when it fetches the link.
   */
  async rotate(deviceId: number): Promise<{ token: string; expiresAt: number }> {
    return this.db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('sip_devices').set({ ha1_md5: null, ha1_sha256: null }).where('id', '=', deviceId).where('removed_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new AppError('sip_device_not_found');
      await tx.updateTable('sip_provisioning_tokens').set({ used_at: this.clock.now() }).where('device_id', '=', deviceId).where('used_at', 'is', null).execute();
      return this.newToken(tx, deviceId);
    });
  }

  async removeDevice(deviceId: number): Promise<void> {
    const r = await this.db.updateTable('sip_devices').set({ removed_at: this.clock.now(), ha1_md5: null, ha1_sha256: null }).where('id', '=', deviceId).where('removed_at', 'is', null).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new AppError('sip_device_not_found');
  }

  /**
   * Redeems a provisioning token once: generates the device's secret, stores only its HA1 values
   * and returns it for the configuration file. Unknown, used or expired tokens throw.
   */
  async redeem(token: string): Promise<ProvisionedDevice> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 128) throw new AppError('provisioning_token_invalid');
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      const used = await tx
        .updateTable('sip_provisioning_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', hashToken(token))
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('device_id')
        .executeTakeFirst();
      if (!used) throw new AppError('provisioning_token_invalid');
      const row = await tx
        .selectFrom('sip_devices as d')
        .innerJoin('sip_extensions as e', 'e.extension', 'd.extension')
        .innerJoin('accounts as a', 'a.id', 'e.account_id')
        .select(['d.id', 'd.extension', 'd.auth_user', 'd.name', 'd.vendor', 'd.removed_at', 'a.display_name'])
        .where('d.id', '=', used.device_id)
        .executeTakeFirst();
      if (!row || row.removed_at !== null) throw new AppError('provisioning_token_invalid');
      const secret = generateSecret();
      const ha1 = ha1Pair(row.auth_user, this.realm, secret);
      await tx.updateTable('sip_devices').set({ ha1_md5: ha1.MD5, ha1_sha256: ha1['SHA-256'], provisioned_at: now }).where('id', '=', row.id).execute();
      return { id: row.id, extension: row.extension, authUser: row.auth_user, name: row.name, vendor: row.vendor as Vendor, provisioned: true, secret, displayName: row.display_name };
    });
  }

  /** Credential lookup for digest verification (HA1 values only); one precompiled query. */
  async credential(authUser: string): Promise<DeviceCredential | undefined> {
    if (authUser.length > 64) return undefined;
    const row = await CREDENTIAL.first(this.db, { authUser });
    if (!row) return undefined;
    return { deviceId: row.id, extension: row.extension, authUser: row.auth_user, ha1Md5: row.ha1_md5, ha1Sha256: row.ha1_sha256 };
  }

  private async newToken(tx: Db, deviceId: number): Promise<{ token: string; expiresAt: number }> {
    const token = randomToken(32);
    const expiresAt = this.clock.now() + this.provisioningTtlMs;
    await tx.insertInto('sip_provisioning_tokens').values({ token_hash: hashToken(token), device_id: deviceId, expires_at: expiresAt, used_at: null }).execute();
    return { token, expiresAt };
  }
}
