import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './kernel/config.js';
import { createLogger, type Logger } from './kernel/logger.js';
import { systemClock, type Clock } from './kernel/clock.js';
import { openDatabase } from './storage/database.js';
import { MemoryBus } from './cluster/memory-bus.js';
import { createServices, type Services } from './app/services.js';
import { buildHttpServer } from './api/http/server.js';

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
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
  }, 3600_000);
  prune.unref();

  logger.info({ url, database: database.dialect }, 'parley listening');
  return {
    url,
    port,
    services,
    async close() {
      clearInterval(prune);
      await app.close();
      await bus.close();
      await database.close();
    },
  };
}
