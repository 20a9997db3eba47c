import { Type } from '@sinclair/typebox';

const Strict = { additionalProperties: false } as const;

/** The `calls` section (issue 4, docs/calls.md): signaling timers and limits. */
export const CallsConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** A call nobody answers within this time ends as missed. */
    ringTimeoutMs: Type.Integer({ default: 45000, minimum: 1000, maximum: 300000 }),
    /** A party whose update channel closed and did not come back within this time ends the call (connection_lost). */
    disconnectGraceMs: Type.Integer({ default: 15000, minimum: 0, maximum: 120000 }),
    /** Call-log rows older than this are deleted (docs/retention.md). */
    logRetentionDays: Type.Integer({ default: 90, minimum: 1 }),
    /** Per side and call: more candidates are refused (a flood would only cost memory). */
    maxCandidates: Type.Integer({ default: 100, minimum: 4, maximum: 1000 }),
    maxSdpBytes: Type.Integer({ default: 16384, minimum: 1024, maximum: 60000 }),
    /** Call attempts one account may start per minute (ring bombing; src/calls/start-limit.ts). */
    maxStartsPerMinute: Type.Integer({ default: 10, minimum: 1, maximum: 1000 }),
  },
  { ...Strict, default: {} },
);

const RelayEntry = Type.Object(
  {
    /** Stable id shown in the quality panel and in `parley doctor`. */
    id: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$' }),
    region: Type.String({ default: '', maxLength: 32 }),
    /** `turn:host:port?transport=udp` URLs given to clients (and used by the health check). */
    urls: Type.Array(Type.String({ pattern: '^turns?:' }), { minItems: 1, maxItems: 4 }),
    /** coturn's `static-auth-secret` (TURN REST credentials). */
    secret: Type.String({ minLength: 16 }),
  },
  Strict,
);

/**
 * The `relays` section: TURN relays for calls. The embedded default runs one coturn managed by
 * Parley (`managed`); scale-out lists external coturn services in `external` (with managed off).
 */
export const RelaysConfigSchema = Type.Object(
  {
    /** Lifetime of the TURN REST credentials handed to clients (≤ 1 h); clients refresh before expiry. */
    credentialTtlSec: Type.Integer({ default: 3600, minimum: 10, maximum: 3600 }),
    /** How often every relay is checked with a real allocation; failing relays are not offered. */
    healthCheckMs: Type.Integer({ default: 30000, minimum: 1000 }),
    managed: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** coturn binary (Debian's `coturn` package). */
        binary: Type.String({ default: 'turnserver' }),
        region: Type.String({ default: 'local' }),
        /** Address coturn listens on for clients; empty: all interfaces. */
        listenIp: Type.String({ default: '' }),
        port: Type.Integer({ default: 3478, minimum: 0, maximum: 65535 }),
        /** Address allocations are made on; empty: the first non-loopback IPv4 address of this machine. */
        relayIp: Type.String({ default: '' }),
        /** Public address when coturn is behind 1:1 NAT (coturn's external-ip). */
        externalIp: Type.String({ default: '' }),
        /** Host name or address put into the turn: URL for clients; empty: relayIp/externalIp. */
        publicHost: Type.String({ default: '' }),
        minPort: Type.Integer({ default: 49152, minimum: 1024, maximum: 65535 }),
        maxPort: Type.Integer({ default: 65535, minimum: 1024, maximum: 65535 }),
        /** Concurrent allocations per credential username and in total (coturn user-quota / total-quota). */
        userQuota: Type.Integer({ default: 12, minimum: 1 }),
        totalQuota: Type.Integer({ default: 2000, minimum: 1 }),
        /** Bandwidth per allocation in bytes/s (coturn max-bps); 0: unlimited. */
        maxBps: Type.Integer({ default: 0, minimum: 0 }),
        /**
         * DEVELOPMENT/TEST ONLY: let coturn relay to loopback peers (both ends on one machine's
         * 127.0.0.1). Off in every real deployment: it would let a client reach local services.
         */
        allowLoopbackPeers: Type.Boolean({ default: false }),
        /** DEVELOPMENT/TEST ONLY: ranges (`a.b.c.d-e.f.g.h`) allowed as peers despite the private-range deny list. */
        allowedPeerRanges: Type.Array(Type.String({ pattern: '^[0-9a-fA-F.:]+(-[0-9a-fA-F.:]+)?$' }), { default: [] }),
      },
      { ...Strict, default: {} },
    ),
    external: Type.Array(RelayEntry, { default: [] }),
  },
  { ...Strict, default: {} },
);
