import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';

/** Everything the managed coturn keeps, under `<dataDir>/coturn/` (mode 0700). */
export interface CoturnPaths {
  dir: string;
  config: string;
  secret: string;
  pidFile: string;
  userDb: string;
  /** Where the running server says how to reach its coturn (read by `parley doctor`). */
  running: string;
}

export function coturnPaths(dataDir: string): CoturnPaths {
  const dir = join(dataDir, 'coturn');
  return {
    dir,
    config: join(dir, 'turnserver.conf'),
    secret: join(dir, 'secret'),
    pidFile: join(dir, 'turnserver.pid'),
    userDb: join(dir, 'turndb'),
    running: join(dir, 'running.json'),
  };
}

export function ensureDir(paths: CoturnPaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
}

/**
 * The shared secret between Parley and coturn: 32 random bytes (hex), made on first start and kept
 * in a 0600 file, so credentials minted before a restart stay valid after it. Never logged.
 */
export function ensureSecret(paths: CoturnPaths): string {
  const existing = readSecret(paths);
  if (existing) return existing;
  ensureDir(paths);
  const secret = randomBytes(32).toString('hex');
  const tmp = `${paths.secret}.${process.pid}.tmp`;
  writeFileSync(tmp, `${secret}\n`, { mode: 0o600 });
  renameSync(tmp, paths.secret);
  return secret;
}

export function readSecret(paths: CoturnPaths): string | null {
  if (!existsSync(paths.secret)) return null;
  const secret = readFileSync(paths.secret, 'utf8').trim();
  return secret.length >= 32 ? secret : null;
}

/** Writes a file only its owner can read (the coturn config holds the secret). */
export function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The first non-internal IPv4 address of this machine, or null. */
export function firstExternalIPv4(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

/** A UDP port nobody holds on `host` (bound, read, released). */
export function freeUdpPort(host: string): Promise<number> {
  return bindUdp(host, 0);
}

/**
 * Fails when `port` is taken on `host`. coturn binds its listeners with SO_REUSEPORT, so a second
 * coturn of the same user would silently share the port with the first and receive half of its
 * traffic: we refuse to start instead.
 */
export async function assertUdpPortFree(host: string, port: number): Promise<void> {
  try {
    await bindUdp(host, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'EADDRINUSE' ? `UDP port ${port} on ${host} is in use (another coturn or Parley?)` : (err as Error).message, { cause: err });
  }
}

function bindUdp(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind(port, host, () => {
      const bound = s.address().port;
      s.close(() => resolve(bound));
    });
  });
}

/** How to reach the managed coturn; written once it answers, removed on a clean stop. */
export interface RunningState {
  pid: number;
  /** Address the health check (and doctor) sends to: the listening address, or loopback. */
  host: string;
  port: number;
  /** The URLs handed to clients. */
  urls: string[];
  startedAt: number;
}

export function writeRunning(paths: CoturnPaths, state: RunningState): void {
  const tmp = `${paths.running}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o644 });
  renameSync(tmp, paths.running);
}

export function readRunning(paths: CoturnPaths): RunningState | null {
  try {
    const s = JSON.parse(readFileSync(paths.running, 'utf8')) as Partial<RunningState>;
    if (typeof s.host !== 'string' || typeof s.port !== 'number' || !Array.isArray(s.urls)) return null;
    return { pid: Number(s.pid ?? 0), host: s.host, port: s.port, urls: s.urls.filter((u): u is string => typeof u === 'string'), startedAt: Number(s.startedAt ?? 0) };
  } catch {
    return null;
  }
}

export function removeRunning(paths: CoturnPaths): void {
  rmSync(paths.running, { force: true });
}
