import { serializeMessage, type SipRequest, type SipResponse } from './parser/index.js';
import { topBranch } from './messages.js';
import type { Flow } from './transport/flow.js';

const T1 = 500;
const T2 = 4000;
/** How long a final answer is kept to absorb retransmitted requests (Timer J / H = 64·T1, §17.2). */
const KEEP_MS = 64 * T1;
/** How often expired entries are swept (they may live up to this much longer than KEEP_MS). */
const SWEEP_MS = 1000;

interface Entry {
  response: Buffer | undefined;
  /** When the entry may be forgotten (ms, `now()` clock). */
  expires: number;
  retransmit?: NodeJS.Timeout;
}

/**
 * Server transactions, reduced to what a registrar/proxy needs (RFC 3261 §17.2): a retransmitted
 * request gets the last answer again instead of being processed twice; a non-2xx final answer to
 * an INVITE over UDP is retransmitted (Timer G) until the ACK arrives (Timer H).
 *
 * Challenges (401/407) are answered statelessly: a retransmitted request simply gets a fresh
 * challenge, which the client's transaction absorbs (§17.1.2.2, §17.1.1.2). So a scanner costs no
 * memory, and a registrar under 5,000 registrations/s keeps one entry per registration, not two.
 *
 * Entries expire through one sweep timer over the insertion-ordered map rather than a timer per
 * transaction (one `setTimeout` per request was a measurable part of the REGISTER path).
 */
export class ServerTransactions {
  private readonly entries = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Key of a request's transaction (branch + method; ACK and CANCEL match their INVITE separately). */
  key(req: SipRequest): string | undefined {
    // Recomputed rather than memoised: a WeakMap per request cost more (ephemeron GC) than the regex.
    const branch = topBranch(req);
    return branch ? `${branch}|${req.method === 'ACK' ? 'INVITE' : req.method}` : undefined;
  }

  /** True when this request is a retransmission: the stored answer (if any) was resent. */
  absorb(req: SipRequest, flow: Flow): boolean {
    const key = this.key(req);
    if (!key) return false;
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (entry.expires <= this.now()) {
      this.forget(key, entry);
      return false;
    }
    if (req.method === 'ACK') {
      clearTimeout(entry.retransmit);
      return true;
    }
    if (entry.response) flow.send(entry.response);
    return true;
  }

  /** Marks a request as being processed (retransmissions absorbed until an answer exists). */
  begin(req: SipRequest): void {
    const key = this.key(req);
    if (!key || req.method === 'ACK') return;
    this.entries.set(key, { response: undefined, expires: this.now() + KEEP_MS });
    this.armSweeper();
  }

  /** Sends an answer within the request's transaction and remembers it. */
  respond(req: SipRequest, res: SipResponse, flow: Flow): void {
    const bytes = serializeMessage(res);
    flow.send(bytes);
    const key = this.key(req);
    if (!key) return;
    const reliableFinal = res.status >= 200 && req.method !== 'INVITE' && flow.transport !== 'UDP';
    if (res.status === 401 || res.status === 407 || reliableFinal) {
      // Stateless challenge (see the class comment); nothing to retransmit, nothing to keep. And on
      // TCP/TLS/WSS nothing is retransmitted at all: Timer J is 0 there (RFC 3261 §17.2.2).
      const entry = this.entries.get(key);
      if (entry) this.forget(key, entry);
      return;
    }
    const expires = this.now() + KEEP_MS;
    let entry = this.entries.get(key);
    if (entry) {
      entry.response = bytes;
      entry.expires = expires;
    } else {
      entry = { response: bytes, expires };
      this.entries.set(key, entry);
      this.armSweeper();
    }
    if (res.status < 200) return;
    if (req.method === 'INVITE' && res.status >= 300 && flow.transport === 'UDP') {
      const kept = entry;
      let interval = T1;
      const again = (): void => {
        flow.send(bytes);
        interval = Math.min(interval * 2, T2);
        kept.retransmit = setTimeout(again, interval);
        kept.retransmit.unref();
      };
      kept.retransmit = setTimeout(again, interval);
      kept.retransmit.unref();
    }
  }

  /** Number of transactions remembered (tests, metrics). */
  size(): number {
    return this.entries.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const e of this.entries.values()) clearTimeout(e.retransmit);
    this.entries.clear();
  }

  /**
   * Drops expired entries from the front of the map. Entries are inserted in arrival order and
   * expire KEEP_MS after their answer, which is almost always the same order, so the walk stops at
   * the first live entry; one answered late is dropped by a later sweep (or by `absorb`).
   */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) break;
      this.forget(key, entry);
    }
    if (!this.entries.size) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private forget(key: string, entry: Entry): void {
    clearTimeout(entry.retransmit);
    this.entries.delete(key);
  }

  private armSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }
}
