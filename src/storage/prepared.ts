import { CompiledQuery, type Compilable } from 'kysely';
import type { Db } from './database.js';

const PARAM = Symbol('prepared parameter');

type Slot = { readonly param: string } | { readonly value: unknown };

interface Compiled {
  readonly sql: string;
  readonly slots: readonly Slot[];
}

/**
 * A hot query built with Kysely once and re-run with new parameters. Building and compiling a
 * query cost more server CPU than SQLite took to run it (bench/RESULTS.md, delivery profile).
 *
 * `build` receives stand-ins for the parameters; each must be passed to Kysely as a single bound
 * value (no `in` lists, no arrays, not used in JS logic). Compiled once per dialect adapter, so the
 * same instance serves SQLite and PostgreSQL databases (and their transactions) in one process.
 */
export class Prepared<P extends Record<string, unknown>, R> {
  private readonly compiled = new WeakMap<object, Compiled>();

  constructor(private readonly build: (db: Db, p: P) => Compilable<R>) {}

  /** The result rows (for selects and statements with `returning`). */
  async rows(db: Db, params: P): Promise<R[]> {
    const { sql, slots } = this.compile(db);
    const values = slots.map((s) => ('param' in s ? params[s.param] : s.value));
    const result = await db.executeQuery<R>(CompiledQuery.raw(sql, values));
    return result.rows;
  }

  async first(db: Db, params: P): Promise<R | undefined> {
    return (await this.rows(db, params))[0];
  }

  async run(db: Db, params: P): Promise<void> {
    await this.rows(db, params);
  }

  private compile(db: Db): Compiled {
    const adapter = db.getExecutor().adapter;
    const hit = this.compiled.get(adapter);
    if (hit) return hit;
    const standIns = new Proxy({}, { get: (_, name) => ({ [PARAM]: name }) }) as P;
    const query = this.build(db, standIns).compile();
    const slots = query.parameters.map((v): Slot => (isStandIn(v) ? { param: v[PARAM] } : { value: v }));
    const compiled = { sql: query.sql, slots };
    this.compiled.set(adapter, compiled);
    return compiled;
  }
}

function isStandIn(v: unknown): v is { [PARAM]: string } {
  return typeof v === 'object' && v !== null && PARAM in v;
}
