import type { AccountBan, BanStore, CounterCell, CounterStore, SyncCounterStore } from './types.js';

/**
 * In-memory CounterStore (tests, the simulation, single-process servers without SQL counters).
 * Windows are fixed: a key's window starts at its first increment (or first set member) and lasts
 * ttlMs; once `now` passes the end the key reads as zero/empty and the next write starts a new window.
 * The SQL store (sql-counter-store.ts) follows the same semantics.
 *
 * Every key is one cell object (CounterCell), reset in place when a new window starts, so the send path
 * can hold an account's cells in its key record (keys.ts) and reach them without a lookup in these maps
 * of millions of keys (the lookups were a third of the send path's time). `sweep` is the only thing that
 * removes cells, and marks them dead so holders look them up again. Reads never create a cell, so the
 * maps hold only keys that were written (a Map insert is what grows and rehashes these big tables).
 */
export class MemoryCounterStore implements CounterStore, SyncCounterStore {
  private readonly counts = new Map<string, CounterCell>();
  private readonly sets = new Map<string, CounterCell>();
  private claimed = false;

  claim(): boolean {
    if (this.claimed || this.counts.size > 0 || this.sets.size > 0) return false;
    return (this.claimed = true);
  }

  async increment(key: string, by: number, ttlMs: number, now: number): Promise<number> {
    return this.incrementSync(key, by, ttlMs, now);
  }

  /** Synchronous forms (SyncCounterStore): the shield's send path uses them when the store is this one. */
  incrementSync(key: string, by: number, ttlMs: number, now: number): number {
    return this.incrementCell(this.counterCell(key), by, ttlMs, now);
  }

  async get(key: string, now: number): Promise<number> {
    return this.getSync(key, now);
  }

  getSync(key: string, now: number): number {
    const e = this.counts.get(key);
    return e === undefined ? 0 : this.getCell(e, now);
  }

  async addToSet(key: string, member: string, ttlMs: number, now: number): Promise<number> {
    return this.addToSetSync(key, member, ttlMs, now);
  }

  addToSetSync(key: string, member: string, ttlMs: number, now: number): number {
    return this.addToSetCell(this.setCell(key), member, ttlMs, now);
  }

  async setSize(key: string, now: number): Promise<number> {
    return this.setSizeSync(key, now);
  }

  setSizeSync(key: string, now: number): number {
    const e = this.sets.get(key);
    return e === undefined ? 0 : this.setSizeCell(e, now);
  }

  counterCell(key: string): CounterCell {
    let e = this.counts.get(key);
    if (e === undefined) this.counts.set(key, (e = newCell(key)));
    return e;
  }

  setCell(key: string): CounterCell {
    let e = this.sets.get(key);
    if (e === undefined) this.sets.set(key, (e = newCell(key)));
    return e;
  }

  findCounter(key: string): CounterCell | null {
    return this.counts.get(key) ?? null;
  }

  findSet(key: string): CounterCell | null {
    return this.sets.get(key) ?? null;
  }

  incrementCell(e: CounterCell, by: number, ttlMs: number, now: number): number {
    if (e.expiresAt <= now) {
      e.n = by;
      e.expiresAt = now + ttlMs;
      return by;
    }
    return (e.n += by);
  }

  getCell(e: CounterCell, now: number): number {
    return e.expiresAt > now ? e.n : 0;
  }

  addToSetCell(e: CounterCell, member: string, ttlMs: number, now: number): number {
    let m = e.members;
    if (e.expiresAt <= now || m === null) {
      e.members = m = new Set();
      e.expiresAt = now + ttlMs;
    }
    m.add(member);
    // The size is kept on the cell: reading it does not touch the Set (another cold object).
    return (e.n = m.size);
  }

  setSizeCell(e: CounterCell, now: number): number {
    return e.expiresAt > now ? e.n : 0;
  }

  /** Drops expired keys (marking their cells dead); returns how many went. */
  async sweep(now: number): Promise<number> {
    let removed = 0;
    for (const map of [this.counts, this.sets]) {
      for (const [k, e] of map) {
        if (e.expiresAt > now) continue;
        map.delete(k);
        e.dead = true;
        removed++;
      }
    }
    return removed;
  }

  /** Keys not swept yet (tests, bench memory report). */
  get size(): number {
    return this.counts.size + this.sets.size;
  }
}

function newCell(key: string): CounterCell {
  return { key, n: 0, members: null, expiresAt: -Infinity, dead: false };
}

/** In-memory BanStore (tests and the simulation; the server persists bans in SQL). */
export class MemoryBanStore implements BanStore {
  private readonly bans = new Map<number, AccountBan>();

  async ban(b: Omit<AccountBan, 'appeal'>): Promise<void> {
    this.bans.set(b.accountId, { ...b, top: [...b.top], appeal: null });
  }

  async get(accountId: number): Promise<AccountBan | null> {
    const b = this.bans.get(accountId);
    return b ? structuredClone(b) : null;
  }

  async lift(accountId: number, now: number): Promise<void> {
    void now;
    this.bans.delete(accountId);
  }

  /** Appeal bookkeeping for the simulation (the server's appeals queue lives in appeals.ts). */
  appeal(accountId: number, state: 'pending' | 'accepted' | 'rejected', now: number): void {
    const b = this.bans.get(accountId);
    if (b) b.appeal = { state, submittedAt: b.appeal?.submittedAt ?? now, decidedAt: state === 'pending' ? null : now };
  }

  all(): AccountBan[] {
    return [...this.bans.values()];
  }
}
