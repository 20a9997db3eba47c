import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import type { Caller } from '../../src/accounts/sessions.js';

/**
 * Sends, read marks and retries racing in one direct chat and one group, straight on the
 * services (no HTTP in between, so the transactions really overlap on PostgreSQL's pool).
 * Guards the lock order (chat row, member row, accounts by ascending id): before it was fixed,
 * a send and a read mark of the same account deadlocked now and then (PostgreSQL 40P01).
 */
for (const backend of BACKENDS) {
  describe(`send concurrency [${backend}]`, () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(backend); });
    after(async () => { await t.close(); });

    it('no errors, contiguous pts per account, one message per random id', async () => {
      const s = t.server.services;
      const reg = async (username: string): Promise<Caller> => {
        const r = await s.accounts.register({ username, password: PASSWORD });
        return { accountId: r.account.id, deviceId: r.deviceId } as Caller;
      };
      const [a, b, c] = [await reg('conc_a'), await reg('conc_b'), await reg('conc_c')];
      const direct = await s.chats.openDirect(a, b.accountId);
      const group = await s.chats.createGroup(a, 'race', [b.accountId, c.accountId]);
      const N = 120;
      const errors: unknown[] = [];
      const loop = (op: (i: number) => Promise<unknown>) => (async () => {
        for (let i = 0; i < N; i++) await op(i).catch((e: unknown) => errors.push(e));
      })();
      await Promise.all([
        loop((i) => s.messages.send(a, direct.id, { randomId: `a${i}`, text: 'x' })),
        loop((i) => s.messages.send(b, direct.id, { randomId: `b${i}`, text: 'x' })),
        loop(() => s.messages.markRead(a, direct.id, Number.MAX_SAFE_INTEGER)),
        loop(() => s.messages.markRead(b, direct.id, Number.MAX_SAFE_INTEGER)),
        loop((i) => s.messages.send(a, group.id, { randomId: `g${i}`, text: 'x' })),
        loop((i) => s.messages.send(c, group.id, { randomId: `c${i}`, text: 'x' })),
        loop(() => s.messages.markRead(c, group.id, Number.MAX_SAFE_INTEGER)),
        // Retries of the same random ids, racing each other and the first sends.
        loop((i) => s.messages.send(a, direct.id, { randomId: `r${i % 20}`, text: 'x' })),
        loop((i) => s.messages.send(a, direct.id, { randomId: `r${(i + 7) % 20}`, text: 'x' })),
      ]);
      assert.deepEqual(errors, []);

      const db = s.database.db;
      for (const acc of [a, b, c]) {
        const rows = await db.selectFrom('updates').select('pts').where('account_id', '=', acc.accountId).orderBy('pts').execute();
        const pts = await s.updates.currentPts(db, acc.accountId);
        assert.equal(rows.length, pts, `account ${acc.accountId}: one log row per pts`);
        assert.ok(rows.every((r, i) => r.pts === i + 1), `account ${acc.accountId}: pts 1..${pts} without gaps`);
      }
      const retried = await db.selectFrom('messages').select('random_id').where('sender_id', '=', a.accountId).where('random_id', 'like', 'r%').execute();
      assert.equal(retried.length, 20);
      const ids = (await db.selectFrom('messages').select('id').where('chat_id', '=', direct.id).orderBy('id').execute()).map((r) => r.id);
      assert.equal(ids.length, 2 * N + 20);
      assert.ok(ids.every((id, i) => id === i + 1), 'message ids 1..n without gaps');
    });
  });
}
