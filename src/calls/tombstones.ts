/**
 * Recently ended calls, so that a late request about one gets `call_ended` instead of
 * `call_not_found` (a hangup racing the other side's, a candidate still in flight). Bounded and
 * expiring: only the call id and the two account ids, kept a few minutes in memory.
 */
export class Tombstones {
  private readonly ended = new Map<string, { parties: readonly [number, number]; at: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  add(callId: string, parties: readonly [number, number], now: number): void {
    this.ended.delete(callId);
    this.ended.set(callId, { parties, at: now });
    // Map iteration is insertion order: the first entries are the oldest.
    for (const [id, t] of this.ended) {
      if (this.ended.size <= this.maxEntries && now - t.at <= this.ttlMs) break;
      this.ended.delete(id);
    }
  }

  /** Whether `accountId` was a party of the ended call `callId` (an outsider learns nothing). */
  wasParty(callId: string, accountId: number, now: number): boolean {
    const t = this.ended.get(callId);
    if (!t || now - t.at > this.ttlMs) return false;
    return t.parties.includes(accountId);
  }

  get size(): number {
    return this.ended.size;
  }
}
