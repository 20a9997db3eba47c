import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './kernel/config.js';
import { createLogger, type Logger } from './kernel/logger.js';
import { systemClock, type Clock } from './kernel/clock.js';
import { openDatabase } from './storage/database.js';
import { MemoryBus } from './cluster/memory-bus.js';
import { createServices, type Services } from './app/services.js';
import { buildHttpServer } from './api/http/server.js';
import { SipService, type SipListening } from './sip/service.js';

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  /** SIP listeners (null when config.sip.enabled is false). */
  sip: { service: SipService; listening: SipListening } | null;
  close(): Promise<void>;
}

/** The built web client: dist/web next to dist/src (vite build --config web/vite.config.ts). */
const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');

/** Composition root: storage and bus from config, the services, the HTTP/WS API, background jobs. */
export async function startServer(config: Readonly<Config>, opts: { logger?: Logger; clock?: Clock } = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(config.log.level);
  const clock = opts.clock ?? systemClock;
  const database = await openDatabase({
    url: config.database.url,
    sqlitePath: join(config.dataDir, 'parley.db'),
    schema: config.database.schema,
    poolSize: config.database.poolSize,
  });
  const bus = new MemoryBus();
  const services = createServices({ config, logger, clock, bus, database });
  const { app } = await buildHttpServer(services, { webDir: WEB_DIR });
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  const url = config.http.publicUrl || `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const prune = setInterval(() => {
    const before = clock.now() - config.updates.retentionDays * 86400_000;
    void services.updates.prune(database.db, before).catch((err: unknown) => logger.warn({ err }, 'update prune failed'));
    void services.linking.prune().catch(() => undefined);
    // Shield counters past their window and bans ended long ago (docs/retention.md).
    void services.shield.sweep(config.shield.banHistoryDays * 86400_000).catch((err: unknown) => logger.warn({ err }, 'shield sweep failed'));
    // Call-log rows past calls.logRetentionDays (docs/retention.md).
    void services.calls.sweep().catch((err: unknown) => logger.warn({ err }, 'call log sweep failed'));
  }, 3600_000);
  prune.unref();
  // Media collector (issue 7): stale uploads, never-sent media, unreferenced blobs.
  const collect = setInterval(() => {
    void services.media.collect().catch((err: unknown) => logger.warn({ err }, 'media collection failed'));
  }, config.media.gcIntervalMs);
  collect.unref();

  // Calls (issue 4): the managed coturn and relay health checks; a relay that cannot start is logged
  // and left out (messaging works without it), so start never fails for it.
  await services.relays.start();

  let sip: RunningServer['sip'] = null;
  if (config.sip.enabled) {
    const service = new SipService({ config, db: database.db, clock, logger, registry: services.metrics.registry });
    sip = { service, listening: await service.start() };
    logger.info({ tlsPort: sip.listening.tlsPort, udpPort: sip.listening.udpPort, provisioningPort: sip.listening.provisioningPort }, 'sip listening');
  }

  logger.info({ url, database: database.dialect }, 'parley listening');
  return {
    url,
    port,
    services,
    sip,
    async close() {
      clearInterval(prune);
      clearInterval(collect);
      await sip?.service.close();
      services.calls.close();
      await services.relays.close();
      await app.close();
      await bus.close();
      await database.close();
    },
  };
}
