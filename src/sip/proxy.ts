import { headerValue, parseNameAddr, type SipRequest, type SipResponse } from './parser/index.js';
import { buildResponse, newTag, type Source } from './responses.js';
import { forwardCopy, newBranch, ourRoute, ourVia, send, topBranch, withoutTopVia } from './messages.js';
import type { Binding } from './registrar.js';
import type { Flow } from './transport/flow.js';
import { uriHost } from './hosts.js';

/** RFC 3261 timers (§17, Table 4): T1 = 500 ms; 64·T1 = 32 s; Timer C (proxy INVITE) > 3 min. */
const T1 = 500;
const TIMER_B = 64 * T1;
const TIMER_C = 181_000;

interface Branch {
  id: string;
  parent: Fork;
  flow: Flow;
  req: SipRequest;
  state: 'calling' | 'proceeding' | 'done';
  retransmit?: NodeJS.Timeout;
  timeout?: NodeJS.Timeout;
}

interface Fork {
  req: SipRequest;
  upstream: Flow;
  source: Source;
  branches: Branch[];
  finals: SipResponse[];
  answered: boolean;
  finished: boolean;
  cancelled: boolean;
  /** A request inside an existing dialog (no new dialog to remember). */
  inDialog?: boolean;
  timerC?: NodeJS.Timeout;
}

/** A dialog through us (we Record-Route): the two sides' tags and flows (RFC 3261 §12). */
interface Dialog {
  callerTag: string;
  callerFlow: Flow;
  calleeFlow: Flow;
  expires: number;
}

/**
 * Stateful forking proxy (RFC 3261 §16): an INVITE for an extension goes to every registered
 * contact at once; the first 2xx wins and the other branches are cancelled; CANCEL from the caller
 * cancels all. It Record-Routes and keeps the dialog's flows, so BYE, re-INVITE and ACK reach phones
 * behind NAT through the connections they opened.
 */
export class Proxy {
  private readonly forks = new Map<string, Fork>();
  private readonly branches = new Map<string, Branch>();
  private readonly dialogs = new Map<string, Dialog>();

  constructor(private readonly host: string, private readonly now: () => number) {}

  /** Forwards a new INVITE (or MESSAGE) to all bindings of the target. */
  fork(req: SipRequest, upstream: Flow, source: Source, bindings: Binding[]): void {
    const key = topBranch(req) ?? newBranch();
    const fork: Fork = { req, upstream, source, branches: [], finals: [], answered: false, finished: false, cancelled: false };
    this.forks.set(key, fork);
    if (req.method === 'INVITE') {
      send(upstream, buildResponse(req, 100, source));
      fork.timerC = setTimeout(() => this.cancelAll(fork), TIMER_C);
      fork.timerC.unref();
    }
    for (const b of bindings) {
      const id = newBranch();
      const copy = forwardCopy(req, b.contactText, ourVia(this.host, b.flow, id), req.method === 'INVITE' ? { recordRoute: ourRoute(this.host, upstream) } : {});
      // A contact registered through edge proxies is reached through them (RFC 3327 §5.4: the Path vector becomes the Route set).
      const out = b.path.length ? { ...copy, headers: [...copy.headers.filter((h) => h.name !== 'Route'), ...b.path.map((value) => ({ name: 'Route', value }))] } : copy;
      const branch: Branch = { id, parent: fork, flow: b.flow, req: out, state: 'calling' };
      fork.branches.push(branch);
      this.branches.set(id, branch);
      send(b.flow, out);
      this.armTimers(branch);
    }
  }

  /** CANCEL from the caller (§16.10): 200 for the CANCEL, CANCEL to every pending branch. */
  cancel(req: SipRequest, upstream: Flow, source: Source): boolean {
    const fork = this.forks.get(topBranch(req) ?? '');
    if (!fork || fork.finished) return false;
    send(upstream, buildResponse(req, 200, source));
    this.cancelAll(fork);
    return true;
  }

  /** A response from a phone: matched to its branch by our Via branch (§17.1.3). */
  response(res: SipResponse): void {
    const branch = this.branches.get(topBranch(res) ?? '');
    if (!branch) return;
    const up = withoutTopVia(res);
    const fork = branch.parent;
    const isInvite = branch.req.method === 'INVITE';
    if (res.status < 200) {
      if (branch.state === 'calling') branch.state = 'proceeding';
      this.stopRetransmit(branch);
      if (res.status > 100 && !fork.finished) send(fork.upstream, up);
      return;
    }
    if (res.status < 300) {
      // 2xx: passed up each time (the callee's UA retransmits it until the caller's ACK, §13.3.1.4).
      if (isInvite && !fork.inDialog) this.rememberDialog(fork, branch, res);
      if (branch.state !== 'done') this.finishBranch(branch);
      if (!fork.answered) {
        fork.answered = true;
        if (isInvite) for (const other of fork.branches) if (other !== branch && other.state !== 'done') this.sendCancel(other);
      }
      send(fork.upstream, up);
      this.maybeDone(fork, true);
      return;
    }
    // Final non-2xx: we ACK it ourselves (hop-by-hop, §17.1.1.3), and keep the best for upstream.
    if (isInvite) send(branch.flow, this.ackFor(branch, res));
    if (branch.state === 'done') return;
    this.finishBranch(branch);
    fork.finals.push(up);
    this.maybeDone(fork, false);
  }

  /** In-dialog request (To tag present): routed to the other side's flow. False: no such dialog. */
  inDialog(req: SipRequest, from: Flow): boolean {
    const callId = headerValue(req, 'Call-ID') ?? '';
    const dialog = this.dialogs.get(callId);
    if (!dialog) return false;
    const fromHeader = parseNameAddr(headerValue(req, 'From') ?? '');
    const fromTag = fromHeader.ok ? fromHeader.value.params.get('tag') : undefined;
    const target = fromTag === dialog.callerTag ? dialog.calleeFlow : dialog.callerFlow;
    if (!target.isOpen()) return false;
    const id = newBranch();
    const out = forwardCopy(req, req.uri, ourVia(this.host, target, id), { dropTopRoute: this.isOurRoute(headerValue(req, 'Route')) });
    if (req.method === 'BYE') dialog.expires = this.now() + TIMER_B;
    if (req.method !== 'ACK') {
      const fork: Fork = { req, upstream: from, source: { address: from.address, port: from.port, transport: from.transport }, branches: [], finals: [], answered: false, finished: false, cancelled: false, inDialog: true };
      const branch: Branch = { id, parent: fork, flow: target, req: out, state: 'calling' };
      fork.branches.push(branch);
      this.branches.set(id, branch);
      this.armTimers(branch);
    }
    send(target, out);
    return true;
  }

  /** Whether a request belongs to a fork that is still pending (to absorb retransmissions). */
  has(branch: string): boolean {
    return this.forks.has(branch);
  }

  /** Drops finished dialogs (called periodically). */
  sweep(): void {
    const now = this.now();
    for (const [id, d] of this.dialogs) if (d.expires <= now || (!d.callerFlow.isOpen() && !d.calleeFlow.isOpen())) this.dialogs.delete(id);
  }

  close(): void {
    for (const b of this.branches.values()) this.stopTimers(b);
    for (const f of this.forks.values()) clearTimeout(f.timerC);
    this.branches.clear();
    this.forks.clear();
  }

  private isOurRoute(route: string | undefined): boolean {
    return route !== undefined && route.includes(`sip:${uriHost(this.host)}:`);
  }

  private rememberDialog(fork: Fork, branch: Branch, _res: SipResponse): void {
    const from = parseNameAddr(headerValue(fork.req, 'From') ?? '');
    const callId = headerValue(fork.req, 'Call-ID');
    if (!from.ok || !callId) return;
    this.dialogs.set(callId, { callerTag: from.value.params.get('tag') ?? '', callerFlow: fork.upstream, calleeFlow: branch.flow, expires: this.now() + 12 * 3600_000 });
  }

  private maybeDone(fork: Fork, answered: boolean): void {
    if (fork.branches.some((b) => b.state !== 'done') || fork.finished) return;
    fork.finished = true;
    clearTimeout(fork.timerC);
    const key = topBranch(fork.req) ?? '';
    setTimeout(() => this.forks.delete(key), TIMER_B).unref();
    for (const b of fork.branches) setTimeout(() => this.branches.delete(b.id), TIMER_B).unref();
    if (answered || fork.answered) return;
    send(fork.upstream, this.bestFinal(fork));
  }

  /** §16.7 step 6: the lowest-class final response; 6xx wins; none at all → 408 or 487 when cancelled. */
  private bestFinal(fork: Fork): SipResponse {
    const six = fork.finals.find((r) => r.status >= 600);
    if (six) return six;
    if (fork.cancelled) return buildResponse(fork.req, 487, fork.source);
    const sorted = [...fork.finals].sort((a, b) => a.status - b.status);
    const best = sorted[0];
    if (!best) return buildResponse(fork.req, fork.req.method === 'INVITE' ? 480 : 408, fork.source);
    return best.status === 503 ? { ...best, status: 500, reason: 'Server Internal Error' } : best;
  }

  private cancelAll(fork: Fork): void {
    fork.cancelled = true;
    for (const b of fork.branches) if (b.state !== 'done') this.sendCancel(b);
  }

  private sendCancel(branch: Branch): void {
    const r = branch.req;
    const keep = ['Via', 'From', 'To', 'Call-ID', 'Route', 'Max-Forwards'];
    const headers = r.headers.filter((h) => keep.includes(h.name)).filter((h, i, all) => h.name !== 'Via' || all.findIndex((x) => x.name === 'Via') === i);
    const cseq = (headerValue(r, 'CSeq') ?? '1 INVITE').split(/\s+/)[0];
    headers.push({ name: 'CSeq', value: `${cseq} CANCEL` });
    send(branch.flow, { kind: 'request', method: 'CANCEL', uri: r.uri, headers, body: Buffer.alloc(0) });
  }

  private ackFor(branch: Branch, res: SipResponse): SipRequest {
    const r = branch.req;
    const headers = r.headers.filter((h) => ['From', 'Call-ID', 'Route', 'Max-Forwards'].includes(h.name));
    const via = r.headers.find((h) => h.name === 'Via')!;
    const cseq = (headerValue(r, 'CSeq') ?? '1 INVITE').split(/\s+/)[0];
    return { kind: 'request', method: 'ACK', uri: r.uri, headers: [via, ...headers, { name: 'To', value: headerValue(res, 'To') ?? `<${r.uri}>;tag=${newTag()}` }, { name: 'CSeq', value: `${cseq} ACK` }], body: Buffer.alloc(0) };
  }

  private armTimers(branch: Branch): void {
    if (branch.flow.transport === 'UDP') {
      // Timers A/E (§17.1.1.2, §17.1.2.2): retransmit over UDP, doubling, capped at T2 = 4 s for non-INVITE.
      let interval = T1;
      const again = (): void => {
        if (branch.state === 'done' || (branch.state === 'proceeding' && branch.req.method === 'INVITE')) return;
        send(branch.flow, branch.req);
        interval = branch.req.method === 'INVITE' ? interval * 2 : Math.min(interval * 2, 4000);
        branch.retransmit = setTimeout(again, interval);
        branch.retransmit.unref();
      };
      branch.retransmit = setTimeout(again, interval);
      branch.retransmit.unref();
    }
    // Timers B/F: no final answer in 32 s → the branch counts as 408 (§16.8). An INVITE that is ringing waits for Timer C instead.
    branch.timeout = setTimeout(() => {
      if (branch.state === 'done' || (branch.state === 'proceeding' && branch.req.method === 'INVITE')) return;
      this.finishBranch(branch);
      branch.parent.finals.push(buildResponse(branch.parent.req, 408, branch.parent.source));
      this.maybeDone(branch.parent, false);
    }, TIMER_B);
    branch.timeout.unref();
  }

  private finishBranch(branch: Branch): void {
    branch.state = 'done';
    this.stopTimers(branch);
  }

  private stopRetransmit(branch: Branch): void {
    clearTimeout(branch.retransmit);
  }

  private stopTimers(branch: Branch): void {
    clearTimeout(branch.retransmit);
    clearTimeout(branch.timeout);
  }
}
