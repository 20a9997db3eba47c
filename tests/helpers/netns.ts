import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';

/**
 * Several hosts on one machine, each in its own network namespace (TESTING.md "Network
 * namespaces"): a router namespace with IP forwarding and one veth pair per host, so packets between
 * hosts really cross a link the test can delay (`tc … netem`) and capture (tshark).
 *
 *   10.77.N.2/24 (host N, interface eth0) ── veth ── 10.77.N.1/24 (router, interface v-<host>)
 *
 * Namespaces are named `pv-<pid>-<run>-<host>`; the addresses may repeat across runs because each
 * namespace has its own stack, so tests can use the fixed addresses issue 4 describes. Everything
 * started through `exec` is killed and every namespace deleted in `destroy()`; namespaces left by a
 * crashed run (its pid gone) are deleted when the next topology is built.
 */

const run = promisify(execFile);
const PREFIX = 'pv-';
let runCounter = 0;

export interface HostSpec {
  name: string;
  /** Third octet of the host's /24 (10.77.<subnet>.2); default: 1, 2, 3 … in order. */
  subnet?: number;
}

export interface Host {
  name: string;
  ns: string;
  /** The host's address (10.77.N.2). */
  ip: string;
  /** The router's address on this host's link (10.77.N.1), the host's default gateway. */
  gateway: string;
  /** The host's interface (inside `ns`). */
  iface: string;
  /** The router's interface towards this host (inside the router namespace). */
  routerIface: string;
}

export interface Netem {
  delayMs: number;
  lossPct?: number;
  /** Which end of the link delays its outgoing packets: `router` (towards the host), `host`, or `both`. */
  side?: 'router' | 'host' | 'both';
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function ip(args: string[]): Promise<void> {
  await run('ip', args);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

async function deleteNamespace(ns: string): Promise<void> {
  // Processes inside keep a deleted namespace alive (and the link with it): end them first.
  try {
    const { stdout } = await run('ip', ['netns', 'pids', ns]);
    for (const pid of stdout.split('\n').map(Number).filter((n) => n > 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  } catch {
    /* namespace already gone */
  }
  await run('ip', ['netns', 'del', ns]).catch(() => undefined);
}

/** Deletes `pv-<pid>-…` namespaces whose creating process no longer exists (crashed earlier runs). */
export async function deleteStaleNamespaces(): Promise<string[]> {
  const stale: string[] = [];
  for (const ns of await listNamespaces()) {
    const m = /^pv-(\d+)-/.exec(ns);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !pidAlive(pid)) stale.push(ns);
  }
  for (const ns of stale) await deleteNamespace(ns);
  return stale;
}

/** True when the namespace tests can run here (root with `ip`); otherwise the reason to skip. */
export function netnsUnavailable(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespace tests need root (ip netns, veth, tc)';
  return null;
}

export class Topology {
  readonly hosts = new Map<string, Host>();
  readonly router: string;
  private readonly children = new Set<ChildProcess>();
  private readonly namespaces: string[] = [];

  private constructor(readonly prefix: string) {
    this.router = `${prefix}r`;
  }

  /** Builds the router and the hosts; on any failure tears down what was built and rethrows. */
  static async create(specs: HostSpec[]): Promise<Topology> {
    await deleteStaleNamespaces();
    const t = new Topology(`${PREFIX}${process.pid}-${++runCounter}-`);
    try {
      await t.build(specs);
    } catch (err) {
      await t.destroy();
      throw err;
    }
    return t;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name} in this topology`);
    return h;
  }

  private async addNamespace(ns: string): Promise<void> {
    await ip(['netns', 'add', ns]);
    this.namespaces.push(ns);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    // IPv4 only: IPv6 would add link-local addresses, router solicitations and MLD reports to every
    // capture, and the tests' addresses are IPv4.
    await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }

  private async build(specs: HostSpec[]): Promise<void> {
    await this.addNamespace(this.router);
    await run('ip', ['netns', 'exec', this.router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    const used = new Set<number>();
    for (const [i, spec] of specs.entries()) {
      const subnet = spec.subnet ?? i + 1;
      if (subnet < 1 || subnet > 254 || used.has(subnet)) throw new Error(`subnet ${subnet} for ${spec.name} is out of range or taken`);
      if (!/^[a-z][a-z0-9]{0,11}$/.test(spec.name) || spec.name === 'r') throw new Error(`host name ${spec.name}: lower-case letters and digits, ≤ 12 characters, not \`r\` (the router)`);
      used.add(subnet);
      const ns = `${this.prefix}${spec.name}`;
      const host: Host = { name: spec.name, ns, ip: `10.77.${subnet}.2`, gateway: `10.77.${subnet}.1`, iface: 'eth0', routerIface: `v-${spec.name}` };
      await this.addNamespace(ns);
      // Both ends are created directly inside their namespaces, so names never clash in the root namespace.
      await ip(['link', 'add', 'name', host.iface, 'netns', ns, 'type', 'veth', 'peer', 'name', host.routerIface, 'netns', this.router]);
      await ip(['-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', host.iface]);
      await ip(['-n', ns, 'link', 'set', host.iface, 'up']);
      await ip(['-n', this.router, 'addr', 'add', `${host.gateway}/24`, 'dev', host.routerIface]);
      await ip(['-n', this.router, 'link', 'set', host.routerIface, 'up']);
      await ip(['-n', ns, 'route', 'add', 'default', 'via', host.gateway]);
      this.hosts.set(spec.name, host);
    }
  }

  /** Adds delay (and loss) to a host's link with `tc qdisc … netem`. */
  async netem(name: string, n: Netem): Promise<void> {
    const h = this.host(name);
    const args = ['delay', `${n.delayMs}ms`, ...(n.lossPct ? ['loss', `${n.lossPct}%`] : [])];
    const side = n.side ?? 'router';
    if (side === 'router' || side === 'both') await run('ip', ['netns', 'exec', this.router, 'tc', 'qdisc', 'replace', 'dev', h.routerIface, 'root', 'netem', ...args]);
    if (side === 'host' || side === 'both') await run('ip', ['netns', 'exec', h.ns, 'tc', 'qdisc', 'replace', 'dev', h.iface, 'root', 'netem', ...args]);
  }

  /**
   * Spawns `cmd` inside the host's namespace (`ip netns exec`; `r` is the router); the process is
   * ended by `destroy()`. stdout and stderr are pipes: read them, or a chatty process blocks.
   */
  exec(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const ns = name === 'r' ? this.router : this.host(name).ns;
    // `ip netns exec` replaces itself with the command, so the child's pid is the command's.
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs a command in the host's namespace to completion. */
  run(name: string, cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    const child = this.exec(name, cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(opts.env ? { env: opts.env } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin!.end(opts.input ?? '');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${cmd} ${args.join(' ')} in ${name} did not finish in time; stderr: ${stderr}`));
      }, opts.timeoutMs ?? 60000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Ends every process started here (SIGTERM, SIGKILL after 3 s) and deletes the namespaces. Safe to call twice. */
  async destroy(): Promise<void> {
    const alive = [...this.children].filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(alive.map((c) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
      c.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      c.kill('SIGTERM');
    })));
    this.children.clear();
    for (const ns of this.namespaces.splice(0).reverse()) await deleteNamespace(ns);
  }
}

/**
 * dumpcap reads packets from the kernel's TPACKET_V3 ring in blocks that are handed over when full
 * or after a timeout, and on SIGINT it stops without reading a block still open: packets of the
 * last few hundred milliseconds would be missing. It writes each block to the file as it reads it,
 * so "no growth for a second" means the ring has been drained (bounded at 10 s for busy links).
 */
async function settled(file: string): Promise<void> {
  const sizeOf = (): number => {
    try {
      return statSync(file).size;
    } catch {
      return -1;
    }
  };
  let last = sizeOf();
  let stableSince = Date.now();
  const end = Date.now() + 10000;
  while (Date.now() < end && Date.now() - stableSince < 1000) {
    await new Promise((r) => setTimeout(r, 100));
    const now = sizeOf();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
  }
}

export interface Capture {
  file: string;
  /**
   * Waits until the file stops growing, then SIGINT, then waits for the capture process to exit so
   * the file is complete.
   */
  stop(): Promise<void>;
}

/**
 * Starts tshark on a host's interface (TESTING.md "Packet capture") and resolves once it prints
 * "Capturing on", so no packet of the traffic that follows is missed. pcapng unless `format: 'pcap'`.
 */
export async function startCapture(t: Topology, name: string, file: string, opts: { iface?: string; format?: 'pcap' | 'pcapng' } = {}): Promise<Capture> {
  const h = t.host(name);
  const iface = opts.iface ?? h.iface;
  // `tshark -w` hands the file to dumpcap, which writes pcapng as packets arrive. With `-F pcap`
  // tshark would convert in its own loop and, stopped right after the traffic, write an empty
  // file; so classic pcap is asked of dumpcap (tshark's capture engine, same package) directly.
  const child = opts.format === 'pcap' ? t.exec(name, 'dumpcap', ['-q', '-P', '-i', iface, '-w', file]) : t.exec(name, 'tshark', ['-q', '-i', iface, '-w', file]);
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`capture did not start; stderr: ${stderr}`)), 30000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Capturing on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`capture exited (${code}) before capturing; stderr: ${stderr}`));
    });
  });
  return {
    file,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await settled(file);
        child.kill('SIGINT');
      }
      await exited;
    },
  };
}

/** Whether this kernel has the netem qdisc (sch_netem); some VM kernels ship without it. */
export async function netemSupported(t: Topology): Promise<boolean> {
  try {
    await run('ip', ['netns', 'exec', t.router, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']);
    await run('ip', ['netns', 'exec', t.router, 'tc', 'qdisc', 'del', 'dev', 'lo', 'root']);
    return true;
  } catch {
    return false;
  }
}

/**
 * A UDP forwarder with a configurable delay (half each way), one upstream socket per client so the
 * target sees a distinct 5-tuple per client (as TURN needs: an allocation belongs to its 5-tuple,
 * RFC 8656 §2.2). Order is kept: equal delays fire in arrival order.
 */
const UDP_DELAY_PROXY = `
const dgram = require('node:dgram');
const [listenIp, listenPort, targetIp, targetPort, initial] = process.argv.slice(1);
let delay = Number(initial);
const later = (f) => (delay > 0 ? setTimeout(f, delay / 2) : f());
const front = dgram.createSocket('udp4');
const upstreams = new Map();
front.on('message', (m, r) => {
  const key = r.address + ':' + r.port;
  let up = upstreams.get(key);
  if (!up) {
    up = dgram.createSocket('udp4');
    up.on('message', (back) => later(() => front.send(back, r.port, r.address)));
    up.bind(0);
    upstreams.set(key, up);
  }
  later(() => up.send(m, Number(targetPort), targetIp));
});
front.bind(Number(listenPort), listenIp, () => console.log('ready'));
require('node:readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const m = /^delay (\\d+)$/.exec(l.trim());
  if (m) { delay = Number(m[1]); console.log('delay ' + delay); }
});`;

export interface UdpDelayProxy {
  /** Sets the added round trip in ms (applied half per direction) and waits until the proxy uses it. */
  setDelay(ms: number): Promise<void>;
}

/**
 * Delay without `tc netem` (for kernels without sch_netem): a userspace UDP forwarder in `host`'s
 * namespace from `listen` to `target` that adds `delayMs` to every round trip through it.
 */
export async function startUdpDelayProxy(t: Topology, name: string, opts: { listenIp: string; listenPort: number; targetIp: string; targetPort: number; delayMs?: number }): Promise<UdpDelayProxy> {
  const child = t.exec(name, process.execPath, ['-e', UDP_DELAY_PROXY, opts.listenIp, String(opts.listenPort), opts.targetIp, String(opts.targetPort), String(opts.delayMs ?? 0)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const waiters: Array<{ want: string; resolve(): void }> = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (line === w.want) w.resolve();
        else waiters.push(w);
      }
    }
  });
  const waitFor = (want: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (lines.includes(want)) return resolve();
      const timer = setTimeout(() => reject(new Error(`delay proxy in ${name}: no "${want}"; stderr: ${stderr}`)), 10000);
      waiters.push({ want, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  await waitFor('ready');
  return {
    async setDelay(ms) {
      lines.length = 0;
      child.stdin!.write(`delay ${Math.round(ms)}\n`);
      await waitFor(`delay ${Math.round(ms)}`);
    },
  };
}
