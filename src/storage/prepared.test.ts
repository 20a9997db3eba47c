import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from './database.js';
import { Prepared } from './prepared.js';

describe('Prepared', () => {
  let dir: string;
  let database: Database;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-prepared-'));
    database = await openDatabase({ url: '', sqlitePath: join(dir, 'p.db'), schema: 'public', poolSize: 1 });
    const row = { display_name: 'x', password_hash: 'h', phone: null, pts: 0, is_admin: 0, disabled: 0, created_at: 1 };
    await database.db.insertInto('accounts').values([{ ...row, username: 'ann' }, { ...row, username: 'bob' }]).execute();
  });
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds new values to the parameters and keeps the constants the query was built with', async () => {
    const bump = new Prepared((db, p: { name: string }) =>
      db.updateTable('accounts').set((eb) => ({ pts: eb('pts', '+', 5) })).where('username', '=', p.name).returning(['username', 'pts']),
    );
    assert.deepEqual(await bump.rows(database.db, { name: 'ann' }), [{ username: 'ann', pts: 5 }]);
    assert.deepEqual(await bump.rows(database.db, { name: 'bob' }), [{ username: 'bob', pts: 5 }]);
    assert.deepEqual(await bump.first(database.db, { name: 'ann' }), { username: 'ann', pts: 10 });
    assert.equal(await bump.first(database.db, { name: 'nobody' }), undefined);
  });

  it('runs inside a transaction, which sees its own writes and rolls them back', async () => {
    const pts = new Prepared((db, p: { name: string }) => db.selectFrom('accounts').select('pts').where('username', '=', p.name));
    const set = new Prepared((db, p: { name: string; pts: number }) => db.updateTable('accounts').set({ pts: p.pts }).where('username', '=', p.name));
    const before = (await pts.first(database.db, { name: 'bob' }))!.pts;
    await assert.rejects(
      database.db.transaction().execute(async (tx) => {
        await set.run(tx, { name: 'bob', pts: 99 });
        assert.equal((await pts.first(tx, { name: 'bob' }))!.pts, 99);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await pts.first(database.db, { name: 'bob' }))!.pts, before);
  });
});
