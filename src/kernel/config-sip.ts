import { Type } from '@sinclair/typebox';

const Strict = { additionalProperties: false } as const;

/** The `sip` section of the configuration (issue 5, docs/sip.md); part of ConfigSchema. */
export const SipConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** Digest realm and the domain in provisioned configs; empty: the host name phones use. */
    realm: Type.String({ default: 'parley' }),
    /** Address phones connect to, written into provisioning files; empty: the listening address. */
    publicHost: Type.String({ default: '' }),
    host: Type.String({ default: '0.0.0.0' }),
    /** SIP over TLS (RFC 3261 §26.2, sips:): always on; 5061 by default. */
    tlsPort: Type.Integer({ default: 5061, minimum: 0, maximum: 65535 }),
    /** PEM files; empty: a self-signed pair generated on first start under <dataDir>/sip-tls. */
    certFile: Type.String({ default: '' }),
    keyFile: Type.String({ default: '' }),
    /** Clear-text transports are off unless the operator turns them on (SDES keys never travel on them). */
    udpPort: Type.Integer({ default: -1, minimum: -1, maximum: 65535 }),
    tcpPort: Type.Integer({ default: -1, minimum: -1, maximum: 65535 }),
    nonceTtlMs: Type.Integer({ default: 300000, minimum: 10000 }),
    /**
     * Digest algorithms offered, in order of preference (RFC 8760 §2.4: SHA-256 first). Old phones
     * and tools that read only the first challenge (Debian's sipp, SIPVicious) need MD5 first.
     */
    digestAlgorithms: Type.Array(Type.Union([Type.Literal('SHA-256'), Type.Literal('MD5')]), { default: ['SHA-256', 'MD5'], minItems: 1, maxItems: 2, uniqueItems: true }),
    minExpires: Type.Integer({ default: 60, minimum: 1 }),
    maxExpires: Type.Integer({ default: 3600, minimum: 60 }),
    provisioningTtlMs: Type.Integer({ default: 86400000, minimum: 60000 }),
    /** HTTPS listener for phone auto-provisioning (same certificate as SIP over TLS); -1: off. */
    provisioningPort: Type.Integer({ default: 8443, minimum: -1, maximum: 65535 }),
    bans: Type.Object(
      {
        maxFailures: Type.Integer({ default: 5, minimum: 1 }),
        windowMs: Type.Integer({ default: 600000, minimum: 1000 }),
        firstBanMs: Type.Integer({ default: 300000, minimum: 1000 }),
        repeatBanMs: Type.Integer({ default: 86400000, minimum: 1000 }),
        repeatMemoryMs: Type.Integer({ default: 604800000, minimum: 0 }),
        allowlist: Type.Array(Type.String(), { default: [] }),
        /** Ban known scanner fingerprints (User-Agent friendly-scanner, sipvicious…) at the first packet. */
        banScanners: Type.Boolean({ default: true }),
        /** How often bans are re-read from the database (lifts by the CLI, other nodes). */
        refreshMs: Type.Integer({ default: 5000, minimum: 100 }),
        /**
         * 'auto': when running as root with `nft` (Debian package nftables), banned addresses are also
         * dropped by the kernel, in an nftables table of this process's own (src/sip/kernel-drop.ts);
         * otherwise, or on any nft error, only in Parley. 'off': only in Parley.
         */
        kernelDrop: Type.Union([Type.Literal('auto'), Type.Literal('off')], { default: 'auto' }),
      },
      { ...Strict, default: {} },
    ),
  },
  { ...Strict, default: {} },
);
