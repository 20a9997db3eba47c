import { Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Schema } from './schema.js';
import { openSqlite } from './sqlite/open.js';
import { openPostgres } from './postgres/open.js';
import * as m001 from './migrations/001_initial.js';
import * as m002shield from './migrations/002_shield.js';
import * as m003 from './migrations/003_media.js';
import * as m004 from './migrations/004_sip.js';
import * as m005 from './migrations/005_calls.js';
import type { Dialect } from './dialect.js';

export type { Dialect } from './dialect.js';
export type Db = Kysely<Schema>;

export interface Database {
  readonly db: Db;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Empty or `sqlite:<path>`: SQLite; `postgres://…`: PostgreSQL. */
  url: string;
  /** SQLite file used when `url` is empty. */
  sqlitePath: string;
  /** PostgreSQL schema (created when missing). */
  schema: string;
  poolSize: number;
}

/** Numbered, append-only migrations (ARCHITECTURE.md convention 7). */
const MIGRATIONS: Record<string, { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> }> = {
  '001_initial': m001,
  '002_shield': m002shield,
  '003_media': m003,
  '004_sip': m004,
  '005_calls': m005,
};

/** Opens the configured database and applies pending migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const isPg = /^postgres(ql)?:\/\//.test(options.url);
  const opened = isPg
    ? await openPostgres(options.url, options.schema, options.poolSize)
    : openSqlite(options.url.replace(/^sqlite:/, '') || options.sqlitePath);
  const dialect: Dialect = isPg ? 'postgres' : 'sqlite';
  const db = opened as Db;
  await migrate(db, dialect, isPg ? options.schema : undefined);
  return { db, dialect, close: () => db.destroy() };
}

async function migrate(db: Db, dialect: Dialect, schema: string | undefined): Promise<void> {
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(
        Object.entries(MIGRATIONS).map(([name, mod]): [string, Migration] => [name, { up: (k) => mod.up(k, dialect) }]),
      ),
  };
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  // Kysely takes no lock on SQLite, so two processes opening a new database at once (the server and
  // an admin command) can both try to migrate; the loser's transaction rolls back whole. Retrying
  // then finds the winner's migrations applied and has nothing left to do.
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (!error && !failed) return;
    if (dialect !== 'sqlite' || attempt >= 5) {
      throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}`, { cause: error });
    }
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}

/** True when `err` is a unique/primary-key violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
