import { loadConfig } from '../kernel/config.js';
import { ManualClock } from '../kernel/clock.js';
import type { NetworkFacts } from './types.js';
import { MemoryBanStore, MemoryCounterStore } from './memory-stores.js';
import { Shield, type ShieldConfig, type ShieldMetricsHook } from './shield.js';

/** A shield over memory stores and a manual clock, for unit tests and the bench's set-up. */
export function testShield(shield: Record<string, unknown> = {}, start = Date.UTC(2026, 0, 5, 12)): {
  shield: Shield;
  clock: ManualClock;
  counters: MemoryCounterStore;
  bans: MemoryBanStore;
  config: ShieldConfig;
  events: string[];
} {
  const config = loadConfig({ env: {}, file: null, overrides: { shield: { secret: 'test-secret', ...shield } } }).shield;
  const clock = new ManualClock(start);
  const counters = new MemoryCounterStore();
  const bans = new MemoryBanStore();
  const events: string[] = [];
  const metrics: ShieldMetricsHook = {
    verdict: (e, v) => events.push(`${e}:${v.action}:${v.shadowBan ? 'shadow' : 'enforced'}:${v.reason}`),
    rateLimited: (k) => events.push(`rate:${k}`),
    report: (counted) => events.push(`report:${counted}`),
  };
  return { shield: new Shield({ config, counters, bans, clock, metrics }), clock, counters, bans, config, events };
}

/** Plain residential network facts. */
export function homeNet(p: Partial<NetworkFacts> = {}): NetworkFacts {
  return { country: 'IT', asn: 3269, hosting: false, vpn: false, blockHash: 'home-block', ...p };
}
