import { readFileSync, existsSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';

/**
 * The one configuration schema (ARCHITECTURE.md convention 6). Read from defaults, then a JSON
 * file, then PARLEY_* environment variables; validated once; unknown keys rejected; frozen.
 * Nothing else in the code reads process.env.
 */
const Strict = { additionalProperties: false } as const;

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './data', minLength: 1 }),
    http: Type.Object(
      {
        // Loopback by default: put a TLS-terminating proxy in front before exposing it.
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
        publicUrl: Type.String({ default: '' }),
        bodyLimitBytes: Type.Integer({ default: 65536, minimum: 1024 }),
        trustProxy: Type.Boolean({ default: false }),
      },
      { ...Strict, default: {} },
    ),
    database: Type.Object(
      {
        /** Empty: SQLite at `<dataDir>/parley.db`. `postgres://…` switches to PostgreSQL. */
        url: Type.String({ default: '' }),
        /** PostgreSQL schema to use (tests give each run its own). */
        schema: Type.String({ default: 'public', pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
        poolSize: Type.Integer({ default: 10, minimum: 1, maximum: 200 }),
      },
      { ...Strict, default: {} },
    ),
    accounts: Type.Object(
      {
        registration: Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('closed')], {
          default: 'invite',
        }),
        minPasswordScore: Type.Integer({ default: 3, minimum: 0, maximum: 4 }),
        /** argon2id cost (RFC 9106 §4, OWASP: m=19 MiB, t=2, p=1 as the floor). */
        argon2MemoryKiB: Type.Integer({ default: 19456, minimum: 8192 }),
        argon2Iterations: Type.Integer({ default: 2, minimum: 1 }),
        maxDevices: Type.Integer({ default: 20, minimum: 1 }),
        linkTokenTtlMs: Type.Integer({ default: 60000, minimum: 5000, maximum: 60000 }),
      },
      { ...Strict, default: {} },
    ),
    updates: Type.Object(
      {
        /** Keep-alive timeout T announced to clients on connect. */
        keepAliveMs: Type.Integer({ default: 30000, minimum: 1000 }),
        /** Extra time past T before a silent connection is closed. */
        graceMs: Type.Integer({ default: 10000, minimum: 0 }),
        /** Past this many missed updates a device is told to resync instead of replaying. */
        maxDifference: Type.Integer({ default: 100000, minimum: 1 }),
        /** Updates older than this are pruned; a device further behind must resync. */
        retentionDays: Type.Integer({ default: 30, minimum: 1 }),
        frameLimitBytes: Type.Integer({ default: 65536, minimum: 1024 }),
        /** How often open connections are checked against revoked devices and disabled accounts. */
        sessionCheckMs: Type.Integer({ default: 5000, minimum: 100 }),
        /** How long a new connection may take to authenticate. */
        helloTimeoutMs: Type.Integer({ default: 10000, minimum: 100 }),
      },
      { ...Strict, default: {} },
    ),
    chats: Type.Object(
      {
        maxMessageChars: Type.Integer({ default: 4096, minimum: 1 }),
        maxGroupMembers: Type.Integer({ default: 1000, minimum: 2 }),
        historyPageMax: Type.Integer({ default: 100, minimum: 1 }),
      },
      { ...Strict, default: {} },
    ),
    log: Type.Object(
      { level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }) },
      { ...Strict, default: {} },
    ),
  },
  Strict,
);

export type Config = Static<typeof ConfigSchema>;

/** Environment variables we understand, each to one config path. */
const ENV_MAP: Record<string, string> = {
  PARLEY_DATA_DIR: 'dataDir',
  PARLEY_HTTP_HOST: 'http.host',
  PARLEY_HTTP_PORT: 'http.port',
  PARLEY_PUBLIC_URL: 'http.publicUrl',
  PARLEY_TRUST_PROXY: 'http.trustProxy',
  PARLEY_DATABASE_URL: 'database.url',
  PARLEY_DATABASE_SCHEMA: 'database.schema',
  PARLEY_DATABASE_POOL_SIZE: 'database.poolSize',
  PARLEY_REGISTRATION: 'accounts.registration',
  PARLEY_ARGON2_MEMORY_KIB: 'accounts.argon2MemoryKiB',
  PARLEY_KEEPALIVE_MS: 'updates.keepAliveMs',
  PARLEY_KEEPALIVE_GRACE_MS: 'updates.graceMs',
  PARLEY_MAX_DIFFERENCE: 'updates.maxDifference',
  PARLEY_LOG_LEVEL: 'log.level',
};
/** Variables read by the loader itself rather than mapped to a key. */
const ENV_META = new Set(['PARLEY_CONFIG']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  env?: Record<string, string | undefined>;
  /** Path of a JSON file; defaults to $PARLEY_CONFIG, else ./parley.config.json when present; null: none. */
  file?: string | null;
  /** Values that win over everything (tests, CLI flags). */
  overrides?: Record<string, unknown>;
}

/** Builds, validates and deep-freezes the configuration. Throws ConfigError listing every problem. */
export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const env = sources.env ?? {};
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};

  const file = sources.file === null ? undefined : (sources.file ?? env.PARLEY_CONFIG ?? (existsSync('parley.config.json') ? 'parley.config.json' : undefined));
  if (file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (!isPlainObject(parsed)) problems.push(`${file}: must hold a JSON object`);
      else raw = parsed;
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
    }
  }

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('PARLEY_') || value === undefined || ENV_META.has(name)) continue;
    const path = ENV_MAP[name];
    if (!path) {
      problems.push(`${name}: unknown environment variable (known: ${Object.keys(ENV_MAP).join(', ')})`);
      continue;
    }
    // Kept as text here; converted by the schema below, so PARLEY_DATA_DIR=2024 stays a string.
    setPath(raw, path, value);
  }
  if (sources.overrides) deepMerge(raw, sources.overrides);
  if (problems.length) throw new ConfigError(problems);

  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, Value.Clone(raw))) as unknown;
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length) {
    throw new ConfigError(
      errors.map((e) => {
        const where = e.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
        return e.type === ValueErrorType.ObjectAdditionalProperties
          ? `${where}: unknown key`
          : `${where}: ${e.message}`;
      }),
    );
  }
  return deepFreeze(withDefaults as Config);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    if (isPlainObject(v) && isPlainObject(target[k])) deepMerge(target[k] as Record<string, unknown>, v);
    else target[k] = isPlainObject(v) ? structuredClone(v) : v;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object') {
    for (const v of Object.values(obj)) deepFreeze(v);
    Object.freeze(obj);
  }
  return obj;
}
