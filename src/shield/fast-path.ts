import type { ClientFacts, CounterCell, CounterStore, NetworkFacts, SyncCounterStore, Verdict } from './types.js';
import type { SendFacts, ShieldConfig } from './facts.js';
import type { AccountKeys, KeyCache } from './keys.js';
import type { SignalName } from './weights.js';
import { DAY, behaviourKeys, burstPrevKey } from './keys.js';
import { SIGNAL_INDEX, scoreSignals } from './score.js';
import type { SlowCounters, Subject } from './evaluate.js';
import { accountAge } from './signals/account-age.js';
import { unofficialClient } from './signals/unofficial-client.js';
import { hostingNetwork } from './signals/hosting.js';
import { vpnNetwork } from './signals/vpn.js';
import { phoneFacts, phoneNetworkCountry } from './signals/phone.js';
import { voipNumber } from './signals/voip.js';
import { langCountry } from './signals/lang-country.js';
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
 *
 * What remained was memory, not arithmetic: a send of an account idle for a while touched ten or more
 * cold places — string-keyed lookups in maps of millions of keys, fresh key strings, per-message objects.
 * So the account's key record (keys.ts) holds the store's cells for its counters; keys the record knows
 * cannot exist on a store this Shield claimed (SyncCounterStore.claim) are not looked up at all; signal
 * values go into a scratch array instead of an object; nothing is created in the store by a read.
 */

/** What the send path shares with the Shield instance. */
export interface SendContext {
  readonly config: ShieldConfig;
  readonly weights: Readonly<Record<SignalName, number>>;
  /** `weights` in SIGNAL_NAMES order (scoreSignals). */
  readonly weightArray: Float64Array;
  /** Scratch signal values in SIGNAL_NAMES order (the send path is synchronous: one per Shield). */
  readonly values: Float64Array;
  readonly slow: SlowCounters;
  readonly keys: KeyCache;
  /** The store is claimed by this Shield (SyncCounterStore.claim): keys it knows it never wrote do not exist. */
  readonly exclusive: boolean;
  readonly sessions: Map<number, { network: NetworkFacts | null; client: ClientFacts | null }>;
}

/**
 * A would-be ban from the send path: the caller stores it through the BanStore (Shield.decide) from
 * `values` (SIGNAL_NAMES order), already re-read fresh. Any other verdict is final and returned as it is.
 * From the synchronous path `values` is the context's scratch array: read it before anything awaits.
 */
export interface SendScore {
  subject: Subject;
  values: Float64Array;
  verdict: Verdict;
}

/** The store's synchronous twin, or null when it only has the async interface (SQL). */
export function syncStore(c: CounterStore): SyncCounterStore | null {
  const s = c as CounterStore & Partial<SyncCounterStore>;
  return typeof s.counterCell === 'function' && typeof s.setCell === 'function' && typeof s.incrementCell === 'function' && typeof s.getCell === 'function' && typeof s.addToSetCell === 'function' && typeof s.setSizeCell === 'function' && typeof s.claim === 'function' ? (s as SyncCounterStore) : null;
}

/** Never shadowed: the first pass only asks "would this ban?" (Shield.decide applies shadow mode). */
const NO_SHADOW = (): boolean => false;

const S = SIGNAL_INDEX;

/**
 * Counts the message (30 s, day, strangers) and scores it: the verdict when it is not a ban, a
 * SendScore when it would be one, null when the shield is disabled. Everything it touches of the
 * account is reached through its key record (keys.ts): cells instead of key strings and Map lookups.
 */
export function scoreSendSync(ctx: SendContext, c: SyncCounterStore, facts: SendFacts, now: number): Verdict | SendScore | null {
  const a = facts.account;
  const acct = a.accountId;
  const k = ctx.keys.account(acct, now);
  const cur = c.incrementCell((k.burstCell = held(k.burstCell) ?? c.counterCell(k.burst)), 1, 60_000, now);
  const sentToday = c.incrementCell((k.sentDayCell = held(k.sentDayCell) ?? c.counterCell(k.sentDay)), 1, 2 * DAY, now);
  let strangersToday = 0;
  const ids = facts.strangerIds;
  if (ids.length === 0) {
    // Most sends: only the size, and no lookup when the record knows today's set was never made.
    let st = k.strangersCell;
    if ((st === null || st.dead) && !(ctx.exclusive && k.strangersEmpty && st === null)) k.strangersCell = st = c.findSet(k.strangersDay);
    strangersToday = st === null ? 0 : c.setSizeCell(st, now);
  } else {
    const st = (k.strangersCell = held(k.strangersCell) ?? c.setCell(k.strangersDay));
    if (facts.group) strangersToday = c.addToSetCell(st, `g${facts.group.chatId}`, DAY, now);
    else for (let i = 0; i < ids.length; i++) strangersToday = c.addToSetCell(st, String(ids[i]), DAY, now);
  }
  if (!ctx.config.enabled) return null;
  let network = facts.network ?? null;
  let client = facts.client ?? null;
  if (network === null || client === null) {
    const remembered = ctx.sessions.get(acct);
    network ??= remembered?.network ?? null;
    client ??= remembered?.client ?? null;
  }
  // The previous bucket: the record's own cell, nothing when the record knows it was never written, else a lookup.
  let pc = k.burstPrevCell;
  if ((pc === null || pc.dead) && !(ctx.exclusive && k.burstPrevEmpty && pc === null)) k.burstPrevCell = pc = c.findCounter(burstPrevKey(k));
  const prev = pc === null ? 0 : c.getCell(pc, now);
  const burst = cur + Math.floor(prev * (1 - (now - k.bucket * 30_000) / 30_000));
  const v = ctx.values;
  evaluateSync(c, ctx.slow, ctx.keys, k, v, a.createdAt, a.phone, network, client, now, burst, sentToday, strangersToday, false, ctx.exclusive);
  const verdict = scoreSignals(v, ctx.weightArray, ctx.config.threshold, NO_SHADOW);
  if (verdict.action !== 'ban') return verdict;
  // A would-be ban is confirmed on fresh counters: the cached ones may predate a forgiveness elsewhere.
  evaluateSync(c, ctx.slow, ctx.keys, k, v, a.createdAt, a.phone, network, client, now, burst, sentToday, strangersToday, true, ctx.exclusive);
  return { subject: { accountId: acct, createdAt: a.createdAt, phone: a.phone, network, client }, values: v, verdict };
}

/**
 * evaluate() (evaluate.ts) on the send path, over a synchronous store, into `v` (SIGNAL_NAMES order).
 * The same signals from the same inputs: identitySignals' pure functions, with the results of the
 * phone parse and the language's region kept on the record while its facts stay the same.
 */
function evaluateSync(
  c: SyncCounterStore, slow: SlowCounters, keys: KeyCache, k: AccountKeys, v: Float64Array,
  createdAt: number, phone: string | null, net: NetworkFacts | null, client: ClientFacts | null,
  now: number, burst: number, sentToday: number, strangersToday: number, fresh: boolean, exclusive: boolean,
): void {
  keys.withEpochSync(c, k, now, fresh, exclusive);
  v.fill(0);
  v[S.account_age] = accountAge(now - createdAt);
  v[S.unofficial_client] = unofficialClient(client);
  v[S.hosting_network] = hostingNetwork(net);
  v[S.vpn_network] = vpnNetwork(net);
  if (k.phoneOf !== phone) {
    const p = phoneFacts(phone);
    k.phoneOf = phone;
    k.phoneCountry = p.country;
    k.phoneVoip = voipNumber(p);
  }
  const netCountry = net?.country ?? null;
  v[S.phone_network_country] = phoneNetworkCountry(k.phoneCountry, netCountry);
  v[S.voip_number] = k.phoneVoip;
  const lang = client?.lang ?? null;
  if (k.langOf !== lang || k.langNet !== netCountry || k.langPhone !== k.phoneCountry) {
    k.langOf = lang;
    k.langNet = netCountry;
    k.langPhone = k.phoneCountry;
    k.langValue = langCountry(lang, netCountry, k.phoneCountry);
  }
  v[S.lang_country] = k.langValue;
  v[S.burst_30s] = burst30s(burst);
  v[S.strangers_day] = strangersDay(strangersToday);
  if (noClientBehaviour(sentToday, 0) > 0) {
    const today = (k.behaviourTodayCell = held(k.behaviourTodayCell) ?? c.findCounter(behaviourKeys(k).behaviourToday));
    const yesterday = (k.behaviourYesterdayCell = held(k.behaviourYesterdayCell) ?? c.findCounter(behaviourKeys(k).behaviourYesterday));
    const behaviour = (today === null ? 0 : c.getCell(today, now)) + (yesterday === null ? 0 : c.getCell(yesterday, now));
    v[S.no_client_behaviour] = noClientBehaviour(sentToday, behaviour);
  }
  // Held slots (keys.ts records) skip the cache's Map lookups; SlowCounters.hold re-fetches stale ones.
  // (The key strings sit at the record's cold end: read only when a slot has to be fetched.)
  v[S.spam_reports] = spamReports(slow.readSync(c, (k.reportSlot = slow.current(k.reportSlot) ?? slow.slot(k.reportWeight)), now, fresh, false, exclusive) / 100);
  v[S.blocks_received] = blocksReceived(slow.readSync(c, (k.blockSlot = slow.current(k.blockSlot) ?? slow.slot(k.blockWeight)), now, fresh, false, exclusive) / 100);
  if (net?.blockHash) {
    if (k.blockKeys === null || k.blockOf !== net.blockHash) {
      k.blockOf = net.blockHash;
      k.blockKeys = keys.block(net.blockHash);
    }
    const b = k.blockKeys;
    v[S.registration_wave] = registrationWave(slow.readSync(c, (b.slot = slow.hold(b.slot, b.registrations)), now, fresh, false, exclusive));
  }
  if (net?.asn != null) {
    if (k.asKeys === null || k.asnOf !== net.asn) {
      k.asnOf = net.asn;
      k.asKeys = keys.asKeys(net.asn);
    }
    const as = k.asKeys;
    // Accounts seen are added at login without a forget (a minute's staleness is fine): no trusted absence.
    const seen = slow.readSync(c, (as.seenSlot = slow.hold(as.seenSlot, as.seen)), now, fresh, true, false);
    const excess = seen > 0 ? asReputation(seen, slow.readSync(c, (as.bannedSlot = slow.hold(as.bannedSlot, as.banned)), now, fresh, true, exclusive)) : 0;
    v[S.as_reputation] = asReputationForAge(excess, now - createdAt);
  }
}

/** A held cell while it is its key's entry (not dropped by a sweep), else null: look the key up. */
function held(cell: CounterCell | null): CounterCell | null {
  return cell !== null && !cell.dead ? cell : null;
}
