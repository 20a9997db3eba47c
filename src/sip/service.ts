import { randomBytes } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from '../kernel/config.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Db } from '../storage/database.js';
import { AddressBans } from '../shield/address-bans.js';
import { SqlAddressBanStore } from './ban-store.js';
import { KernelBanSet, KernelMirroredBanStore, kernelDropUnavailable } from './kernel-drop.js';
import { SipDirectory } from './directory.js';
import { NonceBook } from './auth/nonces.js';
import { DigestAuthenticator } from './auth/authenticator.js';
import { Registrar } from './registrar.js';
import { Proxy } from './proxy.js';
import { ServerTransactions } from './server-transactions.js';
import { SipCore } from './core.js';
import { UdpTransport } from './transport/udp.js';
import { StreamTransport } from './transport/stream.js';
import { loadOrCreateCertificate } from './transport/tls-cert.js';
import { ProvisioningServer } from './provisioning/https.js';
import { WebSocketTransport } from './transport/websocket.js';
import { advertisedHost, uriHost } from './hosts.js';

export interface SipListening {
  tlsPort: number;
  udpPort: number | null;
  tcpPort: number | null;
  provisioningPort: number | null;
  /** Base of provisioning links: https://host:port/provision/ */
  provisioningBase: string | null;
  /** SIP over secure WebSocket (RFC 7118): wss://host:port/sip, on the provisioning listener. */
  websocketUrl: string | null;
}

/** The SIP side of Parley (issue 5), built from config and started by main.ts. */
export class SipService {
  readonly directory: SipDirectory;
  readonly bans: AddressBans;
  /** Banned sources dropped by nftables when available (src/sip/kernel-drop.ts). */
  readonly kernelDrop: KernelBanSet;
  readonly registrar: Registrar;
  private readonly proxy: Proxy;
  private readonly txns = new ServerTransactions();
  private readonly core: SipCore;
  private readonly transports: Array<UdpTransport | StreamTransport> = [];
  private provisioning: ProvisioningServer | undefined;
  private websocket: WebSocketTransport | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private refresh: NodeJS.Timeout | undefined;
  listening: SipListening | undefined;

  constructor(private readonly deps: { config: Readonly<Config>; db: Db; clock: Clock; logger: Logger; registry: Registry }) {
    const { config, db, clock, logger, registry } = deps;
    const sip = config.sip;
    const now = () => clock.now();
    this.directory = new SipDirectory(db, clock, sip.realm, sip.provisioningTtlMs);
    const banned = new Counter({ name: 'parley_sip_bans_total', help: 'Address bans by reason and offence (first or repeat)', labelNames: ['reason', 'offence'], registers: [registry] });
    // Counted in plain numbers on the hot path and handed to prom-client when scraped: a bound
    // label child still hashes its labels on every inc(), once per packet (bench/RESULTS.md, SIP).
    const pending = new Map<string, number>();
    const events: Counter = new Counter({
      name: 'parley_sip_events_total', help: 'SIP packets and outcomes', labelNames: ['event'], registers: [registry],
      collect: () => {
        for (const [event, n] of pending) if (n) events.inc({ event }, n);
        pending.clear();
      },
    });
    this.kernelDrop = new KernelBanSet(logger);
    const { kernelDrop: _mode, ...policy } = sip.bans;
    this.bans = new AddressBans(policy, new KernelMirroredBanStore(new SqlAddressBanStore(db), this.kernelDrop, now), clock, {
      banned: (b) => {
        banned.inc({ reason: b.reason, offence: b.offences > 1 ? 'repeat' : 'first' });
        logger.warn({ reason: b.reason, offences: b.offences, until: new Date(b.until).toISOString() }, 'sip address banned');
      },
    });
    this.registrar = new Registrar({ minExpires: sip.minExpires, maxExpires: sip.maxExpires }, now);
    const kernelDropped: Gauge = new Gauge({
      name: 'parley_sip_kernel_dropped_packets', help: 'Packets from banned addresses dropped by the kernel (nftables; stays 0 when kernel drop is off)', registers: [registry],
      collect: async () => {
        const n = await this.kernelDrop.droppedPackets();
        if (n !== undefined) kernelDropped.set(n);
      },
    });
    const registrations: Gauge = new Gauge({ name: 'parley_sip_registrations', help: 'Live SIP bindings', registers: [registry], collect: () => registrations.set(this.registrar.size()) });
    this.proxy = new Proxy(this.advertisedHost(), now);
    const auth = new DigestAuthenticator(sip.realm, new NonceBook(randomBytes(32), sip.nonceTtlMs), (u) => this.directory.credential(u), now, sip.digestAlgorithms);
    this.core = new SipCore({
      realm: sip.realm, host: this.advertisedHost(), banScanners: sip.bans.banScanners, bans: this.bans, auth,
      registrar: this.registrar, proxy: this.proxy, directory: this.directory, txns: this.txns,
      counters: { inc: (event: string) => pending.set(event, (pending.get(event) ?? 0) + 1) },
      onError: (err) => logger.error({ err }, 'sip handler failed'),
    });
  }

  /** Host written into Via/Record-Route and provisioning files. */
  advertisedHost(): string {
    return advertisedHost(this.deps.config.sip);
  }

  async start(): Promise<SipListening> {
    const { config, logger } = this.deps;
    const sip = config.sip;
    await this.bans.load();
    const tls = loadOrCreateCertificate({ certFile: sip.certFile, keyFile: sip.keyFile, dataDir: config.dataDir, commonName: this.advertisedHost() });
    if (tls.generated) logger.info('generated a self-signed certificate for SIP over TLS');
    const tlsTransport = new StreamTransport(this.core, 'TLS', tls);
    await tlsTransport.listen(sip.host, sip.tlsPort);
    this.transports.push(tlsTransport);
    let udpPort: number | null = null;
    let tcpPort: number | null = null;
    if (sip.udpPort >= 0) {
      const udp = new UdpTransport(this.core);
      await udp.listen(sip.host, sip.udpPort);
      this.transports.push(udp);
      udpPort = udp.port;
    }
    if (sip.tcpPort >= 0) {
      const tcp = new StreamTransport(this.core, 'TCP');
      await tcp.listen(sip.host, sip.tcpPort);
      this.transports.push(tcp);
      tcpPort = tcp.port;
    }
    let provisioningPort: number | null = null;
    if (sip.provisioningPort >= 0) {
      this.provisioning = new ProvisioningServer(this.directory, this.bans, () => ({ host: this.advertisedHost(), tlsPort: tlsTransport.port, realm: sip.realm }), (err) => logger.error({ err }, 'provisioning failed'));
      await this.provisioning.listen(sip.host, sip.provisioningPort, tls);
      provisioningPort = this.provisioning.port;
      this.websocket = new WebSocketTransport(this.core, () => this.provisioning?.port ?? 0);
      this.websocket.attach(this.provisioning.httpServer!);
    }
    // After the listeners: the rules name their ports. Never fails start (falls back to userland).
    await this.kernelDrop.start(
      { udp: udpPort === null ? [] : [udpPort], tcp: [tlsTransport.port, tcpPort, provisioningPort].filter((p): p is number => p !== null) },
      kernelDropUnavailable(sip.bans.kernelDrop, this.deps.clock === systemClock),
    );
    this.sweep = setInterval(() => this.proxy.sweep(), 60_000);
    this.sweep.unref();
    // Bans lifted or added by `parley admin bans` (another process) reach the hot path within seconds.
    this.refresh = setInterval(() => void this.bans.refresh().catch((err: unknown) => logger.warn({ err }, 'ban refresh failed')), sip.bans.refreshMs);
    this.refresh.unref();
    this.sweep.unref();
    const host = uriHost(this.advertisedHost());
    this.listening = {
      tlsPort: tlsTransport.port, udpPort, tcpPort, provisioningPort,
      provisioningBase: provisioningPort === null ? null : `https://${host}:${provisioningPort}/provision/`,
      websocketUrl: provisioningPort === null ? null : `wss://${host}:${provisioningPort}/sip`,
    };
    return this.listening;
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    clearInterval(this.refresh);
    this.proxy.close();
    this.txns.close();
    this.websocket?.close();
    await Promise.all(this.transports.map((t) => t.close()));
    await this.provisioning?.close();
    await this.kernelDrop.close();
  }
}
