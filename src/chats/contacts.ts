import './errors.js';
import { AppError } from '../kernel/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';
import type { AccountView, ContactView } from '../protocol/views.js';
import type { Caller } from '../accounts/sessions.js';
import { Outbox, type UpdateLog } from '../updates/update-log.js';

/** Contacts and blocks; both are private to the account and synced to its devices. */
export class Contacts {
  constructor(
    private readonly db: Db,
    private readonly log: UpdateLog,
    private readonly clock: Clock,
  ) {}

  async add(caller: Caller, accountId: number, name: unknown): Promise<ContactView> {
    const account = await this.account(accountId);
    if (accountId === caller.accountId) throw new AppError('cannot_target_self');
    const label = typeof name === 'string' && name.trim() ? name.trim().slice(0, 64) : account.displayName;
    await this.write(caller.accountId, async (tx, outbox) => {
      await tx.insertInto('contacts').values({ owner_id: caller.accountId, contact_id: accountId, name: label, created_at: this.clock.now() }).onConflict((oc) => oc.columns(['owner_id', 'contact_id']).doUpdateSet({ name: label })).execute();
      await this.log.append(tx, outbox, caller.accountId, { type: 'contact', data: { accountId, name: label } });
    });
    return { account, name: label };
  }

  async remove(caller: Caller, accountId: number): Promise<void> {
    await this.write(caller.accountId, async (tx, outbox) => {
      const r = await tx.deleteFrom('contacts').where('owner_id', '=', caller.accountId).where('contact_id', '=', accountId).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw new AppError('account_not_found');
      await this.log.append(tx, outbox, caller.accountId, { type: 'contact', data: { accountId, name: null } });
    });
  }

  async list(caller: Caller): Promise<ContactView[]> {
    const rows = await this.db
      .selectFrom('contacts')
      .innerJoin('accounts', 'accounts.id', 'contacts.contact_id')
      .select(['accounts.id', 'accounts.username', 'accounts.display_name', 'contacts.name'])
      .where('contacts.owner_id', '=', caller.accountId)
      .orderBy('contacts.name')
      .execute();
    return rows.map((r) => ({ account: { id: r.id, username: r.username, displayName: r.display_name }, name: r.name }));
  }

  /** A blocked account can no longer message the blocker in their direct chat. */
  async block(caller: Caller, accountId: number): Promise<void> {
    await this.account(accountId);
    if (accountId === caller.accountId) throw new AppError('cannot_target_self');
    await this.write(caller.accountId, async (tx, outbox) => {
      await tx.insertInto('blocks').values({ owner_id: caller.accountId, blocked_id: accountId, created_at: this.clock.now() }).onConflict((oc) => oc.doNothing()).execute();
      await this.log.append(tx, outbox, caller.accountId, { type: 'block', data: { accountId, blocked: true } });
    });
  }

  async unblock(caller: Caller, accountId: number): Promise<void> {
    await this.write(caller.accountId, async (tx, outbox) => {
      await tx.deleteFrom('blocks').where('owner_id', '=', caller.accountId).where('blocked_id', '=', accountId).execute();
      await this.log.append(tx, outbox, caller.accountId, { type: 'block', data: { accountId, blocked: false } });
    });
  }

  async blocked(caller: Caller): Promise<AccountView[]> {
    const rows = await this.db
      .selectFrom('blocks')
      .innerJoin('accounts', 'accounts.id', 'blocks.blocked_id')
      .select(['accounts.id', 'accounts.username', 'accounts.display_name'])
      .where('blocks.owner_id', '=', caller.accountId)
      .execute();
    return rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name }));
  }

  private async write(_accountId: number, work: (tx: Db, outbox: Outbox) => Promise<void>): Promise<void> {
    const outbox = new Outbox();
    await this.db.transaction().execute((tx) => work(tx, outbox));
    this.log.publish(outbox);
  }

  private async account(id: number): Promise<AccountView> {
    if (!Number.isInteger(id) || id <= 0) throw new AppError('account_not_found');
    const r = await this.db.selectFrom('accounts').select(['id', 'username', 'display_name']).where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('account_not_found');
    return { id: r.id, username: r.username, displayName: r.display_name };
  }
}
