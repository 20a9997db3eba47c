import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/kernel/config.js';

export type Backend = 'sqlite' | 'postgres';

/** Storage back ends the shared suites run on (ARCHITECTURE.md convention 8). */
export const BACKENDS: Backend[] = (process.env.BACKENDS ?? 'sqlite,postgres').split(',').map((b) => b.trim()).filter(Boolean) as Backend[];

export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  /** Config overrides that point Parley at this store. */
  overrides: Record<string, unknown>;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty store: a temporary SQLite folder or a PostgreSQL schema of its own. */
export function freshStore(backend: Backend): TestStore {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  if (backend === 'sqlite') {
    return { overrides: { dataDir }, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    overrides: { dataDir, database: { url: PG_URL, schema, poolSize: 8 } },
    dataDir,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Test configuration: ephemeral port, cheap argon2, silent logs, open registration. */
export function testConfig(store: TestStore, overrides: Record<string, unknown> = {}): Readonly<Config> {
  const base = {
    ...store.overrides,
    http: { host: '127.0.0.1', port: 0 },
    accounts: { registration: 'open', argon2MemoryKiB: 8192, argon2Iterations: 1 },
    log: { level: 'silent' },
    // SIP has its own suites (tests/integration/sip*.test.ts, tests/interop/); others run without its listeners.
    sip: { enabled: false, host: '127.0.0.1', tlsPort: 0, provisioningPort: 0 },
    // Call suites start their own coturn (tests/calls/); others run without a relay process.
    relays: { managed: { enabled: false } },
    // Suites dial many calls between the same two users in seconds; calls-limits.test.ts tests the limit.
    calls: { maxStartsPerMinute: 1000 },
    // Test users look like bulk spammers (new, fast, messaging strangers): suites about other things
    // run without scoring and with generous hard limits; tests/integration/shield*.test.ts turn them on.
    shield: { enabled: false, limits: { messagesPerSecond: 1_000_000, messagesPerMinute: 1_000_000, loginsPerAccountHour: 1_000_000 } },
  };
  return loadConfig({ env: {}, file: null, overrides: merge(base, overrides) });
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' ? merge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
