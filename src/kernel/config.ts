import { readFileSync, existsSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { SipConfigSchema } from './config-sip.js';
import { CallsConfigSchema, RelaysConfigSchema } from './config-calls.js';

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
    shield: Type.Object(
      {
        /** Off: no scoring and no bans (rate limits still apply). */
        enabled: Type.Boolean({ default: true }),
        /** Score at or above which an account is banned (docs/shield.md explains the scale). */
        threshold: Type.Number({ default: 100, minimum: 1 }),
        /** Instance secret for block and report hashes; empty: the server makes one and keeps it in dataDir. */
        secret: Type.String({ default: '' }),
        /** Ban reasons that run unenforced (shadow mode): only counted. '*' shadows every rule. */
        shadow: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
        /** Per-signal weights overriding the defaults in src/shield/weights.ts (points per unit of the signal). */
        weights: Type.Record(Type.String(), Type.Number(), { default: {} }),
        /** How long a spam report can be matched to its delivered message. */
        reportTtlDays: Type.Integer({ default: 30, minimum: 1 }),
        /** A lifted or expired ban (and its appeal) is deleted this long after it ended (docs/retention.md). */
        banHistoryDays: Type.Integer({ default: 90, minimum: 1 }),
        /** Hosting/VPN lists (x4bnet format: one CIDR or AS number a line); empty: no lists. */
        listsDir: Type.String({ default: '' }),
        limits: Type.Object(
          {
            messagesPerSecond: Type.Integer({ default: 5, minimum: 1 }),
            messagesPerMinute: Type.Integer({ default: 60, minimum: 1 }),
            registrationsPerBlockHour: Type.Integer({ default: 10, minimum: 1 }),
            loginsPerAccountHour: Type.Integer({ default: 30, minimum: 1 }),
            loginsPerBlockHour: Type.Integer({ default: 120, minimum: 1 }),
          },
          { ...Strict, default: {} },
        ),
      },
      { ...Strict, default: {} },
    ),
    media: Type.Object(
      {
        /** Content store folder; empty: `<dataDir>/media`. */
        dir: Type.String({ default: '' }),
        /** Largest single upload (2 GiB). */
        maxBytes: Type.Integer({ default: 2147483648, minimum: 1 }),
        /** Bytes one account may keep stored plus pending in uploads. */
        quotaBytes: Type.Integer({ default: 21474836480, minimum: 1 }),
        /** Upload part size announced to clients; every part but the last is exactly this long. */
        partSize: Type.Integer({ default: 8388608, minimum: 1024, maximum: 67108864 }),
        /** An unfinished upload (and its temporary bytes) is dropped after this long. */
        uploadTtlMs: Type.Integer({ default: 86400000, minimum: 60000 }),
        /** Uploaded media never attached to a message is collected after this long. */
        orphanTtlMs: Type.Integer({ default: 86400000, minimum: 60000 }),
        /** Life of a dedup proof-of-possession nonce. */
        proofTtlMs: Type.Integer({ default: 300000, minimum: 1000 }),
        /** Life of a signed download URL. */
        urlTtlMs: Type.Integer({ default: 3600000, minimum: 10000 }),
        /** Decompression-bomb guard: images with more pixels are refused (sharp limitInputPixels). */
        maxImagePixels: Type.Integer({ default: 50000000, minimum: 1 }),
        thumbSize: Type.Integer({ default: 320, minimum: 16, maximum: 2048 }),
        /** Longest side of a photo sent "compressed". */
        compressMaxSide: Type.Integer({ default: 2048, minimum: 64, maximum: 16384 }),
        /** HMAC key for download URLs; empty: a random key kept in `<dir>/url-signing.key`. Set it when several nodes serve media. */
        signingKey: Type.String({ default: '' }),
        /** How often stale uploads and unreferenced blobs are collected. */
        gcIntervalMs: Type.Integer({ default: 900000, minimum: 1000 }),
      },
      { ...Strict, default: {} },
    ),
    sip: SipConfigSchema,
    calls: CallsConfigSchema,
    relays: RelaysConfigSchema,
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
  PARLEY_SIP_ENABLED: 'sip.enabled',
  PARLEY_SIP_REALM: 'sip.realm',
  PARLEY_SIP_HOST: 'sip.host',
  PARLEY_SIP_PUBLIC_HOST: 'sip.publicHost',
  PARLEY_SIP_TLS_PORT: 'sip.tlsPort',
  PARLEY_SIP_UDP_PORT: 'sip.udpPort',
  PARLEY_SIP_TCP_PORT: 'sip.tcpPort',
  PARLEY_SIP_PROVISIONING_PORT: 'sip.provisioningPort',
  PARLEY_MEDIA_DIR: 'media.dir',
  PARLEY_MEDIA_MAX_BYTES: 'media.maxBytes',
  PARLEY_MEDIA_QUOTA_BYTES: 'media.quotaBytes',
  PARLEY_MEDIA_SIGNING_KEY: 'media.signingKey',
  PARLEY_CALLS_ENABLED: 'calls.enabled',
  PARLEY_RELAY_MANAGED: 'relays.managed.enabled',
  PARLEY_RELAY_PORT: 'relays.managed.port',
  PARLEY_RELAY_IP: 'relays.managed.relayIp',
  PARLEY_RELAY_PUBLIC_HOST: 'relays.managed.publicHost',
  PARLEY_SHIELD_ENABLED: 'shield.enabled',
  PARLEY_SHIELD_THRESHOLD: 'shield.threshold',
  PARLEY_SHIELD_SECRET: 'shield.secret',
  PARLEY_SHIELD_LISTS_DIR: 'shield.listsDir',
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
