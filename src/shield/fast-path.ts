import type { ClientFacts, CounterStore, NetworkFacts, SyncCounterStore, Verdict } from './types.js';
import type { SendFacts, ShieldConfig } from './facts.js';
import type { SignalValues } from './score.js';
import type { AccountKeys, KeyCache } from './keys.js';
import type { SignalName } from './weights.js';
import { DAY } from './keys.js';
import { scoreVerdict } from './score.js';
import { identitySignals, type SendCounts, type SlowCounters, type Subject } from './evaluate.js';
import { burst30s } from './signals/burst.js';
import { strangersDay } from './signals/strangers.js';
import { noClientBehaviour } from './signals/no-client-behaviour.js';
import { registrationWave } from './signals/registration-wave.js';
import { asReputation, asReputationForAge } from './signals/as-reputation.js';
import { spamReports } from './signals/spam-reports.js';
import { blocksReceived } from './signals/blocks.js';

/**
 * The send path on a synchronous store (issue 6, "scoring ≤ 20 µs per message p99"). With the memory
 * store every counter operation used to be an awaited promise — a microtask hop and several objects each,
 * about ten per message — which was most of the cost. This file is the same computation as Shield.send +
 * evaluate() with the sync store methods, so verdicts are identical; fast-path.test.ts compares both paths and
 * the simulation bench checks its outcome figures did not move. Keep the two in step when a signal changes.
 */

/** What the send path shares with the Shield instance. */
export interface SendContext {
  readonly config: ShieldConfig;
  readonly weights: Readonly<Record<SignalName, number>>;
  readonly slow: SlowCounters;
  readonly keys: KeyCache;
  readonly sessions: Map<number, { network: NetworkFacts | null; client: ClientFacts | null }>;
}

/**
 * A scored send: `verdict` is final unless it is a ban (or shadow ban), which the caller stores through
 * the BanStore (Shield.decide) from `values` — already re-read fresh in that case.
 */
export interface SendScore {
  subject: Subject;
  values: SignalValues;
  verdict: Verdict;
}

/** The store's synchronous twin, or null when it only has the async interface (SQL). */
export function syncStore(c: CounterStore): SyncCounterStore | null {
  const s = c as CounterStore & Partial<SyncCounterStore>;
  return typeof s.incrementSync === 'function' && typeof s.getSync === 'function' && typeof s.addToSetSync === 'function' && typeof s.setSizeSync === 'function' ? (s as SyncCounterStore) : null;
}

/** Never shadowed: the first pass only asks "would this ban?" (Shield.decide applies shadow mode). */
const NO_SHADOW = (): boolean => false;

/** Counts the message (30 s, day, strangers) and scores it; null when the shield is disabled. */
export function scoreSendSync(ctx: SendContext, c: SyncCounterStore, facts: SendFacts, now: number): SendScore | null {
  const acct = facts.account.accountId;
  const k = ctx.keys.account(acct, now);
  const cur = c.incrementSync(k.burst, 1, 60_000, now);
  const sentToday = c.incrementSync(k.sentDay, 1, 2 * DAY, now);
  let strangersToday = 0;
  const ids = facts.strangerIds;
  if (ids.length === 0) strangersToday = c.setSizeSync(k.strangersDay, now);
  else if (facts.group) strangersToday = c.addToSetSync(k.strangersDay, `g${facts.group.chatId}`, DAY, now);
  else for (let i = 0; i < ids.length; i++) strangersToday = c.addToSetSync(k.strangersDay, String(ids[i]), DAY, now);
  if (!ctx.config.enabled) return null;
  const remembered = facts.network && facts.client ? undefined : ctx.sessions.get(acct);
  const a = facts.account;
  const subject: Subject = {
    accountId: acct, createdAt: a.createdAt, phone: a.phone,
    network: facts.network ?? remembered?.network ?? null,
    client: facts.client ?? remembered?.client ?? null,
  };
  const counts: SendCounts = { burst: burstCountSync(c, k, now, cur), sentToday, strangersToday };
  let values = evaluateSync(c, ctx.slow, ctx.keys, subject, now, counts, false);
  const verdict = scoreVerdict(values, ctx.weights, ctx.config.threshold, NO_SHADOW);
  // A would-be ban is confirmed on fresh counters: the cached ones may predate a forgiveness elsewhere.
  if (verdict.action === 'ban') values = evaluateSync(c, ctx.slow, ctx.keys, subject, now, counts, true);
  return { subject, values, verdict };
}

/** evaluate() (evaluate.ts) on the send path, over a synchronous store. */
function evaluateSync(c: SyncCounterStore, slow: SlowCounters, keys: KeyCache, s: Subject, now: number, counts: SendCounts, fresh: boolean): SignalValues {
  const k = keys.withEpochSync(c, keys.account(s.accountId, now), now, fresh);
  const v = identitySignals(s, now);
  const net = s.network;
  v.burst_30s = burst30s(counts.burst);
  v.strangers_day = strangersDay(counts.strangersToday);
  if (noClientBehaviour(counts.sentToday, 0) > 0) {
    v.no_client_behaviour = noClientBehaviour(counts.sentToday, c.getSync(k.behaviourToday, now) + c.getSync(k.behaviourYesterday, now));
  }
  // Held slots (keys.ts records) skip the cache's Map lookups; SlowCounters.hold re-fetches stale ones.
  v.spam_reports = spamReports(slow.readSync(c, (k.reportSlot = slow.hold(k.reportSlot, k.reportWeight)), now, fresh) / 100);
  v.blocks_received = blocksReceived(slow.readSync(c, (k.blockSlot = slow.hold(k.blockSlot, k.blockWeight)), now, fresh) / 100);
  if (net?.blockHash) {
    const b = keys.block(net.blockHash);
    v.registration_wave = registrationWave(slow.readSync(c, (b.slot = slow.hold(b.slot, b.registrations)), now, fresh));
  }
  if (net?.asn != null) {
    const as = keys.asKeys(net.asn);
    const seen = slow.readSync(c, (as.seenSlot = slow.hold(as.seenSlot, as.seen)), now, fresh, true);
    const excess = seen > 0 ? asReputation(seen, slow.readSync(c, (as.bannedSlot = slow.hold(as.bannedSlot, as.banned)), now, fresh, true)) : 0;
    v.as_reputation = asReputationForAge(excess, now - s.createdAt);
  }
  return v;
}

/** burstCount() (evaluate.ts) over a synchronous store. */
function burstCountSync(c: SyncCounterStore, k: AccountKeys, now: number, current: number): number {
  const prev = c.getSync(k.burstPrev, now);
  const overlap = 1 - (now - k.bucket * 30_000) / 30_000;
  return current + Math.floor(prev * overlap);
}
