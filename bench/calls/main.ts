/**
 * `npm run bench:calls` (issue 4): call setup time (dial → first audio sample at both ends) direct and
 * relayed, the latency the relay adds (ICE round trip of the selected pair), and how many concurrent
 * relayed audio calls one coturn carries with < 1 % loss (coturn CPU shown). Parley runs in-process with
 * its managed coturn on loopback; calls are made by two Node devices running the same call engine as
 * the web client (src/client/calls) on @roamhq/wrtc. Then the same comparison with Parley out of the
 * picture (floor.ts: two connections in one process on wrtc, and in one Chromium page), which shows
 * what the WebRTC stack itself costs a relayed call. The last stdout line is JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/kernel/config.js';
import { startServer } from '../../src/main.js';
import { ParleyClient } from '../../src/client/index.js';
import { NodeWebSocket } from '../../tests/helpers/server.js';
import { CallDevice } from '../../tests/helpers/wrtc-call.js';
import { findCoturnPid, relayLoadStep, type LoadStep } from './relay-load.js';
import { chromiumFloor, wrtcFloor, type FloorResult } from './floor.js';
import type { RelayServer } from '../../src/protocol/calls.js';

const log = (line: string) => process.stdout.write(`${line}\n`);
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SETUPS = arg('setups', 8);
const LOAD_SECONDS = arg('seconds', 10);
const MAX_CALLS = arg('max-calls', 600);
const FLOOR_CALLS = arg('floor', 8);

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
const r1 = (x: number) => Math.round(x * 10) / 10;

interface SetupRun {
  setupMs: number[];
  rttMs: number[];
  paths: string[];
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'parley-bench-calls-'));
  const config = loadConfig({
    env: {}, file: null,
    overrides: {
      dataDir: work, http: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' },
      accounts: { registration: 'open', argon2MemoryKiB: 8192, argon2Iterations: 1 },
      shield: { enabled: false },
      sip: { enabled: false },
      calls: { maxStartsPerMinute: 1000 },
      // Loopback peers only because both ends of every call are on this machine (the dev/test flag).
      relays: { managed: { enabled: true, listenIp: '127.0.0.1', relayIp: '127.0.0.1', port: 0, allowLoopbackPeers: true, totalQuota: 4000, userQuota: 12 } },
    },
  });
  const server = await startServer(config);
  const coturnPid = findCoturnPid(work);
  log(`bench:calls on ${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), load ${loadavg()[0]!.toFixed(1)}; coturn pid ${coturnPid ?? '?'}`);
  log(`command: npm run bench:calls -- --setups ${SETUPS} --seconds ${LOAD_SECONDS} --max-calls ${MAX_CALLS} --floor ${FLOOR_CALLS}`);

  const user = async (name: string) => {
    const client = new ParleyClient({ baseUrl: server.url, WebSocket: NodeWebSocket });
    const s = await client.register({ username: name, password: 'q8Zr!v3Lp0w-bench' });
    return { client, id: s.account.id };
  };
  const alice = await user('alice');
  const bob = await user('bob');

  /** `n` calls alice → bob, bob answering at once; each timed from dial to the first audio sample at both ends. */
  const setups = async (protect: boolean): Promise<SetupRun> => {
    for (const u of [alice, bob]) await u.client.call('calls.updateSettings', { protectIp: protect });
    const out: SetupRun = { setupMs: [], rttMs: [], paths: [] };
    for (let i = 0; i < SETUPS + 1; i++) {
      const a = await CallDevice.connect(alice.client, { engine: { statsIntervalMs: 250 } });
      const b = await CallDevice.connect(bob.client, { engine: { statsIntervalMs: 250 } });
      try {
        const t0 = performance.now();
        const audio = Promise.all([a.firstAudio(), b.firstAudio()]);
        const dial = a.engine.start({ accountId: bob.id }, { video: false });
        await b.until((d) => d.engine.incoming.length > 0, 'call.incoming');
        await b.engine.accept(b.engine.incoming[0]!.callId, { video: false });
        await dial;
        await audio;
        const setup = performance.now() - t0;
        await a.until((d) => d.engine.current?.quality.rttMs != null && d.engine.current.quality.path != null, 'stats with a round trip');
        // The first call warms up JIT, wrtc and coturn: not counted.
        if (i > 0) {
          out.setupMs.push(setup);
          out.rttMs.push(a.engine.current!.quality.rttMs!);
          out.paths.push(`${a.engine.current!.quality.path}`);
        }
        await a.engine.hangup();
        await b.until((d) => d.engine.current?.phase === 'ended', 'the end of the call').catch(() => undefined);
      } finally {
        await a.close();
        await b.close();
      }
    }
    out.setupMs.sort((x, y) => x - y);
    out.rttMs.sort((x, y) => x - y);
    return out;
  };

  const direct = await setups(false);
  log(`setup direct  (${direct.paths.join(',')}): p50 ${r1(percentile(direct.setupMs, 0.5))} ms, max ${r1(direct.setupMs.at(-1)!)} ms; ICE RTT p50 ${r1(percentile(direct.rttMs, 0.5))} ms`);
  const relayed = await setups(true);
  log(`setup relayed (${relayed.paths.join(',')}): p50 ${r1(percentile(relayed.setupMs, 0.5))} ms, max ${r1(relayed.setupMs.at(-1)!)} ms; ICE RTT p50 ${r1(percentile(relayed.rttMs, 0.5))} ms`);
  log(`relaying adds ${r1(percentile(relayed.setupMs, 0.5) - percentile(direct.setupMs, 0.5))} ms to a Parley call's setup`);
  const ratio = percentile(relayed.setupMs, 0.5) / percentile(direct.setupMs, 0.5);

  // The same comparison without Parley: what libwebrtc itself costs a relayed call (floor.ts).
  const floorRelay = (): RelayServer => {
    const r = server.services.relays.offer()[0];
    if (!r) throw new Error('no relay offered');
    return r;
  };
  const floors: Array<{ name: string; r: FloorResult | null }> = [
    { name: 'wrtc', r: await wrtcFloor(floorRelay, FLOOR_CALLS) },
    { name: 'chromium', r: await chromiumFloor(floorRelay, server.url, FLOOR_CALLS).catch((err: unknown) => (log(`chromium floor skipped: ${(err as Error).message}`), null)) },
  ];
  const floorFigures: Record<string, number | null> = {};
  for (const { name, r } of floors) {
    if (!r) {
      for (const k of ['direct_p50_ms', 'relayed_p50_ms', 'ratio', 'relay_extra_ms']) floorFigures[`floor_${name}_${k}`] = null;
      continue;
    }
    const d = percentile([...r.directMs].sort((x, y) => x - y), 0.5);
    const rl = percentile([...r.relayedMs].sort((x, y) => x - y), 0.5);
    log(`floor ${name} (two connections in one ${name === 'wrtc' ? 'process' : 'page'}, no server): createOffer → connected at both ends: direct p50 ${r1(d)} ms, relayed p50 ${r1(rl)} ms, ratio ${(rl / d).toFixed(2)}`);
    Object.assign(floorFigures, { [`floor_${name}_direct_p50_ms`]: r1(d), [`floor_${name}_relayed_p50_ms`]: r1(rl), [`floor_${name}_ratio`]: Math.round((rl / d) * 100) / 100, [`floor_${name}_relay_extra_ms`]: r1(rl - d) });
  }

  // Concurrent relayed calls: step up until loss reaches 1 % (or the cap).
  const freshRelay = () => {
    const r = server.services.relays.offer()[0];
    if (!r) throw new Error('no relay offered');
    return r;
  };
  const steps: LoadStep[] = [];
  let best: LoadStep | null = null;
  for (const calls of [50, 100, 200, 300, 400, 500, 600].filter((n) => n <= MAX_CALLS)) {
    const s = await relayLoadStep({ calls, seconds: LOAD_SECONDS, freshRelay, coturnPid });
    steps.push(s);
    log(`relayed load ${s.calls} calls (${s.setupFailures} failed to set up${s.firstSetupError ? `: ${s.firstSetupError}` : ''}): loss ${s.lossPct.toFixed(3)} % (worst call ${s.worstCallLossPct.toFixed(2)} %), relay one-way p50 ${r1(s.p50Ms)} ms p99 ${r1(s.p99Ms)} ms, coturn CPU ${s.coturnCpuPct === null ? '?' : r1(s.coturnCpuPct)} % of a core, generator ${r1(s.generatorCpuPct)} %`);
    if (s.lossPct < 1 && s.setupFailures === 0) best = s;
    else break;
  }

  await server.close();
  rmSync(work, { recursive: true, force: true });

  const result = {
    bench: 'calls',
    setup_direct_p50_ms: r1(percentile(direct.setupMs, 0.5)),
    setup_direct_max_ms: r1(direct.setupMs.at(-1) ?? NaN),
    setup_relayed_p50_ms: r1(percentile(relayed.setupMs, 0.5)),
    setup_relayed_max_ms: r1(relayed.setupMs.at(-1) ?? NaN),
    setup_ratio_relayed_to_direct: Math.round(ratio * 100) / 100,
    // What relaying adds to a Parley call, to compare with floor_*_relay_extra_ms (the stack's own).
    setup_relay_extra_ms: r1(percentile(relayed.setupMs, 0.5) - percentile(direct.setupMs, 0.5)),
    ice_rtt_direct_p50_ms: r1(percentile(direct.rttMs, 0.5)),
    ice_rtt_relayed_p50_ms: r1(percentile(relayed.rttMs, 0.5)),
    relay_added_rtt_ms: r1(percentile(relayed.rttMs, 0.5) - percentile(direct.rttMs, 0.5)),
    ...floorFigures,
    max_relayed_calls_under_1pct_loss: best?.calls ?? 0,
    loss_pct_at_max: best ? Math.round(best.lossPct * 1000) / 1000 : null,
    coturn_cpu_pct_at_max: best?.coturnCpuPct != null ? r1(best.coturnCpuPct) : null,
    relay_one_way_p99_ms_at_max: best ? r1(best.p99Ms) : null,
    load_steps: steps.map((s) => ({ calls: s.calls, loss_pct: Math.round(s.lossPct * 1000) / 1000, coturn_cpu_pct: s.coturnCpuPct === null ? null : r1(s.coturnCpuPct) })),
    targets: {
      setup_at_most_1000ms: percentile(direct.setupMs, 0.5) <= 1000 && percentile(relayed.setupMs, 0.5) <= 1000,
      ratio_at_most_1_3: ratio <= 1.3,
      concurrent_at_least_200: (best?.calls ?? 0) >= 200,
    },
    loadavg1: r1(loadavg()[0]!),
    machine: `${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), node ${process.version}`,
  };
  log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
