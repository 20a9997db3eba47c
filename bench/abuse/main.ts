/**
 * `npm run bench:abuse`: a seeded, deterministic month of a Parley instance — legitimate users on a
 * contact graph plus six kinds of attacker — driving the real src/shield engine and the real rate
 * limiter in virtual time (Date and timers faked with @sinonjs/fake-timers). Run twice with the same
 * seed: with the shield, and with rate limits only (the baseline). The last stdout line is JSON.
 */
import FakeTimers from '@sinonjs/fake-timers';
import { Rng } from './rng.js';
import { buildWorld, DAY, HOUR } from './world.js';
import { Sim, type Mode } from './sim.js';
import { scheduleLegit } from './legit.js';
import { scheduleAttackers, DEFAULT_PLAN } from './attackers.js';
import { scheduleMassReports } from './mass-report.js';
import { figures, printReport, type RunResult } from './report.js';

interface Options {
  users: number;
  days: number;
  seed: number;
}

function parse(argv: string[]): Options {
  const o: Options = { users: 10_000, days: 30, seed: 42 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], Number(argv[i + 1])];
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag}: give a positive integer`);
    if (flag === '--users') o.users = value;
    else if (flag === '--days') o.days = value;
    else if (flag === '--seed') o.seed = value;
    else throw new Error(`unknown option ${flag} (known: --users, --days, --seed)`);
  }
  return o;
}

// Monday 00:00 UTC: the schedules use UTC working hours.
const START = Date.UTC(2026, 1, 2);

async function run(o: Options, mode: Mode): Promise<RunResult> {
  const clock = FakeTimers.install({ now: START, toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  const wall = process.hrtime.bigint();
  try {
    const rng = new Rng(o.seed);
    const world = buildWorld(rng.fork(1), o.users, START);
    const sim = new Sim(world, mode, rng.fork(2), () => Date.now());
    // The baseline needs no legitimate traffic: attackers do not depend on it (recipients are drawn by id).
    if (mode === 'shield') scheduleLegit(sim, rng.fork(3), START, o.days);
    scheduleAttackers(sim, rng.fork(4), START, o.days, DEFAULT_PLAN);
    const victims: number[] = [];
    scheduleMassReports(sim, rng.fork(5), START, o.days, DEFAULT_PLAN.ops.mass_report, victims);
    const end = START + o.days * DAY;
    let nextSweep = START + HOUR;
    for (let ev = sim.q.pop(); ev && ev.t < end + 2 * DAY; ev = sim.q.pop()) {
      if (ev.t > Date.now()) clock.tick(ev.t - Date.now());
      if (ev.t >= nextSweep) {
        await sim.counters.sweep(Date.now());
        nextSweep += HOUR;
      }
      await ev.v();
    }
    return { sim, victims, wallS: Number(process.hrtime.bigint() - wall) / 1e9 };
  } finally {
    clock.uninstall();
  }
}

const o = parse(process.argv.slice(2));
const log = (l: string) => process.stdout.write(`${l}\n`);
log(`simulating ${o.days} days, ${o.users} legitimate users, seed ${o.seed} …`);
const withShield = await run(o, 'shield');
log(`  with shield: ${withShield.wallS.toFixed(1)} s wall`);
const baseline = await run(o, 'baseline');
log(`  rate limits only: ${baseline.wallS.toFixed(1)} s wall`);
const f = figures(o, withShield, baseline);
printReport(o, f, log);
log(JSON.stringify(f));
