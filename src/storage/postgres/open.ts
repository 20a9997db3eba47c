import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';

// int8 and numeric counts come back as strings by default; our values fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

/** Scale-out storage: a pool bound to one schema (created when missing). */
export async function openPostgres(url: string, schema: string, poolSize: number): Promise<Kysely<unknown>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error('invalid schema name');
  const bootstrap = new pg.Client({ connectionString: url });
  await bootstrap.connect();
  try {
    await bootstrap.query(`create schema if not exists "${schema}"`);
  } finally {
    await bootstrap.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options: `-c search_path=${schema}` });
  return new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
}
