import { availableParallelism, cpus, loadavg } from 'node:os';
import type { Sim } from './sim.js';
import { ATTACKER_TYPES } from './attackers.js';
import { quantile } from './rng.js';

export interface RunResult {
  sim: Sim;
  victims: number[];
  wallS: number;
}

interface TypeFigures {
  accounts: number;
  spamDelivered: number;
  baselineDelivered: number;
  reductionPct: number | null;
  banned: number;
  notBanned: number;
  msgsBeforeBanMedian: number | null;
  msgsBeforeBanP95: number | null;
  msgsBeforeBanMax: number | null;
  appeals: number;
  appealsAccepted: number;
}

function perType(r: RunResult, legit: boolean, kind?: string): { accounts: number; delivered: number; before: number[]; notBanned: number; appeals: number; accepted: number } {
  const out = { accounts: 0, delivered: 0, before: [] as number[], notBanned: 0, appeals: 0, accepted: 0 };
  for (const [id, s] of r.sim.stats) {
    const a = r.sim.account(id);
    if (a.legit !== legit || (kind && a.kind !== kind)) continue;
    out.accounts++;
    out.delivered += s.delivered;
    if (s.bannedAfter !== null) out.before.push(s.bannedAfter);
    else out.notBanned++;
    if (s.appealed) out.appeals++;
    if (s.reinstated) out.accepted++;
  }
  return out;
}

const pct = (a: number, b: number) => (b > 0 ? Math.round((1 - a / b) * 1000) / 10 : null);

export function figures(o: { users: number; days: number; seed: number }, withShield: RunResult, baseline: RunResult) {
  const types: Record<string, TypeFigures> = {};
  let spam = 0;
  let base = 0;
  for (const kind of ATTACKER_TYPES) {
    const s = perType(withShield, false, kind);
    const b = perType(baseline, false, kind);
    spam += s.delivered;
    base += b.delivered;
    types[kind] = {
      accounts: s.accounts, spamDelivered: s.delivered, baselineDelivered: b.delivered, reductionPct: pct(s.delivered, b.delivered),
      banned: s.before.length, notBanned: s.notBanned,
      msgsBeforeBanMedian: quantile(s.before, 0.5), msgsBeforeBanP95: quantile(s.before, 0.95), msgsBeforeBanMax: quantile(s.before, 1),
      appeals: s.appeals, appealsAccepted: s.accepted,
    };
  }
  const legit = perType(withShield, true);
  // Legit accounts only appear in stats once they send; the population is the configured size.
  const legitBanned = legit.before.length;
  // Who they were and why: the false positives are the interesting part of the run.
  const legitBans = [...withShield.sim.stats].filter(([id, s]) => s.bannedAt !== null && withShield.sim.account(id).legit).map(([id, s]) => `${withShield.sim.account(id).kind}: ${s.reason} (score ≥ threshold; top ${s.top})`);
  const victimsBanned = withShield.victims.filter((id) => withShield.sim.stats.get(id)?.bannedAt != null).length;
  const costs = withShield.sim.costsNs;
  const us = (q: number) => Math.round((quantile(costs, q) ?? 0) / 10) / 100;
  const naive = types.naive_bulk!;
  const byReason = Object.fromEntries(withShield.sim.verdicts.byReason);
  const f = {
    bench: 'abuse', seed: o.seed, days: o.days, legitUsers: o.users,
    spamDelivered: spam, baselineSpamDelivered: base, reductionPct: pct(spam, base),
    legitMessagesDelivered: legit.delivered, legitBanned, legitBans, legitBannedPer10k: Math.round((legitBanned / o.users) * 10_000 * 100) / 100,
    legitAppeals: legit.appeals, legitAppealsAccepted: legit.accepted, legitRateLimited: withShield.sim.verdicts.legitRateLimited,
    massReportVictims: withShield.victims.length, massReportVictimsBanned: victimsBanned,
    attackerAppeals: Object.values(types).reduce((n, t) => n + t.appeals, 0),
    scoringUsP50: us(0.5), scoringUsP99: us(0.99), scoredMessages: costs.length,
    bansByReason: byReason, shadowVerdicts: withShield.sim.verdicts.shadow,
    types,
    targets: {
      reduction75: (pct(spam, base) ?? 0) >= 75,
      legitBanPer10kAtMost1: (legitBanned / o.users) * 10_000 <= 1,
      naiveBulkBannedWithin20: naive.notBanned === 0 && (naive.msgsBeforeBanP95 ?? Infinity) <= 20,
      massReportNoLegitBan: victimsBanned === 0,
      scoringP99AtMost20us: us(0.99) <= 20,
    },
    wallS: Math.round((withShield.wallS + baseline.wallS) * 10) / 10,
    /** 1-minute load average at the end: other work on the machine inflates the µs figures. */
    loadavg1: Math.round(loadavg()[0]! * 10) / 10,
    machine: `${availableParallelism()} vCPU (${cpus()[0]?.model.trim() ?? '?'}), node ${process.version}`,
  };
  return f;
}

export type Figures = ReturnType<typeof figures>;

export function printReport(o: { users: number; days: number; seed: number }, f: Figures, log: (l: string) => void): void {
  const def = o.users === 10_000 && o.days === 30 && o.seed === 42;
  log('');
  log(`command: cd ${process.cwd()} && npm run bench:abuse${def ? '' : ` -- --users ${o.users} --days ${o.days} --seed ${o.seed}`}`);
  log(`machine: ${f.machine}; 1-min load average at the end ${f.loadavg1}`);
  log('');
  log('| attacker | accounts | spam delivered (shield / rate limits only) | reduction | banned | msgs before ban (median / p95 / max) | appeals (accepted) |');
  log('|---|---|---|---|---|---|---|');
  for (const [k, t] of Object.entries(f.types)) {
    log(`| ${k} | ${t.accounts} | ${t.spamDelivered} / ${t.baselineDelivered} | ${t.reductionPct ?? '–'} % | ${t.banned}${t.notBanned ? ` (${t.notBanned} not)` : ''} | ${t.msgsBeforeBanMedian ?? '–'} / ${t.msgsBeforeBanP95 ?? '–'} / ${t.msgsBeforeBanMax ?? '–'} | ${t.appeals} (${t.appealsAccepted}) |`);
  }
  log(`| **all** | | **${f.spamDelivered} / ${f.baselineSpamDelivered}** | **${f.reductionPct} %** | | | ${f.attackerAppeals} (0) |`);
  log('');
  const mark = (b: boolean) => (b ? 'met' : 'MISSED');
  log(`spam reduction vs rate limits only: ${f.reductionPct} % (target ≥ 75 %: ${mark(f.targets.reduction75)})`);
  log(`legitimate accounts banned: ${f.legitBanned} of ${f.legitUsers} = ${f.legitBannedPer10k} per 10,000 (target ≤ 1: ${mark(f.targets.legitBanPer10kAtMost1)}); appeals ${f.legitAppeals}, accepted ${f.legitAppealsAccepted}`);
  for (const b of f.legitBans) log(`  legit ban: ${b}`);
  log(`naive bulk: msgs before ban p95 ${f.types.naive_bulk?.msgsBeforeBanP95} (target ≤ 20: ${mark(f.targets.naiveBulkBannedWithin20)})`);
  log(`mass-report victims banned: ${f.massReportVictimsBanned} of ${f.massReportVictims} (target 0: ${mark(f.targets.massReportNoLegitBan)})`);
  log(`scoring cost per message: p50 ${f.scoringUsP50} µs, p99 ${f.scoringUsP99} µs over ${f.scoredMessages} sends (target p99 ≤ 20 µs: ${mark(f.targets.scoringP99AtMost20us)})`);
  log(`legit messages delivered: ${f.legitMessagesDelivered}; legit sends rate-limited: ${f.legitRateLimited}; bans by reason: ${JSON.stringify(f.bansByReason)}`);
}
