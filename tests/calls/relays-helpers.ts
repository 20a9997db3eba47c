import { Writable } from 'node:stream';
import { readFileSync, existsSync } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import { Registry } from 'prom-client';
import { createLogger, type Logger } from '../../src/kernel/logger.js';
import { loadConfig, type Config } from '../../src/kernel/config.js';
import { Relays } from '../../src/relays/pool.js';
import { coturnPaths } from '../../src/relays/coturn-files.js';

/** A logger at debug level whose lines the test can read (coturn's output is logged at debug). */
export function captureLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('debug', sink), text: () => chunks.join('') };
}

/** Managed coturn on loopback with a free port (tests run many coturns at once). */
export function managedLoopback(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { enabled: true, relayIp: '127.0.0.1', listenIp: '127.0.0.1', port: 0, ...extra };
}

/** A bare pool (no HTTP server, no database) on `dataDir`. */
export function relayPool(dataDir: string, relays: Record<string, unknown>, logger: Logger = createLogger('silent')): { pool: Relays; config: Readonly<Config>; registry: Registry } {
  const config = loadConfig({ env: {}, file: null, overrides: { dataDir, relays } });
  const registry = new Registry();
  return { pool: new Relays({ config, logger, clock: { now: () => Date.now() }, registry }), config, registry };
}

export function coturnSecret(dataDir: string): string {
  return readFileSync(coturnPaths(dataDir).secret, 'utf8').trim();
}

/** The pid coturn wrote to its pidfile, when that process runs turnserver. */
export function coturnPid(dataDir: string): number | null {
  const file = coturnPaths(dataDir).pidFile;
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('turnserver') ? pid : null;
}

export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    // A zombie (exited, not yet reaped) still has a /proc entry: look at its state.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A UDP port on 127.0.0.1 nobody listens on (bound, read, released). */
export function deadUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** Holds a UDP port on 127.0.0.1 until closed. */
export function holdUdpPort(): Promise<{ port: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve({ port: s.address().port, socket: s }));
  });
}
