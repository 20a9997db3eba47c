import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import { coturnConfig } from './coturn-config.js';
import {
  assertUdpPortFree,
  coturnPaths,
  ensureDir,
  ensureSecret,
  firstExternalIPv4,
  freeUdpPort,
  readRunning,
  readSecret,
  removeRunning,
  writePrivate,
  writeRunning,
  type CoturnPaths,
} from './coturn-files.js';
import { CoturnSupervisor } from './supervisor.js';
import { relayUris } from './turn-url.js';
import type { CheckTarget } from './relay-check.js';

/** The managed coturn's relay id in offers, doctor output and metrics. */
export const MANAGED_ID = 'local';

const WILDCARDS = new Set(['', '0.0.0.0', '::']);

/**
 * The coturn Parley runs itself (the embedded default): picks its addresses and port, writes its
 * config and secret under `<dataDir>/coturn/`, supervises the process, and records how to reach
 * it for `parley doctor`.
 */
export class ManagedRelay {
  readonly id = MANAGED_ID;
  readonly paths: CoturnPaths;
  private supervisor: CoturnSupervisor | null = null;
  private target: CheckTarget | null = null;
  private urls: string[] = [];

  constructor(
    private readonly config: Readonly<Config>,
    private readonly logger: Logger,
    private readonly onRestart: () => void,
  ) {
    this.paths = coturnPaths(config.dataDir);
  }

  get region(): string {
    return this.config.relays.managed.region;
  }

  /** How to reach and authenticate to the running coturn; null until `start()` succeeded. */
  get running(): CheckTarget | null {
    return this.target;
  }

  /** `turn:` and `stun:` URLs for clients while running. */
  get clientUrls(): readonly string[] {
    return this.urls;
  }

  get pid(): number | null {
    return this.supervisor?.pid ?? null;
  }

  /** The turn: URL clients would get, from config alone (doctor shows it when nothing runs). */
  configuredUrl(): string {
    const m = this.config.relays.managed;
    const url = relayUris(this.clientHost(m.relayIp || firstExternalIPv4() || '127.0.0.1'), m.port)[0]!;
    return m.port ? url : url.replace(/:0\?/, ':<free port>?');
  }

  async start(): Promise<void> {
    const m = this.config.relays.managed;
    let relayIp = m.relayIp;
    if (!relayIp) {
      relayIp = firstExternalIPv4() ?? '127.0.0.1';
      if (relayIp === '127.0.0.1') this.logger.warn('no non-loopback IPv4 address: the managed coturn relays on 127.0.0.1, reachable from this machine only (set relays.managed.relayIp)');
    }
    // Probes go to the listening address, or loopback when coturn listens on every interface.
    const probeHost = WILDCARDS.has(m.listenIp) ? (m.listenIp === '::' ? '::1' : '127.0.0.1') : m.listenIp;
    const bindHost = m.listenIp || '0.0.0.0';
    let port = m.port;
    if (port === 0) port = await freeUdpPort(bindHost);
    else await assertUdpPortFree(bindHost, port);

    ensureDir(this.paths);
    const secret = ensureSecret(this.paths);
    writePrivate(this.paths.config, coturnConfig({ managed: m, port, relayIp, secret, pidFile: this.paths.pidFile, userDb: this.paths.userDb, logFile: 'stdout' }));
    const urls = relayUris(this.clientHost(relayIp), port);
    const server = { host: probeHost, port };
    const record = (pid: number): void => writeRunning(this.paths, { pid, host: probeHost, port, urls, startedAt: Date.now() });
    this.supervisor = new CoturnSupervisor({
      binary: m.binary,
      configPath: this.paths.config,
      pidFile: this.paths.pidFile,
      probe: server,
      logger: this.logger,
      secrets: [secret],
      onRestart: this.onRestart,
      onReady: record,
    });
    try {
      await this.supervisor.start();
    } catch (err) {
      this.supervisor = null;
      throw err;
    }
    this.target = { id: this.id, region: m.region, url: urls[0]!, server, secret };
    this.urls = urls;
    this.logger.info({ urls, relayIp, region: m.region }, 'managed coturn running');
  }

  async close(): Promise<void> {
    const supervisor = this.supervisor;
    if (!supervisor) return; // never started here (doctor): the running server's files stay
    this.supervisor = null;
    this.target = null;
    this.urls = [];
    await supervisor.close();
    removeRunning(this.paths);
  }

  /**
   * The coturn a `parley serve` on this data dir runs, as it recorded it (doctor runs in another
   * process and must not start one of its own). A string says why there is nothing to check.
   */
  fromRunningServer(): CheckTarget | string {
    const state = readRunning(this.paths);
    if (!state) return `no running coturn recorded in ${this.paths.running}`;
    const secret = readSecret(this.paths);
    if (!secret) return `no secret in ${this.paths.secret}`;
    return { id: this.id, region: this.region, url: state.urls[0] ?? `turn:${state.host}:${state.port}`, server: { host: state.host, port: state.port }, secret };
  }

  /** The host in client URLs: publicHost, else the NAT's external address, else where coturn listens/relays. */
  private clientHost(relayIp: string): string {
    const m = this.config.relays.managed;
    return m.publicHost || m.externalIp || (WILDCARDS.has(m.listenIp) ? relayIp : m.listenIp);
  }
}
