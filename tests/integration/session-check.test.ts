import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// A revocation made outside this process (the CLI, another node) reaches the database but not
// this node's in-process bus: the periodic session check must still cut live connections off.
for (const backend of BACKENDS) {
  describe(`session check [${backend}]`, () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(backend, { updates: { sessionCheckMs: 200 } }); });
    after(async () => { await t.close(); });

    for (const how of ['account disabled', 'device revoked'] as const) {
      it(`closes a live connection with 4403 when the ${how} behind the bus's back`, async () => {
        const u = await t.user(how === 'account disabled' ? 'outsider_a' : 'outsider_d');
        const closed = new Promise<number | undefined>((resolve) => {
          const s = u.client.connect({ onState: (state, detail) => state === 'closed' && resolve(detail?.code) });
          void s.synced().then(async () => {
            const db = t.server.services.database.db;
            if (how === 'account disabled') await db.updateTable('accounts').set({ disabled: 1 }).where('id', '=', u.session.account.id).execute();
            else await db.updateTable('devices').set({ revoked_at: Date.now() }).where('id', '=', u.session.deviceId).execute();
          });
        });
        assert.equal(await closed, 4403);
      });
    }
  });
}
