import type { ClientFacts, CounterStore, NetworkFacts, SyncCounterStore } from './types.js';
import type { SignalValues } from './score.js';
import { behaviourKeys, burstPrevKey, type AccountKeys, type KeyCache, type SlowSlot } from './keys.js';
import { accountAge } from './signals/account-age.js';
import { burst30s } from './signals/burst.js';
import { strangersDay } from './signals/strangers.js';
import { unofficialClient } from './signals/unofficial-client.js';
import { noClientBehaviour } from './signals/no-client-behaviour.js';
import { hostingNetwork } from './signals/hosting.js';
import { vpnNetwork } from './signals/vpn.js';
import { asReputation, asReputationForAge } from './signals/as-reputation.js';
import { registrationWave } from './signals/registration-wave.js';
import { phoneFacts, phoneNetworkCountry } from './signals/phone.js';
import { voipNumber } from './signals/voip.js';
import { langCountry } from './signals/lang-country.js';
import { spamReports } from './signals/spam-reports.js';
import { blocksReceived } from './signals/blocks.js';

/** What the evaluator knows of an account at one moment. */
export interface Subject {
  accountId: number;
  createdAt: number;
  phone: string | null;
  network: NetworkFacts | null;
  client: ClientFacts | null;
}

/** Message-side counts the caller already holds (send path: just incremented). */
export interface SendCounts {
  burst: number;
  sentToday: number;
  strangersToday: number;
  /** Read the slow counters fresh even on the send path (confirming a would-be ban). */
  fresh?: boolean;
}

/**
 * Reads the counters an account's score depends on and turns them into signal values. Identity and
 * network signals are pure over the facts; behaviour comes from counters. `send` is null outside
 * the send path, in which case the message counters are read rather than incremented and the slow
 * counters are read fresh.
 */
export async function evaluate(c: CounterStore, slow: SlowCounters, keys: KeyCache, s: Subject, now: number, send: SendCounts | null): Promise<SignalValues> {
  const fresh = send === null || send.fresh === true;
  const k = await keys.withEpoch(c, keys.account(s.accountId, now), now, fresh);
  const v = identitySignals(s, now);
  const net = s.network;
  const counts = send ?? (await readSendCounts(c, k, now));
  v.burst_30s = burst30s(counts.burst);
  v.strangers_day = strangersDay(counts.strangersToday);
  // Behaviour only matters once enough was sent today: skip the reads before (the hot path).
  if (noClientBehaviour(counts.sentToday, 0) > 0) {
    const b = behaviourKeys(k);
    const behaviour = (await c.get(b.behaviourToday, now)) + (await c.get(b.behaviourYesterday, now));
    v.no_client_behaviour = noClientBehaviour(counts.sentToday, behaviour);
  }
  v.spam_reports = spamReports((await slow.read(c, k.reportWeight, now, fresh)) / 100);
  v.blocks_received = blocksReceived((await slow.read(c, k.blockWeight, now, fresh)) / 100);
  if (net?.blockHash) v.registration_wave = registrationWave(await slow.read(c, keys.registrations(net.blockHash), now, fresh));
  if (net?.asn != null) v.as_reputation = asReputationForAge(await asExcess(c, slow, keys.as(net.asn), now, fresh), now - s.createdAt);
  return v;
}

/** The signals that are pure over the facts (no counters); shared by evaluate and the sync fast path. */
export function identitySignals(s: Subject, now: number): SignalValues {
  const v: SignalValues = {};
  const net = s.network;
  v.account_age = accountAge(now - s.createdAt);
  v.unofficial_client = unofficialClient(s.client);
  v.hosting_network = hostingNetwork(net);
  v.vpn_network = vpnNetwork(net);
  const phone = phoneFacts(s.phone);
  v.phone_network_country = phoneNetworkCountry(phone.country, net?.country ?? null);
  v.voip_number = voipNumber(phone);
  v.lang_country = langCountry(s.client?.lang ?? null, net?.country ?? null, phone.country);
  return v;
}

/**
 * Short-lived per-instance cache of slow-moving counters: an AS's reputation, an account's weighted
 * reports and blocks, a block's registrations. They move over minutes to days, not per message, so the
 * send path reads them at most once a minute; register/login/report read fresh, and the Shield drops an
 * entry when it changes it itself. (On a cluster another node's report shows within the minute.)
 */
export class SlowCounters {
  private readonly slots = new Map<string, SlowSlot>();
  /** Bumped when the map is cleared, so slots held elsewhere (KeyCache records) are known stale. */
  private gen = 0;
  constructor(private readonly ttlMs = 60_000) {}

  /** The slot of key (created empty). Bounded: a full clear keeps memory flat; values re-read on demand. */
  slot(key: string): SlowSlot {
    let s = this.slots.get(key);
    if (!s) {
      if (this.slots.size >= 200_000) {
        this.slots.clear();
        this.gen++;
      }
      this.slots.set(key, (s = { key, value: 0, until: -Infinity, gen: this.gen, cell: null, absent: false }));
    }
    return s;
  }

  /** The live slot for key, reusing `held` while it is current: the send path skips the Map lookup. */
  hold(held: SlowSlot | null, key: string): SlowSlot {
    return this.current(held) ?? this.slot(key);
  }

  /** `held` while it is current, else null (then `slot(key)`: the key is only needed in that case). */
  current(held: SlowSlot | null): SlowSlot | null {
    return held !== null && held.gen === this.gen ? held : null;
  }

  async read(c: CounterStore, key: string, now: number, fresh: boolean, set = false): Promise<number> {
    const s = this.slot(key);
    if (!fresh && this.live(s, now)) return s.value;
    return this.fill(s, set ? await c.setSize(key, now) : await c.get(key, now), now);
  }

  /**
   * read() of a held slot on a synchronous store (fast-path.ts), through the slot's held cell.
   * `trustAbsent`: the store is claimed by this Shield and every write of this key is forgotten, so a
   * key found absent is still absent until then (SlowSlot.absent): the refresh needs no lookup.
   */
  readSync(c: SyncCounterStore, s: SlowSlot, now: number, fresh: boolean, set: boolean, trustAbsent: boolean): number {
    if (!fresh && this.live(s, now)) return s.value;
    let cell = s.cell;
    if (cell === null || cell.dead) {
      if (trustAbsent && !fresh && s.absent && cell === null) return this.fill(s, 0, now);
      s.cell = cell = set ? c.findSet(s.key) : c.findCounter(s.key);
      s.absent = cell === null;
    }
    return this.fill(s, cell === null ? 0 : set ? c.setSizeCell(cell, now) : c.getCell(cell, now), now);
  }

  forget(key: string): void {
    const s = this.slots.get(key);
    if (s) {
      s.until = -Infinity;
      s.absent = false;
    }
  }

  private live(s: SlowSlot, now: number): boolean {
    return s.gen === this.gen && s.until > now && s.until - now <= this.ttlMs;
  }

  private fill(s: SlowSlot, value: number, now: number): number {
    s.value = value;
    s.until = now + this.ttlMs;
    return value;
  }
}

async function asExcess(c: CounterStore, slow: SlowCounters, [seenKey, bannedKey]: [string, string], now: number, fresh: boolean): Promise<number> {
  const seen = await slow.read(c, seenKey, now, fresh, true);
  return seen > 0 ? asReputation(seen, await slow.read(c, bannedKey, now, fresh, true)) : 0;
}

/** Messages in the sliding 30 s window, approximated from two aligned buckets (the previous one weighted by overlap). */
export async function burstCount(c: CounterStore, k: AccountKeys, now: number, current: number | null): Promise<number> {
  const cur = current ?? (await c.get(k.burst, now));
  const prev = await c.get(burstPrevKey(k), now);
  const overlap = 1 - (now - k.bucket * 30_000) / 30_000;
  return cur + Math.floor(prev * overlap);
}

async function readSendCounts(c: CounterStore, k: AccountKeys, now: number): Promise<SendCounts> {
  return {
    burst: await burstCount(c, k, now, null),
    sentToday: await c.get(k.sentDay, now),
    strangersToday: await c.setSize(k.strangersDay, now),
  };
}
