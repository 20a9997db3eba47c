import type { Sim } from './sim.js';
import { Rng } from './rng.js';
import { DAY, HOUR, MINUTE, HOSTING_ASES, country, hostingNet, residential, type Account } from './world.js';

/**
 * The attackers. Each operator draws from its own random stream, and the scripts do not look at
 * the engine's internals: they only see what a client sees (accepted, rate-limited with retry-after,
 * banned). A banned operator comes back with a fresh account after its cool-down.
 */

export const ATTACKER_TYPES = ['naive_bulk', 'slow', 'wave', 'as_rotating', 'automation', 'mass_report'] as const;
export type AttackerType = (typeof ATTACKER_TYPES)[number];

export interface AttackPlan {
  ops: Record<AttackerType, number>;
}

export const DEFAULT_PLAN: AttackPlan = { ops: { naive_bulk: 20, slow: 5, wave: 3, as_rotating: 4, automation: 5, mass_report: 4 } };

let nextId = 10_000_000;

function spawn(sim: Sim, rng: Rng, kind: AttackerType, opts: { ageDays?: number; network?: Account['network']; unofficial?: boolean; voip?: boolean }): Account {
  const id = nextId++;
  const home = country(rng);
  const phoneCountry = rng.chance(0.5) ? home : country(rng);
  const phone = opts.voip ? `+4456${rng.int(10_000_000, 99_999_999)}` : phoneCountry.phone(rng);
  const a: Account = {
    id, kind, legit: false, joinsAt: 0, contacts: new Set(),
    facts: { accountId: id, createdAt: sim.now() - (opts.ageDays ?? 0) * DAY, phone },
    network: opts.network ?? residential(rng, home),
    client: { client: opts.unofficial ? 'unofficial' : 'official', lang: rng.chance(0.7) ? home.lang : country(rng).lang },
    typing: false, reads: false,
  };
  sim.world.accounts[id] = a;
  sim.stat(id);
  return a;
}

function stranger(sim: Sim, rng: Rng): number {
  return rng.pick(sim.world.legitIds);
}

/**
 * Sends `n` messages to strangers, `gap` ms apart (a function, for jitter), honouring retry-after.
 * Resolves with the reason it stopped: done or banned. `until` bounds the working time.
 */
function spam(sim: Sim, rng: Rng, a: Account, n: number, gap: () => number, until: number, done: (banned: boolean) => void): void {
  let left = n;
  const step = async (): Promise<void> => {
    if (sim.now() >= until || left <= 0) return done(false);
    const r = await sim.send(a, [stranger(sim, rng)]);
    if (!r.ok && r.banned) return done(true);
    if (r.ok) left--;
    sim.at(sim.now() + (r.ok ? gap() : r.retryAfterMs), step);
  };
  sim.at(sim.now(), step);
}

export function scheduleAttackers(sim: Sim, root: Rng, start: number, days: number, plan: AttackPlan = DEFAULT_PLAN): void {
  const end = start + days * DAY;
  const dayStart = (t: number, h: number) => Math.floor(t / DAY) * DAY + h * HOUR;

  for (let i = 0; i < plan.ops.naive_bulk; i++) {
    const rng = root.fork(1000 + i);
    sim.at(start + rng.next() * (end - start - HOUR), async () => {
      const a = spawn(sim, rng, 'naive_bulk', { network: rng.chance(0.5) ? hostingNet(rng, false) : undefined, unofficial: rng.chance(0.5) });
      if ((await sim.register(a)).ok) spam(sim, rng, a, 100, () => 150, end, () => undefined);
    });
  }

  // Slow: bought aged accounts on residential proxies, one message every 2–4 minutes, 12 hours a day.
  for (let i = 0; i < plan.ops.slow; i++) {
    const rng = root.fork(2000 + i);
    const run = (t: number): void =>
      sim.at(t, async () => {
        const a = spawn(sim, rng, 'slow', { ageDays: rng.int(60, 400) });
        a.reads = rng.chance(0.3);
        await sim.login(a);
        const shift = (): void => {
          const from = Math.max(sim.now(), dayStart(sim.now(), 8));
          sim.at(from, () => spam(sim, rng, a, Infinity, () => rng.int(120, 240) * 1000, Math.min(end, dayStart(from, 20)), (banned) => {
            if (banned) return run(sim.now() + DAY);
            if (sim.now() < end - DAY) sim.at(dayStart(sim.now(), 24 + 8), shift);
          }));
          if (a.reads) sim.at(from + HOUR, () => sim.behaviour(a, 'read'));
        };
        shift();
      });
    run(start + rng.int(0, 2) * DAY);
  }

  // Wave: 20 fresh accounts from one hosting block in 40 minutes, then 1 message a minute for 3 hours.
  for (let i = 0; i < plan.ops.wave; i++) {
    const rng = root.fork(3000 + i);
    const t0 = start + rng.next() * (end - start - DAY);
    const block = hostingNet(rng, false);
    for (let k = 0; k < 20; k++) {
      let a: Account | null = null;
      const attempt = async (): Promise<void> => {
        a ??= spawn(sim, rng, 'wave', { network: block, unofficial: rng.chance(0.5), voip: rng.chance(0.5) });
        const reg = await sim.register(a);
        if (reg.retryAfterMs) return sim.at(sim.now() + reg.retryAfterMs, attempt);
        if (reg.ok) spam(sim, rng, a, 180, () => MINUTE, end, () => undefined);
      };
      sim.at(t0 + k * 2 * MINUTE, attempt);
    }
  }

  // AS rotation: a fresh account on the next hosting AS every ~20 minutes, 30 messages each, 8 hours a day.
  for (let i = 0; i < plan.ops.as_rotating; i++) {
    const rng = root.fork(4000 + i);
    let asIndex = rng.int(0, HOSTING_ASES.length - 1);
    const next = async (): Promise<void> => {
      if (sim.now() >= end) return;
      const hour = Math.floor((sim.now() % DAY) / HOUR);
      if (hour < 9 || hour >= 17) return sim.at(dayStart(sim.now(), hour < 9 ? 9 : 33), next);
      const a = spawn(sim, rng, 'as_rotating', { network: hostingNet(rng, false, HOSTING_ASES[asIndex++ % HOSTING_ASES.length]), unofficial: rng.chance(0.3) });
      const reg = await sim.register(a);
      if (reg.retryAfterMs) return sim.at(sim.now() + 10 * MINUTE, next);
      if (!reg.ok) return sim.at(sim.now() + 10 * MINUTE, next);
      spam(sim, rng, a, 30, () => rng.int(15, 25) * 1000, end, () => sim.at(sim.now() + 10 * MINUTE, next));
    };
    sim.at(start + rng.int(0, 3) * DAY + 9 * HOUR, next);
  }

  // Automation: unofficial client scripts on young accounts, a message every 45–90 s, 10 hours a day.
  for (let i = 0; i < plan.ops.automation; i++) {
    const rng = root.fork(5000 + i);
    const run = (t: number): void =>
      sim.at(t, async () => {
        const a = spawn(sim, rng, 'automation', { ageDays: rng.int(3, 30), unofficial: true });
        await sim.login(a);
        const shift = (): void => {
          const from = Math.max(sim.now(), dayStart(sim.now(), 9));
          sim.at(from, () => spam(sim, rng, a, Infinity, () => rng.int(45, 90) * 1000, Math.min(end, dayStart(from, 19)), (banned) => {
            if (banned) return run(sim.now() + 12 * HOUR);
            if (sim.now() < end - DAY) sim.at(dayStart(sim.now(), 24 + 9), shift);
          }));
        };
        shift();
      });
    run(start + rng.int(0, 2) * DAY);
  }
}
