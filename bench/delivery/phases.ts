/** The measured phases: 1:1 throughput, 50-member group throughput, latency at a fixed rate. */
import { Fleet, deal, percentile, sleep } from './fleet.js';
import { nowMs, type Registered, type Sender, type SendResult, type Receipts } from './protocol.js';
import type { Options } from './report.js';

export interface PhaseFigures {
  oneToOne: { sent: number; acked: number; errors: number; persistedPerS: number; delivered: number; deliveredPerS: number; serverCpuUsPerMsg: number };
  group: { acked: number; errors: number; persistedPerS: number; receipts: number; expectedReceipts: number; deliveredPerS: number; serverCpuUsPerMsg: number };
  latency: Latency;
  latencyHalf: Latency;
  firstError?: string;
}

interface Latency { offered: number; sent: number; acked: number; errors: number; delivered: number; p50: number; p99: number; max: number; samples: number; sendSpanS: number }

type Setup = { traffic: Registered[]; chats: number[]; groupId: number };

/** Sums receipts over workers until `expected` arrived or nothing new came for `quietMs`. */
async function drain(fleet: Fleet, phase: string, expected: number, quietMs: number, maxMs: number): Promise<{ count: number; last: number }> {
  const end = Date.now() + maxMs;
  let count = -1;
  let changed = Date.now();
  for (;;) {
    const r = await fleet.each<Receipts>(() => ({ cmd: 'receipts', phase }), 10_000);
    const now = r.reduce((a, x) => a + x.count, 0);
    const last = Math.max(...r.map((x) => x.last));
    if (now !== count) changed = Date.now();
    count = now;
    if (count >= expected || Date.now() - changed > quietMs || Date.now() > end) return { count, last };
    await sleep(250);
  }
}

function sum(results: SendResult[]): { sent: number; acked: number; errors: number; start: number; end: number; firstError?: string } {
  const firstError = results.find((r) => r.firstError)?.firstError;
  return {
    sent: results.reduce((a, r) => a + r.sent, 0),
    acked: results.reduce((a, r) => a + r.acked, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    start: Math.min(...results.map((r) => r.startedAt)),
    end: Math.max(...results.map((r) => r.endedAt)),
    ...(firstError ? { firstError } : {}),
  };
}

export async function runPhases(opts: Options, fleet: Fleet, setup: Setup, serverCpuMs: () => number, log: (l: string) => void): Promise<PhaseFigures> {
  const W = fleet.size;
  // Traffic device i is in worker i % W (main.ts); both ends of every pair send.
  const pairSenders: Array<Sender & { w: number }> = setup.chats.flatMap((chatId, k) => [
    { key: `t${2 * k}`, chatId, w: (2 * k) % W },
    { key: `t${2 * k + 1}`, chatId, w: (2 * k + 1) % W },
  ]);
  const pairParts = deal(pairSenders, W, (s) => s.w);
  const sendTimeout = (opts.seconds + 60) * 1000;
  let firstError: string | undefined;

  log(`\n1:1: ${pairSenders.length} senders in ${setup.chats.length} direct chats, ${opts.window} sends in flight each, ${opts.seconds} s, over the update channel (messages.send)`);
  let cpu0 = serverCpuMs();
  const f1 = sum(await fleet.each<SendResult>((i) => (pairParts[i]!.length ? { cmd: 'flood', phase: 'p1', senders: pairParts[i]!, window: opts.window, seconds: opts.seconds } : null), sendTimeout));
  const d1 = await drain(fleet, 'p1', f1.acked, 3000, 20_000);
  const cpu1 = serverCpuMs() - cpu0;
  firstError ??= f1.firstError;
  const oneToOne = {
    sent: f1.sent, acked: f1.acked, errors: f1.errors,
    persistedPerS: f1.acked / ((f1.end - f1.start) / 1000),
    delivered: d1.count,
    deliveredPerS: d1.count / ((Math.max(d1.last, f1.end) - f1.start) / 1000),
    serverCpuUsPerMsg: (cpu1 * 1000) / Math.max(1, f1.acked),
  };
  log(`  persisted ${oneToOne.acked} (${oneToOne.persistedPerS.toFixed(0)}/s), delivered ${oneToOne.delivered} (${oneToOne.deliveredPerS.toFixed(0)}/s), errors ${oneToOne.errors}; server CPU ${oneToOne.serverCpuUsPerMsg.toFixed(0)} µs per message`);

  const members = Math.min(opts.groupSize, setup.traffic.length);
  const groupSenders = Array.from({ length: members }, (_, i) => ({ key: `t${i}`, chatId: setup.groupId, w: i % W }));
  const gParts = deal(groupSenders, W, (s) => s.w);
  log(`\ngroup: ${members} members all sending, ${opts.groupWindow} in flight each, ${opts.seconds} s`);
  cpu0 = serverCpuMs();
  const fg = sum(await fleet.each<SendResult>((i) => (gParts[i]!.length ? { cmd: 'flood', phase: 'g50', senders: gParts[i]!, window: opts.groupWindow, seconds: opts.seconds } : null), sendTimeout));
  const expectedReceipts = fg.acked * (members - 1);
  const dg = await drain(fleet, 'g50', expectedReceipts, 3000, 30_000);
  const cpuG = serverCpuMs() - cpu0;
  firstError ??= fg.firstError;
  const group = {
    acked: fg.acked, errors: fg.errors,
    persistedPerS: fg.acked / ((fg.end - fg.start) / 1000),
    receipts: dg.count, expectedReceipts,
    deliveredPerS: dg.count / ((Math.max(dg.last, fg.end) - fg.start) / 1000),
    serverCpuUsPerMsg: (cpuG * 1000) / Math.max(1, fg.acked),
  };
  log(`  persisted ${group.acked} (${group.persistedPerS.toFixed(0)} msgs/s), receipts ${group.receipts} of ${expectedReceipts} (${group.deliveredPerS.toFixed(0)}/s), errors ${group.errors}; server CPU ${group.serverCpuUsPerMsg.toFixed(0)} µs per message`);

  const latency = await paced(fleet, 'lat', opts.rate, opts.seconds, pairParts, pairSenders.length, sendTimeout, log);
  // The same at half the measured 1:1 capacity: tells queueing (offered > capacity) from the
  // cost of one delivery. Extra information; the target is at the fixed rate above.
  const easyRate = Math.max(10, Math.min(opts.rate, Math.floor(oneToOne.persistedPerS / 2)));
  const latencyHalf = await paced(fleet, 'lat-half', easyRate, Math.min(opts.seconds, 5), pairParts, pairSenders.length, sendTimeout, log);
  firstError ??= latency.firstError ?? latencyHalf.firstError;
  return { oneToOne, group, latency, latencyHalf, ...(firstError ? { firstError } : {}) };
}

/** Open loop at a fixed offered rate; each worker offers its share in proportion to its senders. */
async function paced(fleet: Fleet, phase: string, rate: number, seconds: number, parts: Sender[][], senders: number, timeoutMs: number, log: (l: string) => void): Promise<Latency & { firstError?: string }> {
  const startAt = nowMs() + 500;
  const warmupMs = Math.min(1000, (seconds * 1000) / 5);
  log(`\nlatency: ${rate} msgs/s offered open-loop over ${senders} senders for ${seconds} s (first ${warmupMs} ms not measured)`);
  const fl = sum(await fleet.each<SendResult>((i) => (parts[i]!.length ? { cmd: 'paced', phase, senders: parts[i]!, rate: (rate * parts[i]!.length) / senders, seconds, startAt } : null), timeoutMs));
  const dl = await drain(fleet, phase, fl.sent, 3000, 20_000);
  const lats = (await fleet.each<Receipts>(() => ({ cmd: 'receipts', phase, measureFrom: startAt + warmupMs }), 30_000)).flatMap((r) => r.latencies ?? []);
  lats.sort((a, b) => a - b);
  const latency = {
    offered: rate, sent: fl.sent, acked: fl.acked, errors: fl.errors, delivered: dl.count,
    p50: percentile(lats, 50), p99: percentile(lats, 99), max: lats.length ? lats[lats.length - 1]! : NaN, samples: lats.length,
    sendSpanS: (fl.end - fl.start) / 1000,
  };
  log(`  sent ${latency.sent} in ${latency.sendSpanS.toFixed(1)} s, delivered ${latency.delivered}, p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms (${latency.samples} samples)`);
  return { ...latency, ...(fl.firstError ? { firstError: fl.firstError } : {}) };
}
