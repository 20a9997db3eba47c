import type { Db } from '../storage/database.js';
import type { AddressBan, AddressBanReason, AddressBanStore } from '../shield/address-bans.js';

/** Address bans in SQL so they survive restarts (issue 5). */
export class SqlAddressBanStore implements AddressBanStore {
  constructor(private readonly db: Db) {}

  async save(ban: AddressBan): Promise<void> {
    const row = { address: ban.address, reason: ban.reason, banned_at: ban.bannedAt, until_at: ban.until, offences: ban.offences };
    await this.db
      .insertInto('address_bans')
      .values(row)
      .onConflict((oc) => oc.column('address').doUpdateSet({ reason: row.reason, banned_at: row.banned_at, until_at: row.until_at, offences: row.offences }))
      .execute();
  }

  async remove(address: string): Promise<void> {
    await this.db.deleteFrom('address_bans').where('address', '=', address).execute();
  }

  async loadLive(now: number, repeatMemoryMs: number): Promise<AddressBan[]> {
    // Rows past ban + memory are dead: delete them here (retention, docs/retention.md).
    await this.db.deleteFrom('address_bans').where('until_at', '<=', now - repeatMemoryMs).execute();
    const rows = await this.db.selectFrom('address_bans').selectAll().execute();
    return rows.map((r) => ({ address: r.address, reason: r.reason as AddressBanReason, bannedAt: Number(r.banned_at), until: Number(r.until_at), offences: r.offences }));
  }
}
