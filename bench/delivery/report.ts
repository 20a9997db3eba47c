/** Flags, the figures against the targets, and the one JSON line that ends stdout. */
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { PhaseFigures } from './phases.js';

export interface Options {
  connections: number;
  seconds: number;
  rate: number;
  workers: number;
  devicesPerAccount: number;
  pairs: number;
  groupSize: number;
  window: number;
  groupWindow: number;
  timeLimitS: number;
  cpuProfDir?: string;
}

const DEFAULTS: Options = { connections: 10000, seconds: 10, rate: 2000, workers: 4, devicesPerAccount: 20, pairs: 100, groupSize: 50, window: 4, groupWindow: 2, timeLimitS: 420 };
const FLAGS: Record<string, keyof Options> = {
  '--connections': 'connections', '--seconds': 'seconds', '--rate': 'rate', '--workers': 'workers', '--devices-per-account': 'devicesPerAccount',
  '--pairs': 'pairs', '--group-size': 'groupSize', '--window': 'window', '--group-window': 'groupWindow', '--time-limit': 'timeLimitS', '--cpu-prof-dir': 'cpuProfDir',
};

export function parseOptions(argv: string[]): Options {
  const o: Options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 2) {
    const key = FLAGS[argv[i]!];
    const value = argv[i + 1];
    if (!key || value === undefined) throw new Error(`usage: bench:delivery [${Object.keys(FLAGS).map((f) => `${f} N`).join('] [')}]; got ${argv[i]}`);
    if (key === 'cpuProfDir') o.cpuProfDir = value;
    else {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${argv[i]} needs a positive number`);
      o[key] = n;
    }
  }
  // maxDevices defaults to 20 (src/kernel/config.ts); the group needs its members among the traffic accounts.
  if (o.devicesPerAccount > 20) throw new Error('--devices-per-account is at most 20 (accounts.maxDevices)');
  if (o.groupSize < 2) throw new Error('--group-size is at least 2');
  return o;
}

export function command(o: Options): string {
  const flags = Object.entries(FLAGS).filter(([, k]) => o[k] !== undefined && o[k] !== DEFAULTS[k]).map(([f, k]) => `${f} ${String(o[k])}`);
  return `cd ${process.cwd()} && npm run bench:delivery${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
}

export function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${availableParallelism()} vCPU (${model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux, node ${process.version}`;
}

export interface Figures extends PhaseFigures {
  connectionsHeld: number;
  serverConnections: number;
  drops: number;
  dropReasons: Array<Record<string, number>>;
  idleOpened: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  heapDeltaBytes: number;
  elapsedS: number;
  /** 1-minute load average at start and end: other work on the machine skews every figure. */
  loadavg: [number, number];
}

const round = (n: number, d = 0) => (Number.isFinite(n) ? Number(n.toFixed(d)) : null);

export function report(o: Options, f: Figures, log: (l: string) => void): void {
  const kbPerConn = (f.rssAfterKiB - f.rssBeforeKiB) / f.idleOpened;
  const lost = f.latency.sent - f.latency.delivered;
  const rows: Array<[string, string, string, boolean | null]> = [
    ['concurrent connections held', `${f.connectionsHeld} (server gauge ${f.serverConnections}, ${f.drops} dropped)`, '≥ 10,000', f.connectionsHeld >= 10000],
    ['1:1 messages/s persisted + delivered', `${f.oneToOne.deliveredPerS.toFixed(0)} delivered/s (${f.oneToOne.persistedPerS.toFixed(0)} persisted/s; server ${f.oneToOne.serverCpuUsPerMsg.toFixed(0)} µs CPU/msg)`, '≥ 5,000', f.oneToOne.deliveredPerS >= 5000],
    ['50-member group messages/s', `${f.group.persistedPerS.toFixed(0)} msgs/s → ${f.group.deliveredPerS.toFixed(0)} receipts/s (server ${f.group.serverCpuUsPerMsg.toFixed(0)} µs CPU/msg)`, '(no target)', null],
    [`latency at ${o.rate} msgs/s offered`, `p50 ${f.latency.p50.toFixed(1)} ms, p99 ${f.latency.p99.toFixed(1)} ms${lost > 0 ? `, ${lost} not delivered` : ''}`, 'p99 ≤ 100 ms', lost === 0 && f.latency.p99 <= 100],
    [`latency at ${f.latencyHalf.offered} msgs/s (half 1:1 capacity)`, `p50 ${f.latencyHalf.p50.toFixed(1)} ms, p99 ${f.latencyHalf.p99.toFixed(1)} ms${f.latencyHalf.sent > f.latencyHalf.delivered ? `, ${f.latencyHalf.sent - f.latencyHalf.delivered} not delivered` : ''}`, '(information)', null],
    ['server memory per idle connection', `${kbPerConn.toFixed(1)} KB (RSS ${f.rssBeforeKiB} → ${f.rssAfterKiB} KiB over ${f.idleOpened}; heap +${(f.heapDeltaBytes / 1024 / f.idleOpened).toFixed(1)} KB/conn)`, '≤ 50 KB', kbPerConn <= 50],
  ];
  log('\n== Parley delivery benchmark ==');
  log(`machine: ${machine()}`);
  log('server: child process `node dist/src/cli/main.js serve`, SQLite in a temp dir, in-process bus, PARLEY_ARGON2_MEMORY_KIB=8192 (the schema floor) so registering accounts is quick');
  log(`clients: ${o.workers} worker processes using the SDK (ParleyClient + UpdateStream over ws), 127.0.0.1 only; sends go over the update channel (stream.call('messages.send'))`);
  log('note: server and clients share the same CPUs, so client work is subtracted from what the server gets');
  for (const [what, value, target, met] of rows) log(`  ${what.padEnd(44)} ${value.padEnd(96)} target ${target.padEnd(13)} ${met === null ? '' : met ? 'MET' : 'NOT MET'}`);
  if (f.drops) log(`  connection drops by close reason: ${JSON.stringify(f.dropReasons)}`);
  if (f.firstError) log(`  first send error: ${f.firstError}`);
  log(`  total run time ${f.elapsedS.toFixed(0)} s; 1-min load average ${f.loadavg[0].toFixed(1)} at start, ${f.loadavg[1].toFixed(1)} at end`);
  log(`reproduce: ${command(o)}`);
  log(JSON.stringify({
    connections_held: f.connectionsHeld,
    msgs_per_s_1to1: round(f.oneToOne.deliveredPerS),
    persisted_per_s_1to1: round(f.oneToOne.persistedPerS),
    server_cpu_us_per_msg_1to1: round(f.oneToOne.serverCpuUsPerMsg),
    server_cpu_us_per_msg_group50: round(f.group.serverCpuUsPerMsg),
    msgs_per_s_group50: round(f.group.persistedPerS),
    delivered_per_s_group50: round(f.group.deliveredPerS),
    p50_ms_at_2000: round(f.latency.p50, 1),
    p99_ms_at_2000: round(f.latency.p99, 1),
    offered_msgs_per_s: o.rate,
    p50_ms_at_half_capacity: round(f.latencyHalf.p50, 1),
    p99_ms_at_half_capacity: round(f.latencyHalf.p99, 1),
    half_capacity_msgs_per_s: f.latencyHalf.offered,
    undelivered_at_rate: lost,
    kb_per_idle_conn: round(kbPerConn, 1),
    targets_met: { connections: rows[0]![3], msgs_1to1: rows[1]![3], p99: rows[3]![3], kb_per_conn: rows[5]![3] },
    run_seconds: round(f.elapsedS),
    loadavg_1min_start_end: f.loadavg.map((l) => round(l, 1)),
    machine: machine(),
  }));
}
