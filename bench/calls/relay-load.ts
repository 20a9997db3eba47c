/**
 * Concurrent relayed audio calls through one coturn: each call is two TURN allocations (caller and
 * callee) bound to each other by a channel (RFC 8656 §12), each sending one 172-byte packet every 20 ms
 * (an Opus 20 ms frame of ~32 kbit/s plus RTP and SRTP overhead) for `seconds`. coturn relays opaque
 * UDP payloads and cannot tell SRTP from these packets, so its cost per call is the same as a real
 * call's; this is how many calls the relay carries, not how many wrtc instances one Node process runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { allocate, type TurnAllocation } from '../../src/relays/turn-client.js';
import type { RelayServer } from '../../src/protocol/calls.js';

const PACKET_BYTES = 172;
const INTERVAL_MS = 20;

export interface LoadStep {
  calls: number;
  sent: number;
  received: number;
  lossPct: number;
  /** Worst single call's loss. */
  worstCallLossPct: number;
  /** One-way delay through the relay (send → receive in this process), ms. */
  p50Ms: number;
  p99Ms: number;
  /** coturn's CPU time over the sending period, % of one core. */
  coturnCpuPct: number | null;
  /** This process's CPU (the load generator), % of one core. */
  generatorCpuPct: number;
  setupFailures: number;
  /** Why the first failed setup failed (null when none did). */
  firstSetupError: string | null;
}

interface Leg {
  alloc: TurnAllocation;
  channel: number;
}

interface LoadCall {
  a: Leg;
  b: Leg;
  sent: [number, number];
  received: [number, number];
}

function relayAddress(relay: RelayServer): { host: string; port: number } {
  const m = /^turns?:(\[[^\]]+\]|[^:?]+)(?::(\d+))?/.exec(relay.urls.find((u) => u.startsWith('turn:')) ?? '');
  if (!m) throw new Error(`no turn: URL in ${relay.urls.join(' ')}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2] ?? 3478) };
}

/** CPU seconds (user + system) of a process from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** The turnserver whose command line mentions `hint` (the managed relay's data directory). */
export function findCoturnPid(hint: string): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes('turnserver') && cmd.includes(hint)) return Number(name);
    } catch {
      // gone
    }
  }
  return null;
}

async function openCall(freshRelay: () => RelayServer): Promise<LoadCall> {
  const legs: TurnAllocation[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const relay = freshRelay();
      const server = relayAddress(relay);
      legs.push(await allocate({ server: { host: server.host, port: server.port }, username: relay.username, password: relay.credential }));
    }
    const [x, y] = legs as [TurnAllocation, TurnAllocation];
    const [chA, chB] = await Promise.all([x.channelBind(y.relayed), y.channelBind(x.relayed)]);
    return { a: { alloc: x, channel: chA }, b: { alloc: y, channel: chB }, sent: [0, 0], received: [0, 0] };
  } catch (err) {
    await Promise.all(legs.map((l) => l.close()));
    throw err;
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Runs `calls` concurrent relayed calls for `seconds` and measures loss and delay. */
export async function relayLoadStep(opts: { calls: number; seconds: number; freshRelay: () => RelayServer; coturnPid: number | null }): Promise<LoadStep> {
  const calls: LoadCall[] = [];
  let setupFailures = 0;
  let firstSetupError: string | null = null;
  // Set up in small batches: coturn answers Allocate quickly, but 2×N at once would only measure our socket count.
  for (let i = 0; i < opts.calls; i += 20) {
    // A lost UDP Allocate under load is retried like a client would (3 tries); only then it counts as failed.
    const open = async (): Promise<LoadCall> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await openCall(opts.freshRelay);
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    };
    const batch = await Promise.allSettled(Array.from({ length: Math.min(20, opts.calls - i) }, () => open()));
    for (const r of batch) {
      if (r.status === 'fulfilled') calls.push(r.value);
      else {
        setupFailures++;
        firstSetupError ??= (r.reason as Error)?.message ?? String(r.reason);
      }
    }
  }
  const delays: number[] = [];
  const epoch = performance.now();
  for (const c of calls) {
    c.a.alloc.on('data', (data) => {
      c.received[1]++;
      if (delays.length < 2_000_000) delays.push(performance.now() - epoch - data.readDoubleBE(0));
    });
    c.b.alloc.on('data', (data) => {
      c.received[0]++;
      if (delays.length < 2_000_000) delays.push(performance.now() - epoch - data.readDoubleBE(0));
    });
  }
  const packet = Buffer.alloc(PACKET_BYTES);
  const cpu0 = opts.coturnPid ? cpuSeconds(opts.coturnPid) : null;
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const ticks = Math.round((opts.seconds * 1000) / INTERVAL_MS);
  // Paced by the clock, not by setInterval counts: a late tick sends what was due (as an RTP sender's clock would).
  for (let tick = 0; tick < ticks; tick++) {
    const due = t0 + tick * INTERVAL_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const c of calls) {
      packet.writeDoubleBE(performance.now() - epoch, 0);
      c.a.alloc.sendChannel(c.a.channel, packet);
      c.sent[0]++;
      packet.writeDoubleBE(performance.now() - epoch, 0);
      c.b.alloc.sendChannel(c.b.channel, packet);
      c.sent[1]++;
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  // Let the last packets arrive before counting.
  await new Promise((r) => setTimeout(r, 300));
  const cpu1 = opts.coturnPid ? cpuSeconds(opts.coturnPid) : null;
  const self = process.cpuUsage(self0);
  let sent = 0;
  let received = 0;
  let worst = 0;
  for (const c of calls) {
    const s = c.sent[0] + c.sent[1];
    const r = c.received[0] + c.received[1];
    sent += s;
    received += r;
    worst = Math.max(worst, s ? (100 * (s - r)) / s : 0);
  }
  await Promise.all(calls.flatMap((c) => [c.a.alloc.close(), c.b.alloc.close()]));
  delays.sort((x, y) => x - y);
  return {
    calls: calls.length,
    sent,
    received,
    lossPct: sent ? (100 * (sent - received)) / sent : 0,
    worstCallLossPct: worst,
    p50Ms: percentile(delays, 0.5),
    p99Ms: percentile(delays, 0.99),
    coturnCpuPct: cpu0 !== null && cpu1 !== null ? (100 * (cpu1 - cpu0)) / elapsed : null,
    generatorCpuPct: (100 * (self.user + self.system)) / 1e6 / elapsed,
    setupFailures,
    firstSetupError,
  };
}
