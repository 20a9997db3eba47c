import type { AccountBan, BanStore, CounterStore, SyncCounterStore } from './types.js';

/**
 * In-memory CounterStore (tests, the simulation, single-process servers without SQL counters).
 * Windows are fixed: a key's window starts at its first increment (or first set member) and lasts
 * ttlMs; once `now` passes the end the key reads as zero/empty and the next write starts a new window.
 * The SQL store (sql-counter-store.ts) follows the same semantics.
 */
export class MemoryCounterStore implements CounterStore, SyncCounterStore {
  private readonly counts = new Map<string, { n: number; expiresAt: number }>();
  private readonly sets = new Map<string, { members: Set<string>; expiresAt: number }>();

  async increment(key: string, by: number, ttlMs: number, now: number): Promise<number> {
    return this.incrementSync(key, by, ttlMs, now);
  }

  /** Synchronous forms (SyncCounterStore): the shield's send path uses them when the store is this one. */
  incrementSync(key: string, by: number, ttlMs: number, now: number): number {
    const e = this.counts.get(key);
    if (!e || e.expiresAt <= now) {
      this.counts.set(key, { n: by, expiresAt: now + ttlMs });
      return by;
    }
    e.n += by;
    return e.n;
  }

  async get(key: string, now: number): Promise<number> {
    return this.getSync(key, now);
  }

  getSync(key: string, now: number): number {
    const e = this.counts.get(key);
    return e && e.expiresAt > now ? e.n : 0;
  }

  async addToSet(key: string, member: string, ttlMs: number, now: number): Promise<number> {
    return this.addToSetSync(key, member, ttlMs, now);
  }

  addToSetSync(key: string, member: string, ttlMs: number, now: number): number {
    let e = this.sets.get(key);
    if (!e || e.expiresAt <= now) {
      e = { members: new Set(), expiresAt: now + ttlMs };
      this.sets.set(key, e);
    }
    e.members.add(member);
    return e.members.size;
  }

  async setSize(key: string, now: number): Promise<number> {
    return this.setSizeSync(key, now);
  }

  setSizeSync(key: string, now: number): number {
    const e = this.sets.get(key);
    return e && e.expiresAt > now ? e.members.size : 0;
  }

  async sweep(now: number): Promise<number> {
    let removed = 0;
    for (const [k, e] of this.counts) if (e.expiresAt <= now && this.counts.delete(k)) removed++;
    for (const [k, e] of this.sets) if (e.expiresAt <= now && this.sets.delete(k)) removed++;
    return removed;
  }

  /** Live keys (tests, bench memory report). */
  get size(): number {
    return this.counts.size + this.sets.size;
  }
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
