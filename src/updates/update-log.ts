import type { Bus } from '../cluster/bus.js';
import { Topics } from '../cluster/bus.js';
import type { Clock } from '../kernel/clock.js';
import type { Db, Dialect } from '../storage/database.js';
import { Prepared } from '../storage/prepared.js';
import type { AnyUpdate, Update, ChannelUpdate } from '../protocol/updates.js';

/** Updates written inside a transaction, published only after it commits (persist before push). */
export class Outbox {
  readonly account: Array<{ accountId: number; update: Update }> = [];
  readonly channel: ChannelUpdate[] = [];
}

export interface Difference {
  updates: Update[];
  /** The account's current pts when the difference was read. */
  pts: number;
  /** True when the device is too far behind to replay: it must resync. */
  tooLong: boolean;
}

/**
 * The per-account update log: every change an account can see gets the account's next pts,
 * is written in the same transaction as the change, and is pushed through the Bus after commit.
 */
export class UpdateLog {
  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly maxDifference: number,
    private readonly dialect: Dialect,
  ) {}

  /** Appends `update` to the account's log inside `tx`; the row lock on the account serialises pts. */
  async append(tx: Db, outbox: Outbox, accountId: number, update: AnyUpdate): Promise<Update> {
    const row = await tx
      .updateTable('accounts')
      .set((eb) => ({ pts: eb('pts', '+', 1) }))
      .where('id', '=', accountId)
      .returning('pts')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('updates')
      .values({ account_id: accountId, pts: row.pts, type: update.type, payload: JSON.stringify(update.data), created_at: this.clock.now() })
      .execute();
    const stored = { ...update, pts: row.pts } as Update;
    outbox.account.push({ accountId, update: stored });
    return stored;
  }

  /**
   * Appends `update` to the log of every member of the chat in 2 statements (3 on PostgreSQL),
   * whatever the member count; append() per member took two each. The caller must hold the
   * chat row lock, so membership cannot change under us.
   */
  async appendToMembers(tx: Db, outbox: Outbox, chatId: number, update: AnyUpdate): Promise<void> {
    // A multi-row UPDATE locks rows in scan order; lock in ascending id order first (no deadlocks).
    if (this.dialect === 'postgres') await lockMembers.run(tx, { chatId });
    const rows = await bumpMembers.rows(tx, { chatId });
    await logMembers.run(tx, { chatId, type: update.type, payload: JSON.stringify(update.data), createdAt: this.clock.now() });
    rows.sort((a, b) => a.id - b.id);
    for (const r of rows) outbox.account.push({ accountId: r.id, update: { ...update, pts: r.pts } as Update });
  }

  /** Appends to a channel's own log (fan-out on read: one row per post, not per subscriber). */
  async appendChannel(tx: Db, outbox: Outbox, update: Omit<ChannelUpdate, 'pts'>): Promise<ChannelUpdate> {
    const row = await tx
      .updateTable('chats')
      .set((eb) => ({ pts: eb('pts', '+', 1) }))
      .where('id', '=', update.chatId)
      .returning('pts')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('channel_updates')
      .values({ chat_id: update.chatId, pts: row.pts, type: update.type, payload: JSON.stringify(update.data), created_at: this.clock.now() })
      .execute();
    const stored = { ...update, pts: row.pts } as ChannelUpdate;
    outbox.channel.push(stored);
    return stored;
  }

  /** Pushes what a committed transaction wrote. */
  publish(outbox: Outbox): void {
    for (const { accountId, update } of outbox.account) this.bus.publish(Topics.account(accountId), update);
    for (const update of outbox.channel) this.bus.publish(Topics.channel(update.chatId), update);
  }

  /** The account's current pts. */
  async currentPts(db: Db, accountId: number): Promise<number> {
    const row = await db.selectFrom('accounts').select('pts').where('id', '=', accountId).executeTakeFirst();
    return row?.pts ?? 0;
  }

  /** Updates after `fromPts`, at most `limit`; `tooLong` past the retention or difference limit. */
  async difference(db: Db, accountId: number, fromPts: number, limit: number): Promise<Difference> {
    const account = await db.selectFrom('accounts').select('pts').where('id', '=', accountId).executeTakeFirst();
    const pts = account?.pts ?? 0;
    if (fromPts > pts) return { updates: [], pts, tooLong: true };
    if (fromPts === pts) return { updates: [], pts, tooLong: false };
    if (pts - fromPts > this.maxDifference) return { updates: [], pts, tooLong: true };
    const rows = await db
      .selectFrom('updates')
      .select(['pts', 'type', 'payload'])
      .where('account_id', '=', accountId)
      .where('pts', '>', fromPts)
      .orderBy('pts')
      .limit(limit)
      .execute();
    // A pruned log no longer holds fromPts+1: replaying would skip updates.
    if (rows.length === 0 || rows[0]!.pts !== fromPts + 1) return { updates: [], pts, tooLong: true };
    return { updates: rows.map(toUpdate), pts, tooLong: false };
  }

  /** Channel updates after `fromPts` (a subscriber catching up on one channel). */
  async channelDifference(db: Db, chatId: number, fromPts: number, limit: number): Promise<{ updates: ChannelUpdate[]; pts: number; tooLong: boolean }> {
    const chat = await db.selectFrom('chats').select('pts').where('id', '=', chatId).executeTakeFirst();
    const pts = chat?.pts ?? 0;
    if (fromPts >= pts) return { updates: [], pts, tooLong: fromPts > pts };
    if (pts - fromPts > this.maxDifference) return { updates: [], pts, tooLong: true };
    const rows = await db
      .selectFrom('channel_updates')
      .select(['pts', 'type', 'payload'])
      .where('chat_id', '=', chatId)
      .where('pts', '>', fromPts)
      .orderBy('pts')
      .limit(limit)
      .execute();
    if (rows.length === 0 || rows[0]!.pts !== fromPts + 1) return { updates: [], pts, tooLong: true };
    return {
      updates: rows.map((r) => ({ chatId, pts: r.pts, type: r.type as ChannelUpdate['type'], data: JSON.parse(r.payload) as ChannelUpdate['data'] })),
      pts,
      tooLong: false,
    };
  }

  /** Deletes updates older than `before` (epoch ms); returns how many went. */
  async prune(db: Db, before: number): Promise<number> {
    const a = await db.deleteFrom('updates').where('created_at', '<', before).executeTakeFirst();
    const c = await db.deleteFrom('channel_updates').where('created_at', '<', before).executeTakeFirst();
    return Number(a.numDeletedRows) + Number(c.numDeletedRows);
  }
}

// The send path's statements, compiled once (see Prepared).
/**
 * `for no key update` is the lock the UPDATE takes anyway; `for update` would also conflict with the
 * key-share lock a message insert's foreign key holds on its sender: two sends of one sender in two
 * chats then deadlocked.
 */
const lockMembers = new Prepared((db, p: { chatId: number }) =>
  db.selectFrom('accounts').select('id').where('id', 'in', (eb) => eb.selectFrom('chat_members').select('account_id').where('chat_id', '=', p.chatId)).orderBy('id').forNoKeyUpdate(),
);

const bumpMembers = new Prepared((db, p: { chatId: number }) =>
  db
    .updateTable('accounts')
    .set((eb) => ({ pts: eb('pts', '+', 1) }))
    .where('id', 'in', (eb) => eb.selectFrom('chat_members').select('account_id').where('chat_id', '=', p.chatId))
    .returning(['id', 'pts']),
);

/** One log row per member at the pts bumpMembers just gave it (the rows are ours until commit). */
const logMembers = new Prepared((db, p: { chatId: number; type: string; payload: string; createdAt: number }) =>
  db
    .insertInto('updates')
    .columns(['account_id', 'pts', 'type', 'payload', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('accounts')
        .select((e) => ['id', 'pts', e.val(p.type).as('type'), e.val(p.payload).as('payload'), e.val(p.createdAt).as('created_at')])
        .where('id', 'in', eb.selectFrom('chat_members').select('account_id').where('chat_id', '=', p.chatId)),
    ),
);

function toUpdate(row: { pts: number; type: string; payload: string }): Update {
  return { pts: row.pts, type: row.type, data: JSON.parse(row.payload) } as Update;
}
