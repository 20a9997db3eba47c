import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import type { Clock } from '../kernel/clock.js';
import type { Bus } from '../cluster/bus.js';
import type { Database } from '../storage/database.js';
import { UpdateLog } from '../updates/update-log.js';
import { Sessions } from '../accounts/sessions.js';
import { Invites } from '../accounts/invites.js';
import { Accounts } from '../accounts/accounts.js';
import { Linking } from '../accounts/linking.js';
import { Chats } from '../chats/chats.js';
import { Messages } from '../chats/messages.js';
import { Contacts } from '../chats/contacts.js';
import { Metrics } from './metrics.js';
import { Media } from '../media/media.js';
import { ShieldService } from './shield-service.js';
import { shieldSecret } from './shield-secret.js';
import { AddressIntel } from '../shield/address-intel.js';
import { RateLimits } from '../shield/rate-limits.js';
import { MemoryPresence, type Presence } from '../cluster/presence.js';
import { Relays } from '../relays/pool.js';
import type { RelayPool } from '../relays/types.js';
import { Calls } from '../calls/calls.js';

/** Everything the API layer may call, built once from config (no module singletons). */
export interface Services {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly bus: Bus;
  readonly database: Database;
  readonly updates: UpdateLog;
  readonly sessions: Sessions;
  readonly invites: Invites;
  readonly accounts: Accounts;
  readonly linking: Linking;
  readonly chats: Chats;
  readonly messages: Messages;
  readonly contacts: Contacts;
  readonly metrics: Metrics;
  readonly shield: ShieldService;
  readonly media: Media;
  readonly presence: Presence;
  /** Not started here: main.ts starts the managed coturn and the health checks. */
  readonly relays: RelayPool;
  readonly calls: Calls;
}

export function createServices(deps: { config: Readonly<Config>; logger: Logger; clock: Clock; bus: Bus; database: Database }): Services {
  const { config, clock, bus, database } = deps;
  const db = database.db;
  const updates = new UpdateLog(bus, clock, config.updates.maxDifference, database.dialect);
  const sessions = new Sessions(db, bus, clock, config.accounts.maxDevices);
  const invites = new Invites(db, clock);
  const policy = { minScore: config.accounts.minPasswordScore, memoryKiB: config.accounts.argon2MemoryKiB, iterations: config.accounts.argon2Iterations };
  const accounts = new Accounts(db, sessions, invites, clock, policy, config.accounts.registration);
  const linking = new Linking(db, bus, clock, sessions, accounts, config.accounts.linkTokenTtlMs);
  const chats = new Chats(db, updates, clock, config.chats.maxGroupMembers);
  const media = new Media(db, clock, config);
  const messages = new Messages(db, updates, bus, clock, config.chats.maxMessageChars, config.chats.historyPageMax, media.library);
  const contacts = new Contacts(db, updates, clock);
  const metrics = new Metrics();
  const secret = shieldSecret(config);
  // Address data loads on the first public address seen, not at start (src/shield/address-intel.ts).
  const intel = new AddressIntel({ secret, listsDir: config.shield.listsDir });
  const shield = new ShieldService({ config, db, bus, clock, logger: deps.logger, metrics, secret, intel, limits: new RateLimits(config.shield.limits) });
  const presence = new MemoryPresence();
  const relays = new Relays({ config, logger: deps.logger, clock, registry: metrics.registry });
  const calls = new Calls({ config, logger: deps.logger, clock, bus, presence, db, dialect: database.dialect, updates, relays, registry: metrics.registry });
  return { ...deps, updates, sessions, invites, accounts, linking, chats, messages, contacts, metrics, shield, media, presence, relays, calls };
}
