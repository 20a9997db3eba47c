/**
 * `npm run bench:delivery`: connections held, 1:1 and 50-member group throughput, latency at a
 * fixed offered rate, and server memory per idle connection, against a Parley server in a child
 * process with clients in worker processes (see bench/RESULTS.md). The last stdout line is JSON.
 */
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ParleyClient } from '../../src/client/index.js';
import { startServer, type ServerUnderTest } from './server.js';
import { Fleet, deal, sleep } from './fleet.js';
import { runPhases } from './phases.js';
import { report, parseOptions, type Options } from './report.js';
import type { Device, Registered } from './protocol.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// Strong enough for zxcvbn score 3 but short: the server's strength check is ~4x cheaper than on long ones.
const PASSWORD = 'q8Zr!v3Lp0w';
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Registers and links devices; returns traffic devices (one per account) and idle devices. */
async function setUp(opts: Options, fleet: Fleet, server: ServerUnderTest): Promise<{ traffic: Registered[]; idle: Device[]; chats: number[]; groupId: number }> {
  const W = fleet.size;
  const trafficCount = Math.max(2 * opts.pairs, opts.groupSize);
  const idleConns = Math.max(0, opts.connections - trafficCount);
  const idleAccounts = Math.ceil(idleConns / opts.devicesPerAccount);
  const names = [
    ...Array.from({ length: trafficCount }, (_, i) => `tr${String(i).padStart(5, '0')}`),
    ...Array.from({ length: idleAccounts }, (_, i) => `id${String(i).padStart(5, '0')}`),
  ];
  let t = Date.now();
  const parts = deal(names, W);
  const regs = (await fleet.each<Registered[]>((i) => ({ cmd: 'register', usernames: parts[i]!, password: PASSWORD, concurrency: 4 }), 240_000)).flat();
  const byName = new Map(regs.map((r) => [r.username, r]));
  const ordered = names.map((n) => byName.get(n)!);
  log(`registered ${ordered.length} accounts in ${((Date.now() - t) / 1000).toFixed(1)} s (argon2id m=8192 KiB)`);

  const traffic = ordered.slice(0, trafficCount);
  const idleOwners = ordered.slice(trafficCount);
  // Devices per idle account: the first device came with registration, the rest by QR linking.
  const extra = idleOwners.map((_, j) => Math.max(0, Math.min(opts.devicesPerAccount, idleConns - j * opts.devicesPerAccount) - 1));
  t = Date.now();
  const ownerParts = deal(idleOwners.map((o, j) => ({ o, extra: extra[j]! })), W);
  const linked = await fleet.each<string[][]>((i) => ({ cmd: 'link', owners: ownerParts[i]!.map((x) => ({ token: x.o.token, extra: x.extra })), concurrency: 8 }), 240_000);
  const idle: Device[] = [];
  ownerParts.forEach((list, w) => list.forEach((x, k) => {
    idle.push({ key: `i${x.o.accountId}-1`, accountId: x.o.accountId, token: x.o.token });
    linked[w]![k]!.forEach((token, d) => idle.push({ key: `i${x.o.accountId}-${d + 2}`, accountId: x.o.accountId, token }));
  }));
  log(`linked ${idle.length - idleOwners.length} extra devices (QR linking, no password hash) in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // Direct chats between pairs (2k, 2k+1) and one group of the first groupSize traffic accounts.
  const chats: number[] = [];
  for (let k = 0; k < opts.pairs; k += 20) {
    const batch = traffic.slice(2 * k, 2 * Math.min(opts.pairs, k + 20));
    const ids = await Promise.all(Array.from({ length: batch.length / 2 }, (_, j) =>
      new ParleyClient({ baseUrl: server.url, token: batch[2 * j]!.token }).openDirect(batch[2 * j + 1]!.accountId).then((c) => c.id)));
    chats.push(...ids);
  }
  const owner = new ParleyClient({ baseUrl: server.url, token: traffic[0]!.token });
  const group = await owner.createGroup('bench group', traffic.slice(1, opts.groupSize).map((r) => r.accountId));
  return { traffic, idle, chats, groupId: group.id };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const loadBefore = loadavg();
  let server: ServerUnderTest | undefined;
  let fleet: Fleet | undefined;
  let finished = false;
  const teardown = async () => {
    await fleet?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
  };
  // Whatever happens, the run is bounded: past the limit everything is torn down.
  const watchdog = setTimeout(() => {
    if (finished) return;
    process.stderr.write(`bench: time limit of ${opts.timeLimitS} s reached; tearing down\n`);
    void teardown().then(() => process.exit(1));
  }, opts.timeLimitS * 1000);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void teardown().then(() => process.exit(130)));
  try {
    server = await startServer(ROOT, opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []);
    log(`server pid ${server.pid} at ${server.url}, data dir ${server.dataDir}, open-file limit ${server.fileLimit}`);
    fleet = Fleet.start(opts.workers, server.url);
    const setup = await setUp(opts, fleet, server);
    // Set-up leaves megabytes of garbage that a later GC returns, which made the RSS delta
    // negative: measure on a fresh process over the same data instead.
    await server.restart();
    log(`server restarted on the same data dir (pid ${server.pid}) so the memory baseline holds no set-up garbage`);
    const W = fleet.size;
    // Traffic account i's device lives in worker i % W, so pair partners sit in different processes.
    const trafficDevices: Device[] = setup.traffic.map((r, i) => ({ key: `t${i}`, accountId: r.accountId, token: r.token }));
    const tParts = deal(trafficDevices, W);
    const opened = await fleet.each<{ online: number; failed: number }>((i) => ({ cmd: 'connect', devices: tParts[i]!, concurrency: 50, timeoutMs: 30_000 }), 60_000);
    log(`traffic connections online: ${opened.reduce((a, o) => a + o.online, 0)} of ${trafficDevices.length}`);

    await sleep(1500);
    const rssBefore = server.rssKiB();
    const heapBefore = (await server.metric('parley_nodejs_heap_size_used_bytes')) ?? NaN;
    const t = Date.now();
    const iParts = deal(setup.idle, W);
    const idleOpen = await fleet.each<{ online: number; failed: number; firstError?: string }>((i) => ({ cmd: 'connect', devices: iParts[i]!, concurrency: 100, timeoutMs: 60_000 }), 180_000);
    const idleFailed = idleOpen.reduce((a, o) => a + o.failed, 0);
    const idleOnline = setup.idle.length - idleFailed;
    log(`idle connections: ${idleOnline} of ${setup.idle.length} online in ${((Date.now() - t) / 1000).toFixed(1)} s${idleFailed ? ` (first failure: ${idleOpen.find((o) => o.firstError)?.firstError})` : ''}`);
    await sleep(3000);
    const rssAfter = server.rssKiB();
    const heapAfter = (await server.metric('parley_nodejs_heap_size_used_bytes')) ?? NaN;

    const sut = server;
    const figures = await runPhases(opts, fleet, setup, () => sut.cpuMs(), log);
    const serverConnections = (await server.metric('parley_ws_connections')) ?? NaN;
    const status = await fleet.each<{ online: number; drops: number; dropReasons: Record<string, number> }>(() => ({ cmd: 'status' }), 10_000);
    finished = true;
    clearTimeout(watchdog);
    await teardown();
    report(opts, {
      ...figures,
      connectionsHeld: status.reduce((a, s) => a + s.online, 0),
      serverConnections,
      drops: status.reduce((a, s) => a + s.drops, 0),
      dropReasons: status.map((s) => s.dropReasons),
      idleOpened: idleOnline,
      rssBeforeKiB: rssBefore,
      rssAfterKiB: rssAfter,
      heapDeltaBytes: heapAfter - heapBefore,
      elapsedS: (Date.now() - started) / 1000,
      loadavg: [loadBefore[0]!, loadavg()[0]!],
    }, log);
    return 0;
  } catch (err) {
    finished = true;
    clearTimeout(watchdog);
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    await teardown();
    return 1;
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`bench crashed: ${String(err)}\n`);
  process.exit(1);
});
