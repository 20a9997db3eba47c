import type { Registry } from 'prom-client';
import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import type { Clock } from '../kernel/clock.js';
import type { RelayServer } from '../protocol/calls.js';
import { mintTurnCredential } from './credentials.js';
import type { RelayCheck, RelayPool } from './types.js';

export interface RelayPoolDeps {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  registry: Registry;
}

/**
 * SKELETON (replaced by the relays work package): external relays only, no health checks, no
 * managed coturn. The constructor signature and the RelayPool contract are fixed.
 */
export class Relays implements RelayPool {
  constructor(private readonly deps: RelayPoolDeps) {}

  async start(): Promise<void> {}

  offer(): RelayServer[] {
    const { config, clock } = this.deps;
    return config.relays.external.map((r) => {
      const c = mintTurnCredential(r.secret, clock.now(), config.relays.credentialTtlSec);
      return { id: r.id, region: r.region, urls: r.urls, username: c.username, credential: c.credential, expiresAt: c.expiresAt };
    });
  }

  async checkAll(): Promise<RelayCheck[]> {
    return [];
  }

  async close(): Promise<void> {}
}
