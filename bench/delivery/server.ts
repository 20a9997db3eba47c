/**
 * The server under test as a child process on the embedded default (SQLite in a temporary data
 * dir, in-process bus), started the way an operator would: `node dist/src/cli/main.js serve`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerUnderTest {
  url: string;
  /** Changes on restart. */
  pid: number;
  dataDir: string;
  /** Raised open-file limit the server runs with. */
  fileLimit: number;
  rssKiB(): number;
  /** CPU time (user + system) the server process has used, in ms: a figure other load on the machine does not inflate. */
  cpuMs(): number;
  /** One Prometheus sample from /metrics (first series of that name). */
  metric(name: string): Promise<number | undefined>;
  /** Stops and starts it again on the same data dir and port (a process without set-up garbage). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Environment the benchmark runs the server with; printed so the run can be reproduced. */
export function serverEnv(dataDir: string, port: number): Record<string, string> {
  return {
    PARLEY_DATA_DIR: dataDir,
    PARLEY_HTTP_HOST: '127.0.0.1',
    PARLEY_HTTP_PORT: String(port),
    PARLEY_REGISTRATION: 'open',
    PARLEY_LOG_LEVEL: 'warn',
    // The floor the schema allows (RFC 9106 cost): thousands of registrations stay quick.
    PARLEY_ARGON2_MEMORY_KIB: '8192',
    // Delivery is measured, not anti-abuse: one bench account sends far past the per-account limits.
    PARLEY_CONFIG: benchConfigFile(dataDir),
    PARLEY_SIP_ENABLED: 'false',
    PARLEY_RELAY_MANAGED: 'false',
  };
}

/** Shield off and limits raised for the benchmark (the limits have no environment variables). */
function benchConfigFile(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'bench.config.json');
  writeFileSync(file, JSON.stringify({ shield: { enabled: false, limits: { messagesPerSecond: 1_000_000, messagesPerMinute: 1_000_000, loginsPerAccountHour: 1_000_000 } } }));
  return file;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts the server and waits for its "running" line; `nodeFlags` e.g. ['--cpu-prof']. */
export async function startServer(root: string, nodeFlags: string[]): Promise<ServerUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const port = await freePort();
  let proc = await launch(root, nodeFlags, dataDir, port);
  const url = `http://127.0.0.1:${port}`;
  const sut: ServerUnderTest = {
    url,
    pid: proc.pid,
    dataDir,
    fileLimit: proc.fileLimit,
    rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? NaN),
    cpuMs() {
      // /proc/<pid>/stat fields 14 and 15 (utime, stime) in clock ticks of 1/100 s on Linux.
      const fields = readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    async metric(name) {
      // A keep-alive socket from before a restart may be dead: one retry on a fresh one.
      const get = async () => (await fetch(`${url}/metrics`)).text();
      const text = await get().catch(get);
      const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
    },
    async restart() {
      await proc.stop();
      proc = await launch(root, nodeFlags, dataDir, port);
      sut.pid = proc.pid;
    },
    async stop() {
      await proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return sut;
}

interface Proc {
  pid: number;
  fileLimit: number;
  stop(): Promise<void>;
}

async function launch(root: string, nodeFlags: string[], dataDir: string, port: number, timeoutMs = 30000): Promise<Proc> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PARLEY_')) delete env[k];
  Object.assign(env, serverEnv(dataDir, port));
  // 10,000 sockets need more descriptors than many defaults; where the hard limit is lower, take
  // the hard limit. `exec` keeps the pid: it is the node process whose RSS we read.
  const flags = nodeFlags.map((f) => `'${f.replaceAll("'", "'\\''")}'`).join(' ');
  const script = `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; echo "fd-limit $(ulimit -n)"; exec node ${flags} dist/src/cli/main.js serve`;
  const child: ChildProcess = spawn('sh', ['-c', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const errTail: string[] = [];
  child.stderr!.on('data', (b: Buffer) => {
    errTail.push(b.toString());
    if (errTail.length > 20) errTail.shift();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let fileLimit = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms: ${errTail.join('')}`)), timeoutMs);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /fd-limit (\d+)/.exec(out);
      if (m) fileLimit = Number(m[1]);
      if (out.includes('Parley is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before starting: ${errTail.join('')}`));
    });
  });
  return {
    pid: child.pid!,
    fileLimit,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGTERM first: the server closes cleanly (and writes a --cpu-prof profile).
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(killer);
    },
  };
}
