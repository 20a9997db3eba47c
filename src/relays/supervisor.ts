import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Logger } from '../kernel/logger.js';
import { AppError } from '../kernel/errors.js';
import { RelaysErrors } from './errors.js';
import { stunBinding, type ServerAddress } from './turn-client.js';

export interface SupervisorOptions {
  /** `turnserver`, or a path to it. */
  binary: string;
  configPath: string;
  /** coturn's pidfile (from its config): a coturn left behind by a crashed Parley is stopped. */
  pidFile: string;
  /** Where to send the STUN Binding that tells coturn is up. */
  probe: ServerAddress;
  logger: Logger;
  /** Text that must never reach a log line (the shared secret). */
  secrets: string[];
  readyTimeoutMs?: number;
  /** Called each time coturn is restarted after an unexpected exit. */
  onRestart?: () => void;
  /** Called each time coturn answers after a (re)start. */
  onReady?: (pid: number) => void;
}

const STOP_GRACE_MS = 3000;
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;
/** A coturn that ran this long before exiting was healthy: the backoff starts over. */
const STABLE_MS = 30_000;

/** Children alive in this process, killed when the process exits (see `reapOnExit`). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * coturn must not outlive Parley: an orphan would keep relaying with a secret nobody rotates and
 * hold the port. `child.unref()` does nothing for that. Three layers: the 'exit' hook below (normal
 * exits, uncaught errors), Linux's parent-death signal through util-linux `setpriv --pdeathsig`
 * (Parley killed with SIGKILL), and the pidfile check on the next start (anything that escaped).
 */
function reapOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

/** `turnserver --version` (e.g. "4.6.1"); the clear "install coturn" error when it is missing. */
export function coturnVersion(binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { timeout: 5000 }, (err, stdout) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT' || code === 'EACCES') return reject(new AppError(RelaysErrors.relay_binary_missing, { binary }));
      const version = stdout.trim().split('\n')[0] ?? '';
      if (err && !version) return reject(new AppError(RelaysErrors.relay_start_failed, { binary }, { message: `${binary} --version failed: ${err.message}` }));
      resolve(version);
    });
  });
}

/**
 * Runs coturn in the foreground with our generated config (`-c`, never /etc/turnserver.conf),
 * forwards its output to the logger at debug level, restarts it with backoff when it exits
 * unexpectedly and stops it with SIGTERM, then SIGKILL.
 */
export class CoturnSupervisor {
  private child: ChildProcess | null = null;
  private closing = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private startedAt = 0;
  /** The last lines coturn printed (secrets removed), for start-failure messages. */
  private readonly tail: string[] = [];

  constructor(private readonly opts: SupervisorOptions) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Starts coturn and resolves once it answers a STUN Binding; throws when it cannot. */
  async start(): Promise<void> {
    await coturnVersion(this.opts.binary);
    await this.reapStale();
    await this.launch();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.stopChild();
  }

  private async launch(): Promise<void> {
    const args = ['-c', this.opts.configPath];
    // --pdeathsig: the kernel sends SIGKILL to coturn when Parley dies, even by SIGKILL.
    const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', this.opts.binary, ...args]] : [this.opts.binary, args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.startedAt = Date.now();
    reapOnExit(child);
    this.tail.length = 0;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.log(line));
    }
    const exited = new Promise<string>((resolve) => {
      child.once('error', (err) => resolve(err.message));
      child.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`));
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));

    const ready = await Promise.race([this.waitReady(), exited.then((why) => ({ ok: false as const, why }))]);
    if (!ready.ok) {
      await this.stopChild();
      const tail = this.tail.slice(-5).join(' | ');
      throw new AppError(RelaysErrors.relay_start_failed, { binary: this.opts.binary }, { message: `coturn ${ready.why}${tail ? `: ${tail}` : ''}` });
    }
    this.opts.logger.info({ pid: child.pid, port: this.opts.probe.port }, 'coturn is answering');
    this.opts.onReady?.(child.pid ?? 0);
  }

  private async waitReady(): Promise<{ ok: true } | { ok: false; why: string }> {
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 10_000);
    while (Date.now() < deadline && !this.closing) {
      try {
        await stunBinding(this.opts.probe, 300);
        return { ok: true };
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { ok: false, why: `did not answer STUN on ${this.opts.probe.host}:${this.opts.probe.port} within ${this.opts.readyTimeoutMs ?? 10_000} ms` };
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return; // stopped by us (close, or a start that failed)
    this.child = null;
    if (this.closing) return;
    if (Date.now() - this.startedAt >= STABLE_MS) this.failures = 0;
    this.opts.logger.warn({ code, signal, tail: this.tail.slice(-3) }, 'coturn exited unexpectedly; restarting');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.failures);
    this.failures++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closing) return;
      this.opts.onRestart?.();
      this.launch().catch((err: unknown) => {
        if (this.closing) return; // closed while restarting: nothing failed
        this.opts.logger.error({ err: (err as Error).message, retryInMs: Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.failures) }, 'coturn restart failed');
        this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref();
  }

  private async stopChild(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await gone;
    clearTimeout(timer);
  }

  /** Stops a coturn left running by a previous Parley on this data dir (ours: same config file). */
  private async reapStale(): Promise<void> {
    let pid: number;
    try {
      pid = Number(readFileSync(this.opts.pidFile, 'utf8').trim());
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || pid <= 1) return;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return; // not running (or no /proc): nothing to do
    }
    if (!cmdline.includes('turnserver') || !cmdline.includes(this.opts.configPath)) return;
    this.opts.logger.warn({ pid }, 'stopping a coturn left behind by an earlier run');
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 20));
  }

  private log(raw: string): void {
    const line = coturnLogLine(raw, this.opts.secrets);
    if (line === null) return;
    this.tail.push(line);
    if (this.tail.length > 20) this.tail.shift();
    this.opts.logger.debug({ coturn: line }, 'coturn');
  }
}

/**
 * One line of coturn output as we log it, or null to drop it. coturn prefixes lines with
 * "<seconds>: <level>: "; empty lines separate its banner. Defence in depth: coturn 4.6.1 does
 * not print the secret, but a config echo or a future version might; such a line is dropped
 * whole, never partly masked.
 */
export function coturnLogLine(raw: string, secrets: readonly string[]): string | null {
  const line = raw.replace(/^\d+: [a-z]*:? ?/i, '').trim();
  if (!line) return null;
  if (/auth-secret/i.test(line) || secrets.some((s) => s && line.includes(s))) return null;
  return line;
}
