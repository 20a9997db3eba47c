import { join } from 'node:path';
import type { Config } from '../kernel/config.js';
import { openDatabase, type Db } from '../storage/database.js';

/** One line to stdout (command output; errors go through main's handler). */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The value after `--name`, if given. */
export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Opens the configured database (migrating it) for the duration of `work`. */
export async function withDb<T>(config: Readonly<Config>, work: (db: Db) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: config.database.url, sqlitePath: join(config.dataDir, 'parley.db'), schema: config.database.schema, poolSize: 2 });
  try {
    return await work(database.db);
  } finally {
    await database.close();
  }
}
