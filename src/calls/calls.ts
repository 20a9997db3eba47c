import type { Registry } from 'prom-client';
import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import type { Clock } from '../kernel/clock.js';
import type { Bus } from '../cluster/bus.js';
import type { Presence } from '../cluster/presence.js';
import type { Db, Dialect } from '../storage/database.js';
import type { UpdateLog } from '../updates/update-log.js';
import type { RelayPool } from '../relays/types.js';

export interface CallsDeps {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  bus: Bus;
  presence: Presence;
  db: Db;
  dialect: Dialect;
  updates: UpdateLog;
  relays: RelayPool;
  registry: Registry;
}

/** SKELETON (replaced by the calls-server work package): the constructor signature is fixed. */
export class Calls {
  constructor(readonly deps: CallsDeps) {}

  /** Stops timers (ring timeouts, disconnect grace); ends nothing in the log. */
  close(): void {}
}
