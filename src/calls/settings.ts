import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';
import { DEFAULT_CALL_SETTINGS, type Audience, type CallSettingsView } from '../protocol/calls.js';
import type { CallFacts } from './policy.js';
import { Outbox, type UpdateLog } from '../updates/update-log.js';

export type CallSettingsPatch = Partial<CallSettingsView>;

/** Per-account call privacy settings (table `call_settings`; no row means DEFAULT_CALL_SETTINGS). */
export class CallSettings {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly updates: UpdateLog,
  ) {}

  async get(accountId: number, db: Db = this.db): Promise<CallSettingsView> {
    const r = await db.selectFrom('call_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
    if (!r) return { ...DEFAULT_CALL_SETTINGS };
    return { protectIp: r.protect_ip === 1, p2pWith: r.p2p_with, whoCanCall: r.who_can_call, silenceUnknown: r.silence_unknown === 1 };
  }

  /**
   * Applies the given fields over the current settings (one upsert) and returns the result; the
   * account's other devices learn it from a `call.settings` update written in the same transaction.
   */
  async update(accountId: number, patch: CallSettingsPatch): Promise<CallSettingsView> {
    const outbox = new Outbox();
    const next = await this.db.transaction().execute(async (tx) => {
      const next: CallSettingsView = { ...(await this.get(accountId, tx)), ...definedOnly(patch) };
      const row = {
        protect_ip: next.protectIp ? 1 : 0,
        p2p_with: next.p2pWith,
        who_can_call: next.whoCanCall,
        silence_unknown: next.silenceUnknown ? 1 : 0,
        updated_at: this.clock.now(),
      };
      await tx
        .insertInto('call_settings')
        .values({ account_id: accountId, ...row })
        .onConflict((oc) => oc.column('account_id').doUpdateSet(row))
        .execute();
      await this.updates.append(tx, outbox, accountId, { type: 'call.settings', data: { settings: next } });
      return next;
    });
    this.updates.publish(outbox);
    return next;
  }

  /** Everything the policy needs about a (caller, callee) pair, in four reads. */
  async facts(callerId: number, calleeId: number): Promise<CallFacts> {
    const [caller, callee, contacts, blocks] = await Promise.all([
      this.get(callerId),
      this.get(calleeId),
      this.db
        .selectFrom('contacts')
        .select(['owner_id', 'contact_id'])
        .where((eb) => eb.or([
          eb.and([eb('owner_id', '=', calleeId), eb('contact_id', '=', callerId)]),
          eb.and([eb('owner_id', '=', callerId), eb('contact_id', '=', calleeId)]),
        ]))
        .execute(),
      this.db
        .selectFrom('blocks')
        .select(['owner_id', 'blocked_id'])
        .where((eb) => eb.or([
          eb.and([eb('owner_id', '=', calleeId), eb('blocked_id', '=', callerId)]),
          eb.and([eb('owner_id', '=', callerId), eb('blocked_id', '=', calleeId)]),
        ]))
        .execute(),
    ]);
    return {
      callerId,
      calleeId,
      caller,
      callee,
      calleeHasCaller: contacts.some((r) => r.owner_id === calleeId && r.contact_id === callerId),
      callerHasCallee: contacts.some((r) => r.owner_id === callerId && r.contact_id === calleeId),
      calleeBlockedCaller: blocks.some((r) => r.owner_id === calleeId && r.blocked_id === callerId),
      callerBlockedCallee: blocks.some((r) => r.owner_id === callerId && r.blocked_id === calleeId),
    };
  }
}

function definedOnly(patch: CallSettingsPatch): CallSettingsPatch {
  const out: CallSettingsPatch = {};
  if (patch.protectIp !== undefined) out.protectIp = patch.protectIp;
  if (patch.p2pWith !== undefined) out.p2pWith = patch.p2pWith as Audience;
  if (patch.whoCanCall !== undefined) out.whoCanCall = patch.whoCanCall as Audience;
  if (patch.silenceUnknown !== undefined) out.silenceUnknown = patch.silenceUnknown;
  return out;
}
