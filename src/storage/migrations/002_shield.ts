import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * 002: the anti-abuse shield (issue 6). Counters and sets with expiry instead of logs (swept by a
 * job), and account bans with their appeal. No addresses, no message content (docs/retention.md).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = sql.raw(dialect === 'sqlite' ? 'integer' : 'bigint');

  await sql`create table shield_counters (
    key text primary key,
    count integer not null,
    expires_at ${big} not null
  )`.execute(db);
  await sql`create index shield_counters_expiry on shield_counters(expires_at)`.execute(db);

  await sql`create table shield_set_members (
    key text not null,
    member text not null,
    expires_at ${big} not null,
    primary key (key, member)
  )`.execute(db);
  await sql`create index shield_set_members_expiry on shield_set_members(expires_at)`.execute(db);

  // One row per account: a new ban replaces a lifted one (history lives in the metrics).
  await sql`create table shield_bans (
    account_id integer primary key references accounts(id),
    reason text not null,
    top text not null,
    banned_at ${big} not null,
    expires_at ${big},
    lifted_at ${big},
    appeal_state text,
    appeal_note text,
    appeal_submitted_at ${big},
    appeal_decided_at ${big}
  )`.execute(db);
  await sql`create index shield_bans_appeal on shield_bans(appeal_state, appeal_submitted_at)`.execute(db);
}
