import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';
import { Outbox, type UpdateLog } from '../updates/update-log.js';
import type { CallLogEntry, CallOutcome, CallPeerView } from '../protocol/calls.js';

/** One party's row of an ended call, before it is stored. */
export interface CallLogRow {
  accountId: number;
  peer: CallPeerView;
  direction: 'outgoing' | 'incoming';
  outcome: CallOutcome;
  silenced: boolean;
}

/** What both rows of one call share. */
export interface EndedCall {
  callId: string;
  video: boolean;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
}

/**
 * The call log (table `call_log`): who, when, how long, how it ended — never an address or a device.
 * Each row is appended together with a `call.log` update in the same transaction, so every device of
 * the account sees it (a missed call shows everywhere) and a crash cannot keep one without the other.
 */
export class CallLog {
  constructor(
    private readonly db: Db,
    private readonly updates: UpdateLog,
    private readonly clock: Clock,
  ) {}

  /** Writes the rows of both parties; accounts in ascending id order, like every multi-account write (docs/architecture.md). */
  async write(call: EndedCall, rows: CallLogRow[]): Promise<CallLogEntry[]> {
    const outbox = new Outbox();
    const ordered = [...rows].sort((a, b) => a.accountId - b.accountId);
    const durationMs = call.answeredAt === null ? null : Math.max(0, call.endedAt - call.answeredAt);
    const entries = await this.db.transaction().execute(async (tx) => {
      const out: CallLogEntry[] = [];
      for (const r of ordered) {
        const inserted = await tx
          .insertInto('call_log')
          .values({
            account_id: r.accountId, call_id: call.callId, peer_id: r.peer.accountId, direction: r.direction, video: call.video ? 1 : 0,
            outcome: r.outcome, silenced: r.silenced ? 1 : 0, started_at: call.startedAt, answered_at: call.answeredAt,
            ended_at: call.endedAt, duration_ms: durationMs,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const entry: CallLogEntry = {
          id: inserted.id, callId: call.callId, peer: r.peer, direction: r.direction, video: call.video, outcome: r.outcome,
          silenced: r.silenced, startedAt: call.startedAt, answeredAt: call.answeredAt, endedAt: call.endedAt, durationMs,
        };
        await this.updates.append(tx, outbox, r.accountId, { type: 'call.log', data: { entry } });
        out.push(entry);
      }
      return out;
    });
    this.updates.publish(outbox);
    return entries;
  }

  /** An account's rows, newest first, before `beforeId` when given. */
  async list(accountId: number, opts: { beforeId?: number; limit: number }): Promise<CallLogEntry[]> {
    let q = this.db
      .selectFrom('call_log')
      .innerJoin('accounts', 'accounts.id', 'call_log.peer_id')
      .select([
        'call_log.id', 'call_log.call_id', 'call_log.peer_id', 'call_log.direction', 'call_log.video', 'call_log.outcome', 'call_log.silenced',
        'call_log.started_at', 'call_log.answered_at', 'call_log.ended_at', 'call_log.duration_ms', 'accounts.username', 'accounts.display_name',
      ])
      .where('call_log.account_id', '=', accountId);
    if (opts.beforeId !== undefined) q = q.where('call_log.id', '<', opts.beforeId);
    const rows = await q.orderBy('call_log.id', 'desc').limit(opts.limit).execute();
    return rows.map((r) => ({
      id: r.id,
      callId: r.call_id,
      peer: { accountId: r.peer_id, username: r.username, displayName: r.display_name },
      direction: r.direction,
      video: r.video === 1,
      outcome: r.outcome,
      silenced: r.silenced === 1,
      startedAt: Number(r.started_at),
      answeredAt: r.answered_at === null ? null : Number(r.answered_at),
      endedAt: Number(r.ended_at),
      durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    }));
  }

  /** Deletes rows of calls that ended more than `retentionDays` ago; returns how many. */
  async sweep(retentionDays: number): Promise<number> {
    const before = this.clock.now() - retentionDays * 86_400_000;
    const r = await this.db.deleteFrom('call_log').where('ended_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
