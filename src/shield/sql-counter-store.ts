import { sql } from 'kysely';
import type { Db } from '../storage/database.js';
import type { CounterStore } from './types.js';

/**
 * CounterStore on the server's database (SQLite or PostgreSQL), so counters survive a restart and
 * several nodes share them. A counter is a fixed window: the first increment after expiry starts a
 * new one that ends ttlMs later. A set is a fixed window too: every member carries the end of the
 * window the set's first member opened (the semantics of MemoryCounterStore). Rows past their expiry are ignored by reads and
 * removed by `sweep` (the server runs it periodically).
 */
export class SqlCounterStore implements CounterStore {
  constructor(private readonly db: Db) {}

  /** Adds `by` within the live window (or opens a new one); one statement, atomic on both dialects. */
  async increment(key: string, by: number, ttlMs: number, now: number): Promise<number> {
    const expires = now + ttlMs;
    const row = await this.db
      .insertInto('shield_counters')
      .values({ key, count: by, expires_at: expires })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          // Expired windows restart from `by`; live ones keep their end.
          count: sql<number>`case when shield_counters.expires_at <= ${now} then ${by} else shield_counters.count + ${by} end`,
          expires_at: sql<number>`case when shield_counters.expires_at <= ${now} then ${expires} else shield_counters.expires_at end`,
        }),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** The live count of key, 0 when absent or expired. */
  async get(key: string, now: number): Promise<number> {
    const row = await this.db.selectFrom('shield_counters').select('count').where('key', '=', key).where('expires_at', '>', now).executeTakeFirst();
    return row ? Number(row.count) : 0;
  }

  /** Adds member to the set's live window (or opens a new one); returns the number of live members. */
  async addToSet(key: string, member: string, ttlMs: number, now: number): Promise<number> {
    const live = await this.db
      .selectFrom('shield_set_members')
      .select((eb) => eb.fn.max('expires_at').as('end'))
      .where('key', '=', key)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    // Every member of a window carries the window's end, as MemoryCounterStore keeps one end per set.
    const end = live?.end != null ? Number(live.end) : now + ttlMs;
    await this.db
      .insertInto('shield_set_members')
      .values({ key, member, expires_at: end })
      .onConflict((oc) => oc.columns(['key', 'member']).doUpdateSet({ expires_at: end }))
      .execute();
    return this.setSize(key, now);
  }

  /** Number of live members of key. */
  async setSize(key: string, now: number): Promise<number> {
    const row = await this.db
      .selectFrom('shield_set_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('key', '=', key)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Deletes expired counters and set members; returns how many rows went. */
  async sweep(now: number): Promise<number> {
    const a = await this.db.deleteFrom('shield_counters').where('expires_at', '<=', now).executeTakeFirst();
    const b = await this.db.deleteFrom('shield_set_members').where('expires_at', '<=', now).executeTakeFirst();
    return Number(a.numDeletedRows) + Number(b.numDeletedRows);
  }
}
