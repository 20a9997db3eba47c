import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BACKENDS, freshStore, type TestStore } from '../helpers/backends.js';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { rejectsWith } from '../helpers/auth.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { SqlCounterStore } from '../../src/shield/sql-counter-store.js';
import { SqlBanStore } from '../../src/shield/sql-ban-store.js';
import { ManualClock } from '../../src/kernel/clock.js';
import type { BanView } from '../../src/protocol/views.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs the compiled CLI against the test server's store, configured by environment as an operator would. */
function parley(store: TestStore, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARLEY_')) env[k] = v;
  env.PARLEY_DATA_DIR = store.dataDir;
  env.PARLEY_LOG_LEVEL = 'warn';
  const db = store.overrides.database as { url: string; schema: string } | undefined;
  if (db) Object.assign(env, { PARLEY_DATABASE_URL: db.url, PARLEY_DATABASE_SCHEMA: db.schema });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'admin', ...args], { cwd: store.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function openStore(store: TestStore): Promise<Database> {
  const db = store.overrides.database as { url: string; schema: string } | undefined;
  return openDatabase({ url: db?.url ?? '', sqlitePath: join(store.dataDir, 'parley.db'), schema: db?.schema ?? 'public', poolSize: 2 });
}

for (const backend of BACKENDS) {
  describe(`shield SQL stores (${backend})`, () => {
    let store: TestStore;
    let database: Database;
    before(async () => {
      store = freshStore(backend);
      database = await openStore(store);
    });
    after(async () => {
      await database.close();
      await store.drop();
    });

    it('counters and sets count within their window and expire with the (injected) clock; sweep removes them', async () => {
      const c = new SqlCounterStore(database.db);
      const t0 = 1_000_000;
      assert.equal(await c.increment('msgs:1', 1, 30_000, t0), 1);
      assert.equal(await c.increment('msgs:1', 2, 30_000, t0 + 10_000), 3);
      assert.equal(await c.get('msgs:1', t0 + 29_999), 3);
      assert.equal(await c.get('msgs:1', t0 + 30_000), 0, 'expired at the end of its window');
      assert.equal(await c.increment('msgs:1', 1, 30_000, t0 + 30_000), 1, 'a new window starts from zero');

      assert.equal(await c.addToSet('rcpt:1', 'a', 60_000, t0), 1);
      assert.equal(await c.addToSet('rcpt:1', 'b', 60_000, t0 + 1000), 2);
      assert.equal(await c.addToSet('rcpt:1', 'a', 60_000, t0 + 2000), 2, 'a member counts once');
      assert.equal(await c.setSize('rcpt:1', t0 + 59_999), 2);
      assert.equal(await c.setSize('rcpt:1', t0 + 60_000), 0, 'the whole set ends with the window its first member opened');
      assert.equal(await c.addToSet('rcpt:1', 'c', 60_000, t0 + 60_000), 1);

      assert.equal(await c.sweep(t0 + 61_000), 3, 'the counter (second window ended) and members a and b');
      assert.equal(await c.sweep(t0 + 200_000), 1, 'member c');
      assert.equal(await c.get('msgs:1', t0 + 200_000), 0);
    });

    it('bans: active until lifted or expired; the cache follows lifts made here', async () => {
      const clock = new ManualClock(5_000_000);
      const bans = new SqlBanStore(database.db, clock);
      const id = Number((await database.db.insertInto('accounts').values({ username: 'zed', display_name: 'zed', password_hash: 'x', phone: null, pts: 0, is_admin: 0, disabled: 0, created_at: clock.now() }).returning('id').executeTakeFirstOrThrow()).id);
      await bans.ban({ accountId: id, reason: 'registration_wave', top: [{ signal: 'block_registrations', value: 12, points: 60 }], bannedAt: clock.now(), expiresAt: clock.now() + 1000 });
      assert.deepEqual((await bans.cached(id))?.top, [{ signal: 'block_registrations', value: 12, points: 60 }]);
      clock.advance(1000);
      assert.equal(await bans.cached(id), null, 'expired by the injected clock');
      await bans.ban({ accountId: id, reason: 'bulk_messaging', top: [], bannedAt: clock.now(), expiresAt: null });
      assert.equal((await bans.get(id))?.reason, 'bulk_messaging');
      await bans.lift(id, clock.now());
      assert.equal(await bans.cached(id), null);
      assert.equal((await bans.latest(id))?.active, false);
      assert.equal(await bans.sweep(clock.now() + 1), 1);
    });
  });

  describe(`shield rate limits and CLI (${backend})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(backend, {
        http: { trustProxy: true },
        shield: { enabled: true, limits: { messagesPerSecond: 1000, messagesPerMinute: 3, registrationsPerBlockHour: 2 } },
      });
    });
    after(async () => t.close());

    it('over a hard limit: 429 rate_limited with data.retryAfterMs and a Retry-After header', async () => {
      const a = await t.user('alice');
      const b = await t.user('bob');
      const chat = await a.client.openDirect(b.session.account.id);
      for (let i = 0; i < 3; i++) await a.client.send(chat.id, `m${i}`);
      const res = await fetch(`${t.url}/api/v1/chats/${chat.id}/messages`, {
        method: 'POST', headers: { authorization: `Bearer ${a.session.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ randomId: 'over', text: 'one too many' }),
      });
      assert.equal(res.status, 429);
      const body = (await res.json()) as { error: { code: string; data: { retryAfterMs: number; limit: string } } };
      assert.equal(body.error.code, 'rate_limited');
      assert.equal(body.error.data.limit, 'message_minute');
      assert.ok(body.error.data.retryAfterMs > 0 && body.error.data.retryAfterMs <= 60_000);
      assert.equal(res.headers.get('retry-after'), String(Math.ceil(body.error.data.retryAfterMs / 1000)));
      assert.equal((await b.client.history(chat.id)).length, 3, 'the refused message was not stored');
      assert.match(await (await fetch(`${t.url}/metrics`)).text(), /parley_shield_rate_limited_total\{kind="message_minute"\} 1/);
    });

    it('registrations per address block: the third from one /24 is refused, another block is not', async () => {
      const register = (name: string, ip: string) => fetch(`${t.url}/api/v1/accounts`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ username: name, password: PASSWORD }),
      });
      assert.equal((await register('wave1', '203.0.113.7')).status, 201);
      assert.equal((await register('wave2', '203.0.113.200')).status, 201);
      const third = await register('wave3', '203.0.113.9');
      assert.equal(third.status, 429);
      assert.ok(Number(third.headers.get('retry-after')) > 0);
      assert.equal((await register('other1', '198.51.100.4')).status, 201);
    });

    it('CLI: appeals list, accept lifts the ban; bans list shows it', async () => {
      const carol = await t.user('carol');
      const id = carol.session.account.id;
      const { shield, clock } = t.server.services;
      await shield.bans.ban({ accountId: id, reason: 'mass_reported', top: [{ signal: 'reports', value: 9, points: 90 }], bannedAt: clock.now(), expiresAt: null });
      await rejectsWith(carol.client.chats(), 'account_banned', 403);
      await carol.client.call('shield.appeal', { note: 'those were my own groups' });

      const list = await parley(t.store, ['appeals', 'list']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, new RegExp(`${id}\\s+carol\\s+mass_reported`));
      assert.match(list.stdout, /those were my own groups/);
      assert.match((await parley(t.store, ['bans', 'list'])).stdout, /carol\s+mass_reported .* active {2}appeal pending/);
      const accept = await parley(t.store, ['appeals', 'accept', String(id)]);
      assert.equal(accept.code, 0, accept.stderr);
      assert.match(accept.stdout, /accepted/);
      assert.equal((await parley(t.store, ['appeals', 'accept', 'carol'])).code, 1, 'nothing pending any more');
      assert.match((await parley(t.store, ['appeals', 'list'])).stdout, /no pending appeals/);
      assert.equal((await parley(t.store, ['appeals', 'frobnicate'])).code, 2);

      // The status read is fresh; the per-operation guard may answer from its one-second cache.
      assert.equal((await carol.client.call<BanView>('shield.status')).banned, false);
      t.server.services.shield.bans.invalidate(id);
      assert.equal((await carol.client.chats()).length, 0);
    });
  });
}
