import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { AddressBan, AddressBanStore } from '../shield/address-bans.js';
import type { Logger } from '../kernel/logger.js';

/**
 * Banned sources dropped by the kernel (nftables), as fail2ban does, so a flood from a banned address
 * never wakes Parley at all: no socket read, no event-loop turn, no userland check (issue 5: "dropped
 * silently as early and cheaply as possible"). The userland drop (one Map lookup, src/sip/transport)
 * stays behind it for bans not yet installed and for hosts where this is off.
 *
 * Each SIP service owns one table, `inet parley_sip_<pid>_<starttime>_<n>`, with a set of banned IPv4 and
 * one of IPv6 addresses (element timeouts = ban expiry) and rules in the prerouting hook at priority
 * `raw` (before connection tracking) that drop UDP and TCP from those sets to this service's ports.
 * The set follows the ban engine: add on ban, delete on lift, and a full comparison whenever bans are
 * (re)loaded from the store (start, and every `sip.bans.refreshMs`, which is how CLI lifts arrive). The
 * table is deleted on close; tables left by dead processes are deleted at the next start. Nothing
 * else in the ruleset is read or touched.
 *
 * On only when asked (`sip.bans.kernelDrop: 'auto'`), running as root, with `nft` present and the
 * ban engine on the system clock (kernel timeouts run on real time; tests that move an injected clock
 * could not be mirrored). Any failure logs once and leaves the userland drop in charge.
 */
export const TABLE_PREFIX = 'parley_sip_';
let instances = 0;

export interface KernelDropPorts {
  udp: number[];
  tcp: number[];
}

type Runner = (script: string) => Promise<void>;

export class KernelBanSet {
  /** What the set should hold: address → ban end (ms since the epoch). */
  private readonly desired = new Map<string, number>();
  /** What we last installed. */
  private readonly installed = new Map<string, number>();
  private state: 'idle' | 'on' | 'off' = 'idle';
  private running: Promise<void> | undefined;
  private dirty = false;
  readonly table: string;

  constructor(
    private readonly logger: Logger,
    private readonly opts: { nft?: string; run?: Runner; now?: () => number } = {},
  ) {
    // The instance number keeps two SIP services in one process (tests) from sharing a table.
    this.table = `${TABLE_PREFIX}${process.pid}_${processStart(process.pid) ?? 0}_${++instances}`;
  }

  /** True once the table exists and the kernel is dropping banned sources. */
  get active(): boolean {
    return this.state === 'on';
  }

  /**
   * Creates the table for these ports and installs the current bans. Never throws: when the kernel
   * drop can't be had, it says why once and stays off.
   */
  async start(ports: KernelDropPorts, why: string | null): Promise<boolean> {
    if (why) return this.off(`kernel drop of banned addresses off: ${why}; banned datagrams are dropped in Parley`, 'info');
    const nft = this.opts.run ? 'nft' : findNft(this.opts.nft);
    if (!nft) return this.off('kernel drop of banned addresses off: no `nft` binary (Debian package nftables); banned datagrams are dropped in Parley', 'info');
    const run: Runner = this.opts.run ?? (async (script: string) => void (await runNft(nft, ['-f', '-'], script)));
    this.runner = run;
    this.nft = this.opts.run ? undefined : nft;
    try {
      await removeDeadTables(nft, run, this.opts.run !== undefined);
      await run(tableScript(this.table, ports));
    } catch (err) {
      return this.off(`kernel drop of banned addresses off: nft failed (${firstLine(err)}); banned datagrams are dropped in Parley`, 'warn');
    }
    this.state = 'on';
    this.logger.info({ table: `inet ${this.table}`, ports }, 'sip: banned addresses are dropped by the kernel (nftables)');
    this.schedule();
    await this.settled();
    return true;
  }

  /** A ban was made (or renewed). */
  ban(address: string, until: number): void {
    const a = kernelAddress(address);
    if (!a) return;
    this.desired.set(a, until);
    this.schedule();
  }

  /** A ban was lifted. */
  lift(address: string): void {
    const a = kernelAddress(address);
    if (!a || !this.desired.delete(a)) return;
    this.schedule();
  }

  /** The store's view after a (re)load: exactly these bans are active. */
  replace(bans: ReadonlyArray<Pick<AddressBan, 'address' | 'until'>>, now: number): void {
    this.desired.clear();
    for (const b of bans) {
      const a = kernelAddress(b.address);
      if (a && b.until > now) this.desired.set(a, b.until);
    }
    this.schedule();
  }

  /** Resolves when every change so far has reached the kernel (or failed). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Packets dropped so far by this table's rules (read from the kernel), or undefined when off. */
  async droppedPackets(): Promise<number | undefined> {
    if (this.state !== 'on' || !this.nft) return undefined;
    try {
      const listing = await runNft(this.nft, ['list', 'chain', 'inet', this.table, 'prerouting'], '', true);
      let sum = 0;
      for (const m of listing.matchAll(/counter packets (\d+)/g)) sum += Number(m[1]);
      return sum;
    } catch {
      return undefined;
    }
  }

  /** Deletes the table. */
  async close(): Promise<void> {
    await this.settled();
    if (this.state !== 'on') return;
    this.state = 'off';
    try {
      await this.runner!(`delete table inet ${this.table}\n`);
    } catch (err) {
      this.logger.warn({ err: firstLine(err), table: this.table }, 'sip: could not delete the nftables table');
    }
  }

  private runner: Runner | undefined;
  private nft: string | undefined;

  private schedule(): void {
    if (this.state !== 'on') return;
    this.dirty = true;
    if (this.running) return;
    this.running = this.flush().finally(() => (this.running = undefined));
  }

  /** Brings the kernel set in line with `desired`, batching whatever changed meanwhile. */
  private async flush(): Promise<void> {
    while (this.dirty && this.state === 'on') {
      this.dirty = false;
      const now = (this.opts.now ?? Date.now)();
      const lines: string[] = [];
      const done = new Map(this.installed);
      for (const [a, until] of this.installed) {
        if (until <= now) done.delete(a); // the kernel let it expire by itself
        else if (!this.desired.has(a)) {
          lines.push(...deleteElement(this.table, a));
          done.delete(a);
        }
      }
      for (const [a, until] of this.desired) {
        if (until <= now || done.get(a) === until) continue;
        // `add` of an element that exists is a no-op, `delete` of one that is gone an error: add,
        // delete, add (one transaction) sets the new timeout whether or not the kernel still has it.
        lines.push(...deleteElement(this.table, a), `add element inet ${this.table} ${setOf(a)} { ${a} timeout ${Math.max(1, Math.ceil(until - now))}ms }`);
        done.set(a, until);
      }
      if (!lines.length) continue;
      try {
        await this.runner!(`${lines.join('\n')}\n`);
        this.installed.clear();
        for (const [a, until] of done) this.installed.set(a, until);
      } catch (err) {
        this.state = 'off';
        this.logger.warn({ err: firstLine(err), table: this.table }, 'sip: nftables update failed; banned datagrams are dropped in Parley from now on');
      }
    }
  }

  private off(message: string, level: 'info' | 'warn'): false {
    this.state = 'off';
    this.logger[level](message);
    return false;
  }
}

/** The SQL ban store, with every change also sent to the kernel set. */
export class KernelMirroredBanStore implements AddressBanStore {
  constructor(private readonly inner: AddressBanStore, private readonly kernel: KernelBanSet, private readonly now: () => number) {}

  async save(ban: AddressBan): Promise<void> {
    await this.inner.save(ban);
    this.kernel.ban(ban.address, ban.until);
  }

  async remove(address: string): Promise<void> {
    await this.inner.remove(address);
    this.kernel.lift(address);
  }

  async loadLive(now: number, repeatMemoryMs: number): Promise<AddressBan[]> {
    const rows = await this.inner.loadLive(now, repeatMemoryMs);
    // Rows include released offenders kept for the repeat rule; only live bans go to the kernel.
    this.kernel.replace(rows, this.now());
    return rows;
  }
}

/** The nft script creating this process's table (replacing a stale one of the same name). */
export function tableScript(table: string, ports: KernelDropPorts): string {
  const set = (ps: number[]) => `{ ${[...new Set(ps)].sort((a, b) => a - b).join(', ')} }`;
  const rules: string[] = [];
  for (const [proto, ps] of [['udp', ports.udp], ['tcp', ports.tcp]] as const) {
    if (!ps.length) continue;
    rules.push(`    ${proto} dport ${set(ps)} ip saddr @banned4 counter drop`);
    rules.push(`    ${proto} dport ${set(ps)} ip6 saddr @banned6 counter drop`);
  }
  // "add table" then "delete table" removes a stale table of the same name (pid, start time and
  // instance all reused is next to impossible, but harmless) without failing when there is none.
  return [
    `add table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '  set banned4 { type ipv4_addr; flags timeout; }',
    '  set banned6 { type ipv6_addr; flags timeout; }',
    '  chain prerouting {',
    // Priority raw (-300): before connection tracking, the earliest netfilter hook for these packets.
    '    type filter hook prerouting priority raw; policy accept;',
    ...rules,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Why kernel drop can't be used here, or null when it may be tried. */
export function kernelDropUnavailable(mode: 'auto' | 'off', systemTime: boolean): string | null {
  if (mode === 'off') return 'sip.bans.kernelDrop is off';
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!systemTime) return 'the ban engine runs on an injected clock';
  return null;
}

function deleteElement(table: string, a: string): string[] {
  return [`add element inet ${table} ${setOf(a)} { ${a} }`, `delete element inet ${table} ${setOf(a)} { ${a} }`];
}

function setOf(address: string): 'banned4' | 'banned6' {
  return isIP(address) === 4 ? 'banned4' : 'banned6';
}

/** An address nft can take verbatim, or undefined (zone ids and anything not an IP stay in userland). */
function kernelAddress(address: string): string | undefined {
  const a = address.toLowerCase();
  const mapped = a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
  return !mapped.includes('%') && isIP(mapped) !== 0 ? mapped : undefined;
}

function findNft(configured: string | undefined): string | undefined {
  if (configured) return existsSync(configured) ? configured : undefined;
  for (const p of ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft', '/usr/local/sbin/nft']) if (existsSync(p)) return p;
  return undefined;
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot (tells a reused pid apart). */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes `parley_sip_<pid>_<start>_<n>` tables whose process is gone (a crash or kill -9). */
async function removeDeadTables(nft: string, run: Runner, injected: boolean): Promise<void> {
  if (injected) return;
  const listing = await runNft(nft, ['list', 'tables'], '', true);
  const dead: string[] = [];
  for (const m of listing.matchAll(/^table inet (parley_sip_(\d+)_(\d+)(?:_\d+)?)$/gm)) {
    const [, name, pid, start] = m as unknown as [string, string, string, string];
    if (processStart(Number(pid)) !== Number(start)) dead.push(name);
  }
  if (dead.length) await run(dead.map((t) => `delete table inet ${t}`).join('\n') + '\n');
}

function runNft(nft: string, args: string[], stdin: string, capture = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(nft, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      if (capture) out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim() || `nft exited with ${code}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200);
}
