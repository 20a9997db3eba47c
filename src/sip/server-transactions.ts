import { serializeMessage, type SipRequest, type SipResponse } from './parser/index.js';
import { topBranch } from './messages.js';
import type { Flow } from './transport/flow.js';

const T1 = 500;
const T2 = 4000;
/** How long a final answer is kept to absorb retransmitted requests (Timer J / H = 64·T1, §17.2). */
const KEEP_MS = 64 * T1;

interface Entry {
  response: Buffer | undefined;
  retransmit?: NodeJS.Timeout;
}

/**
 * Server transactions, reduced to what a registrar/proxy needs (RFC 3261 §17.2): a retransmitted
 * request gets the last answer again instead of being processed twice; a non-2xx final answer to
 * an INVITE over UDP is retransmitted (Timer G) until the ACK arrives (Timer H).
 */
export class ServerTransactions {
  private readonly entries = new Map<string, Entry>();

  /** Key of a request's transaction (branch + method; ACK and CANCEL match their INVITE separately). */
  key(req: SipRequest): string | undefined {
    const branch = topBranch(req);
    return branch ? `${branch}|${req.method === 'ACK' ? 'INVITE' : req.method}` : undefined;
  }

  /** True when this request is a retransmission: the stored answer (if any) was resent. */
  absorb(req: SipRequest, flow: Flow): boolean {
    const key = this.key(req);
    if (!key) return false;
    const entry = this.entries.get(key);
    if (!entry) return false;
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
    if (key && req.method !== 'ACK') this.entries.set(key, { response: undefined });
  }

  /** Sends an answer within the request's transaction and remembers it. */
  respond(req: SipRequest, res: SipResponse, flow: Flow): void {
    const bytes = serializeMessage(res);
    flow.send(bytes);
    const key = this.key(req);
    if (!key) return;
    const entry = this.entries.get(key) ?? { response: undefined };
    entry.response = bytes;
    this.entries.set(key, entry);
    if (res.status < 200) return;
    // Challenges are answered statelessly (no Timer G): a scanner that never ACKs must not make us
    // send each 401/407 seven times. A lost challenge is recovered by the client's own retransmission.
    if (req.method === 'INVITE' && res.status >= 300 && res.status !== 401 && res.status !== 407 && flow.transport === 'UDP') {
      let interval = T1;
      const again = (): void => {
        flow.send(bytes);
        interval = Math.min(interval * 2, T2);
        entry.retransmit = setTimeout(again, interval);
        entry.retransmit.unref();
      };
      entry.retransmit = setTimeout(again, interval);
      entry.retransmit.unref();
    }
    setTimeout(() => {
      clearTimeout(entry.retransmit);
      this.entries.delete(key);
    }, KEEP_MS).unref();
  }

  close(): void {
    for (const e of this.entries.values()) clearTimeout(e.retransmit);
    this.entries.clear();
  }
}
