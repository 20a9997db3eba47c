import type { Sim } from './sim.js';
import { Rng } from './rng.js';
import { DAY, HOUR, MINUTE, residential, country, type Account } from './world.js';

/**
 * Legitimate behaviour: conversations with contacts (typing, reading, replying), group posts by
 * organisers, announcers who join mid-month and tell every contact their new number, travellers
 * whose network moves abroad for a week, VPN users, third-party clients.
 */

const SESSIONS_PER_DAY = 1.6;

export function scheduleLegit(sim: Sim, rng: Rng, start: number, days: number): void {
  const end = start + days * DAY;
  for (const id of sim.world.legitIds) {
    const a = sim.account(id);
    if (a.kind === 'announcer') {
      sim.at(a.facts.createdAt, () => announce(sim, rng, a, end));
      continue;
    }
    // A client connects (logs in) before it sends anything.
    const loginAt = start + rng.int(0, 12 * HOUR);
    sim.at(loginAt, () => sim.login(a));
    sim.at(loginAt + rng.exp(DAY / SESSIONS_PER_DAY), () => session(sim, rng, a, end));
    if (a.kind === 'traveller') {
      const leave = start + rng.int(1, Math.max(1, days - 8)) * DAY + rng.int(0, 20) * HOUR;
      const home = a.network;
      sim.at(leave, async () => {
        let abroad = country(rng);
        while (abroad.cc === home.country) abroad = country(rng);
        a.network = residential(rng, abroad);
        await sim.login(a);
      });
      sim.at(leave + 7 * DAY, async () => {
        a.network = home;
        await sim.login(a);
      });
    }
  }
}

/** One sitting: a chat with a contact, or (organisers) a post to their group. */
async function session(sim: Sim, rng: Rng, a: Account, end: number): Promise<void> {
  const now = sim.now();
  if (now >= end) return;
  sim.at(now + rng.exp(DAY / SESSIONS_PER_DAY), () => session(sim, rng, a, end));
  if (sim.banned.has(a.id)) return;
  if (a.groupMembers && rng.chance(0.5)) {
    if (a.typing) await sim.behaviour(a, 'typing');
    const r = await sim.send(a, a.groupMembers, a.groupChat!);
    if (r.ok) for (const m of a.groupMembers.slice(0, 5)) sim.at(now + rng.exp(HOUR), () => readBy(sim, sim.account(m)));
    return;
  }
  if (a.contacts.size === 0) return;
  const contacts = [...a.contacts];
  await chat(sim, rng, a, rng.pick(contacts), rng.int(1, 5), 2);
}

/** A few messages to one person, seconds apart; they read and, usually, answer. */
export async function chat(sim: Sim, rng: Rng, a: Account, to: number, n: number, depth: number): Promise<void> {
  let t = sim.now();
  if (a.typing) await sim.behaviour(a, 'typing');
  for (let i = 0; i < n; i++) {
    t += rng.int(4, 45) * 1000;
    sim.at(t, () => sendWithRetry(sim, a, [to], 3));
  }
  const other = sim.account(to);
  sim.at(t + rng.exp(20 * MINUTE), () => readBy(sim, other));
  if (depth > 0 && rng.chance(0.75)) sim.at(t + rng.exp(30 * MINUTE), () => chat(sim, rng, other, a.id, rng.int(1, 4), depth - 1));
}

async function readBy(sim: Sim, a: Account): Promise<void> {
  if (a.reads) await sim.behaviour(a, 'read');
}

/** A person who hits the rate limit waits as told and tries again (a few times). */
async function sendWithRetry(sim: Sim, a: Account, to: number[], tries: number): Promise<void> {
  const r = await sim.send(a, to);
  if (!r.ok && !r.banned && tries > 1) sim.at(sim.now() + r.retryAfterMs, () => sendWithRetry(sim, a, to, tries - 1));
}

/**
 * A new user (new number) registers and writes to every contact within half an hour; most answer
 * within hours and save the new number. The hardest legitimate case: new account, many strangers.
 */
async function announce(sim: Sim, rng: Rng, a: Account, end: number): Promise<void> {
  const reg = await sim.register(a);
  if (!reg.ok) return;
  let t = sim.now() + 2 * MINUTE;
  for (const c of a.contacts) {
    t += rng.int(10, 40) * 1000;
    sim.at(t, async () => {
      if (a.typing && rng.chance(0.3)) await sim.behaviour(a, 'typing');
      const r = await sim.send(a, [c]);
      if (!r.ok) return;
      const other = sim.account(c);
      if (rng.chance(0.7)) {
        sim.at(sim.now() + rng.exp(2 * HOUR), async () => {
          other.contacts.add(a.id);
          await readBy(sim, other);
          await chat(sim, rng, other, a.id, rng.int(1, 3), 1);
        });
      }
    });
  }
  sim.at(t + rng.exp(DAY / SESSIONS_PER_DAY), () => session(sim, rng, a, end));
}
