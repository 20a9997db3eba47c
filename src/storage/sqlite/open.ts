import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

/**
 * The embedded default. WAL lets readers run beside the writer; synchronous=NORMAL keeps every
 * committed transaction across a process crash (kill -9), losing at most the last ones on power loss
 * (https://www.sqlite.org/wal.html#performance_considerations).
 */
export function openSqlite(path: string): Kysely<unknown> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
}
