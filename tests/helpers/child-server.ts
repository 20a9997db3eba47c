import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PG_URL, type Backend } from './backends.js';

/** The compiled CLI (dist/src/cli/main.js), resolved from this file's place in dist/tests/helpers. */
export const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  url: string;
  proc: ChildProcess;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGKILL: no shutdown code runs, as with a crash or `kill -9`. */
  kill9(): void;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Runs `parley serve` as a child process on `dataDir` (SQLite) or a PostgreSQL `schema`, the way an
 * operator would: configuration through PARLEY_* variables only.
 */
export async function startChildServer(opts: { backend: Backend; dataDir: string; schema?: string; env?: Record<string, string>; readyTimeoutMs?: number }): Promise<ChildServer> {
  const port = await freePort();
  const env: Record<string, string> = {};
  // Inherit the environment but none of the caller's PARLEY_* settings (the config rejects unknown ones).
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PARLEY_')) env[k] = v;
  Object.assign(env, {
    PARLEY_DATA_DIR: opts.dataDir,
    PARLEY_HTTP_HOST: '127.0.0.1',
    PARLEY_HTTP_PORT: String(port),
    PARLEY_REGISTRATION: 'open',
    PARLEY_SIP_HOST: '127.0.0.1',
    PARLEY_SIP_TLS_PORT: '0',
    PARLEY_SIP_PROVISIONING_PORT: '0',
    PARLEY_RELAY_MANAGED: 'false',
    PARLEY_LOG_LEVEL: 'warn',
    PARLEY_ARGON2_MEMORY_KIB: '8192',
  });
  if (opts.backend === 'postgres') {
    if (!opts.schema) throw new Error('a PostgreSQL child server needs a schema');
    env.PARLEY_DATABASE_URL = PG_URL;
    env.PARLEY_DATABASE_SCHEMA = opts.schema;
  }
  // Test users look like bulk spammers (new, fast, messaging strangers): like testConfig, children
  // run without scoring and with generous limits (limits have no environment variables: a file).
  const configFile = join(opts.dataDir, 'parley.test.json');
  writeFileSync(configFile, JSON.stringify({ shield: { enabled: false, limits: { messagesPerSecond: 1_000_000, messagesPerMinute: 1_000_000, loginsPerAccountHour: 1_000_000 } } }));
  env.PARLEY_CONFIG = configFile;
  Object.assign(env, opts.env ?? {});

  const proc = spawn(process.execPath, [CLI_PATH, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parley serve did not start in time; stderr: ${err}`)), opts.readyTimeoutMs ?? 30000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Parley is running: open (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`parley serve exited early (${code ?? signal}); stderr: ${err}`));
    });
  });
  return {
    url,
    proc,
    exited,
    stderr: () => err,
    kill9: () => { proc.kill('SIGKILL'); },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
