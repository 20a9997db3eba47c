import type { Registry } from 'prom-client';
import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import type { Clock } from '../kernel/clock.js';
import type { RelayServer } from '../protocol/calls.js';
import { mintTurnCredential } from './credentials.js';
import { ManagedRelay } from './managed-relay.js';
import { RelayMetrics } from './metrics.js';
import { checkRelay } from './relay-check.js';
import { checkableUri } from './turn-url.js';
import type { RelayCheck, RelayPool } from './types.js';

export interface RelayPoolDeps {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  registry: Registry;
}

/** One relay as offered to clients. */
interface Relay {
  id: string;
  region: string;
  urls: readonly string[];
  secret: string;
}

/** Per transaction; the doctor and the periodic checks use the same. */
const CHECK_TIMEOUT_MS = 5000;

/**
 * The relays calls may use: the managed coturn (relay id `local`) and the external ones from
 * config. Every relay is checked with a real TURN allocation at start and every `healthCheckMs`;
 * `offer()` mints fresh credentials for the ones that passed their last check.
 *
 * Constructing it has no side effect (the CLI builds services for admin commands and doctor):
 * coturn starts in `start()`, which only `parley serve` calls.
 */
export class Relays implements RelayPool {
  private readonly metrics: RelayMetrics;
  private readonly managed: ManagedRelay | null;
  private readonly external: Relay[];
  /** Last check result per relay id; absent: not checked yet (offered). */
  private readonly healthy = new Map<string, boolean>();
  private started = false;
  private managedError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<RelayCheck[]> | null = null;
  private warnedAllDown = false;

  constructor(private readonly deps: RelayPoolDeps) {
    const { config, logger } = deps;
    this.metrics = new RelayMetrics(deps.registry);
    this.managed = config.relays.managed.enabled ? new ManagedRelay(config, logger, () => this.metrics.restarts.inc()) : null;
    this.external = config.relays.external.map((r) => ({ id: r.id, region: r.region, urls: r.urls, secret: r.secret }));
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { config, logger } = this.deps;
    if (this.managed) {
      try {
        await this.managed.start();
      } catch (err) {
        // Messaging works without calls: log and go on; calls see no managed relay in offer().
        this.managedError = (err as Error).message;
        logger.error({ err: this.managedError }, 'the managed coturn did not start: calls have no local relay');
      }
    }
    // With a managed relay the first check completes before the server announces itself; external
    // relays may be slow or far, so their first check runs in the background (offered meanwhile).
    if (this.managed?.running) await this.checkAll();
    else void this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), config.relays.healthCheckMs);
    this.timer.unref();
  }

  offer(): RelayServer[] {
    const { config, clock, logger } = this.deps;
    const available = this.available();
    const healthy = available.filter((r) => this.healthy.get(r.id) !== false);
    let chosen = healthy;
    if (!healthy.length && available.length) {
      // Every relay failed its last check: better a call that may fail than none.
      chosen = available;
      if (!this.warnedAllDown) logger.warn({ relays: available.map((r) => r.id) }, 'every relay failed its health check; offering them all');
      this.warnedAllDown = true;
    }
    return chosen.map((r) => {
      const c = mintTurnCredential(r.secret, clock.now(), config.relays.credentialTtlSec);
      this.metrics.credentialsIssued.inc();
      return { id: r.id, region: r.region, urls: [...r.urls], username: c.username, credential: c.credential, expiresAt: c.expiresAt };
    });
  }

  checkAll(): Promise<RelayCheck[]> {
    // Concurrent callers (the timer, doctor, a test) share one round of checks.
    this.inFlight ??= this.runChecks().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
    if (this.started) await this.managed?.close();
  }

  /** Relays that exist right now: the managed one only while it runs, plus every external one. */
  private available(): Relay[] {
    const running = this.managed?.running;
    return [...(running && this.managed ? [{ id: running.id, region: running.region, urls: this.managed.clientUrls, secret: running.secret }] : []), ...this.external];
  }

  private async runChecks(): Promise<RelayCheck[]> {
    const jobs: Promise<RelayCheck>[] = [];
    if (this.managed) jobs.push(this.checkManaged(this.managed));
    for (const r of this.external) jobs.push(this.checkExternal(r));
    const results = await Promise.all(jobs);
    for (const r of results) this.record(r);
    return results;
  }

  private async checkManaged(managed: ManagedRelay): Promise<RelayCheck> {
    const fail = (url: string, error: string): RelayCheck => ({ id: managed.id, region: managed.region, url, ok: false, rttMs: null, relayedAddress: null, error });
    if (this.started) {
      const running = managed.running;
      if (!running) return fail(managed.configuredUrl(), `not running: ${this.managedError ?? 'stopped'}`);
      return checkRelay(running, CHECK_TIMEOUT_MS);
    }
    // Not started in this process (parley doctor): check the coturn a running server recorded.
    const target = managed.fromRunningServer();
    if (typeof target === 'string') return fail(managed.configuredUrl(), `${target} (is \`parley serve\` running?)`);
    const result = await checkRelay(target, CHECK_TIMEOUT_MS);
    return result.ok ? result : { ...result, error: `${result.error ?? 'failed'} (is \`parley serve\` running?)` };
  }

  private async checkExternal(r: Relay): Promise<RelayCheck> {
    const uri = checkableUri(r.urls);
    if (!uri) {
      return { id: r.id, region: r.region, url: r.urls[0] ?? '', ok: false, rttMs: null, relayedAddress: null, error: 'no turn: URL over UDP to check' };
    }
    const url = r.urls.find((u) => u.startsWith('turn:')) ?? r.urls[0]!;
    return checkRelay({ id: r.id, region: r.region, url, server: { host: uri.host, port: uri.port }, secret: r.secret }, CHECK_TIMEOUT_MS);
  }

  private record(r: RelayCheck): void {
    const was = this.healthy.get(r.id);
    this.healthy.set(r.id, r.ok);
    this.metrics.up.set({ relay: r.id }, r.ok ? 1 : 0);
    this.metrics.checks.inc({ relay: r.id, outcome: r.ok ? 'ok' : 'fail' });
    if (r.ok && r.rttMs !== null) this.metrics.checkRtt.set({ relay: r.id }, r.rttMs / 1000);
    if (!this.started) return; // doctor prints the results itself
    if (!r.ok && was !== false) this.deps.logger.warn({ relay: r.id, url: r.url, error: r.error }, 'relay failed its health check: not offered until it passes');
    if (r.ok && was === false) this.deps.logger.info({ relay: r.id }, 'relay passes its health check again');
    if (r.ok) this.warnedAllDown = false;
  }
}
