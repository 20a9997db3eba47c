import type { Sim } from './sim.js';
import { Rng } from './rng.js';
import { DAY, HOUR, MINUTE, country, residential, type Account } from './world.js';

/**
 * Mass-report attack: 10 sybil accounts (bought, 10–60 days old) get a message from a legitimate
 * victim — by joining the victim's group, or by writing first so the victim answers — then all
 * report that message and block the victim. Half the victims are group organisers.
 */
export const SYBILS = 10;

export function scheduleMassReports(sim: Sim, root: Rng, start: number, days: number, attacks: number, victims: number[]): void {
  const organisers = sim.world.legitIds.filter((id) => sim.account(id).groupMembers);
  const regulars = sim.world.legitIds.filter((id) => sim.account(id).kind === 'regular');
  for (let i = 0; i < attacks; i++) {
    const rng = root.fork(6000 + i);
    const pool = i % 2 === 0 && organisers.length ? organisers : regulars;
    const victim = sim.account(rng.pick(pool));
    victims.push(victim.id);
    const t0 = start + rng.int(1, Math.max(1, days - 3)) * DAY + 10 * HOUR;
    sim.at(t0, async () => {
      const sybils: Account[] = [];
      for (let k = 0; k < SYBILS; k++) {
        const c = country(rng);
        const id = 20_000_000 + i * 100 + k;
        const s: Account = {
          id, kind: 'mass_report', legit: false, joinsAt: 0, contacts: new Set(),
          facts: { accountId: id, createdAt: sim.now() - rng.int(10, 60) * DAY, phone: c.phone(rng) },
          network: residential(rng, c), client: { client: 'official', lang: c.lang }, typing: true, reads: true,
        };
        sim.world.accounts[id] = s;
        sim.stat(id);
        await sim.login(s);
        sybils.push(s);
      }
      const reportAll = (msgId: number, target: Account[]) => {
        for (const s of target) {
          sim.at(sim.now() + rng.int(1, 30) * MINUTE, () => sim.report(s, victim, msgId));
          sim.at(sim.now() + rng.int(31, 60) * MINUTE, () => sim.block(s, victim));
        }
      };
      if (victim.groupMembers) {
        // They join the group (a public invite link) and wait for the organiser's next post.
        victim.groupMembers.push(...sybils.map((s) => s.id));
        sim.at(sim.now() + 3 * HOUR, async () => {
          const r = await sim.send(victim, victim.groupMembers!, victim.groupChat!);
          if (r.ok) reportAll(r.msgId, sybils);
        });
        return;
      }
      // They write first ("hi, is this the seller?"); the victim politely answers each; they report the answer.
      for (const s of sybils) {
        sim.at(sim.now() + rng.int(1, 60) * MINUTE, async () => {
          await sim.send(s, [victim.id]);
          sim.at(sim.now() + rng.int(5, 90) * MINUTE, async () => {
            const r = await sim.send(victim, [s.id]);
            if (r.ok) reportAll(r.msgId, [s]);
          });
        });
      }
    });
  }
}
