import { headerValue, parseCSeq, parseMessage, parseNameAddr, parseUri, type SipHeader, type SipRequest } from './parser/index.js';
import { buildResponse, newTag, type Source } from './responses.js';
import { send } from './messages.js';
import { isScanner } from './scanner.js';
import { checkSdp } from './sdp-policy.js';
import type { DigestAuthenticator, DeviceCredential } from './auth/authenticator.js';
import type { AddressBans } from '../shield/address-bans.js';
import type { Registrar } from './registrar.js';
import type { Proxy } from './proxy.js';
import type { SipDirectory } from './directory.js';
import type { ServerTransactions } from './server-transactions.js';
import type { Flow, SipReceiver } from './transport/flow.js';

export interface SipCoreDeps {
  realm: string;
  host: string;
  banScanners: boolean;
  bans: AddressBans;
  auth: DigestAuthenticator;
  registrar: Registrar;
  proxy: Proxy;
  directory: SipDirectory;
  txns: ServerTransactions;
  counters: { inc(name: 'received' | 'dropped_banned' | 'parse_errors' | 'auth_failures' | 'srtp_refused' | 'scanners'): void };
  onError(err: unknown): void;
}

type Handler = (req: SipRequest, flow: Flow, source: Source) => Promise<void>;

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, UPDATE, INFO';
/** Headers every request must carry (RFC 3261 §8.1.1). */
const MANDATORY = ['Via', 'From', 'To', 'Call-ID', 'CSeq'];

/**
 * The SIP core: one handler per method, found through a table (ARCHITECTURE.md convention 3).
 * Every out-of-dialog request to a user is challenged the same way whether the extension exists
 * or not; authentication failures feed the address ban engine; no 403/404 goes to strangers.
 */
export class SipCore implements SipReceiver {
  private readonly handlers: Record<string, Handler> = {
    REGISTER: (r, f, s) => this.register(r, f, s),
    INVITE: (r, f, s) => this.invite(r, f, s),
    MESSAGE: (r, f, s) => this.invite(r, f, s),
    OPTIONS: (r, f, s) => this.options(r, f, s),
    SUBSCRIBE: (r, f, s) => this.challengeOnly(r, f, s, 489),
    PUBLISH: (r, f, s) => this.challengeOnly(r, f, s, 489),
    NOTIFY: (r, f, s) => this.challengeOnly(r, f, s, 481),
    REFER: (r, f, s) => this.challengeOnly(r, f, s, 403),
    CANCEL: async (r, f, s) => {
      if (!this.d.proxy.cancel(r, f, s)) this.answer(r, f, s, 481);
    },
    ACK: async () => undefined, // an ACK outside a dialog and a transaction has nothing to do
    BYE: (r, f, s) => this.noDialog(r, f, s),
    UPDATE: (r, f, s) => this.noDialog(r, f, s),
    INFO: (r, f, s) => this.noDialog(r, f, s),
    PRACK: (r, f, s) => this.noDialog(r, f, s),
  };

  constructor(private readonly d: SipCoreDeps) {}

  isBanned(address: string): boolean {
    const banned = this.d.bans.isBanned(address);
    if (banned) this.d.counters.inc('dropped_banned');
    return banned;
  }

  receive(bytes: Buffer, flow: Flow): void {
    this.d.counters.inc('received');
    // UDP datagrams and WebSocket messages each hold one whole message (RFC 3261 §18.3, RFC 7118 §5).
    const parsed = parseMessage(bytes, { datagram: flow.transport === 'UDP' || flow.transport === 'WSS' });
    if (!parsed.ok) {
      this.d.counters.inc('parse_errors');
      return;
    }
    const msg = parsed.value;
    if (this.d.banScanners && isScanner(msg)) {
      this.d.counters.inc('scanners');
      void this.d.bans.banNow(flow.address, 'scanner').catch((err: unknown) => this.d.onError(err));
      return;
    }
    if (msg.kind === 'response') {
      this.d.proxy.response(msg);
      return;
    }
    const source: Source = { address: flow.address, port: flow.port, transport: flow.transport };
    const cseq = parseCSeq(headerValue(msg, 'CSeq') ?? '');
    if (!MANDATORY.every((h) => headerValue(msg, h) !== undefined) || !cseq.ok || cseq.value.method !== msg.method) {
      // §8.2: a request missing what a response needs, or with a CSeq of another method, is malformed.
      if (headerValue(msg, 'Via') && headerValue(msg, 'CSeq') && msg.method !== 'ACK') send(flow, buildResponse(msg, 400, source));
      return;
    }
    if (this.d.txns.absorb(msg, flow)) return;
    if (Number(headerValue(msg, 'Max-Forwards') ?? '70') <= 0 && msg.method !== 'ACK') {
      this.answer(msg, flow, source, 483);
      return;
    }
    const toTag = parseNameAddr(headerValue(msg, 'To')!);
    if (toTag.ok && toTag.value.params.get('tag') && msg.method !== 'CANCEL') {
      // In-dialog request (§12.2.2): only through a dialog we record-routed.
      if (!this.d.proxy.inDialog(msg, flow) && msg.method !== 'ACK') this.answer(msg, flow, source, 481);
      return;
    }
    const handler = this.handlers[msg.method];
    this.d.txns.begin(msg);
    const run = handler ? handler(msg, flow, source) : this.challengeOnly(msg, flow, source, 405);
    run.catch((err: unknown) => {
      this.d.onError(err);
      this.answer(msg, flow, source, 500);
    });
  }

  private answer(req: SipRequest, flow: Flow, source: Source, status: number, headers: SipHeader[] = [], reason?: string): void {
    if (req.method === 'ACK') return;
    this.d.txns.respond(req, buildResponse(req, status, source, { headers, toTag: newTag(), ...(reason ? { reason } : {}) }), flow);
  }

  /**
   * Authenticates or answers with the challenge. A failed attempt counts toward the address's ban;
   * if that failure bans it, nothing is answered at all.
   */
  private async authenticate(req: SipRequest, flow: Flow, source: Source, proxy: boolean): Promise<DeviceCredential | undefined> {
    const outcome = await this.d.auth.verify(req, proxy);
    if (outcome.ok) return outcome.device;
    if (outcome.failure) {
      this.d.counters.inc('auth_failures');
      const ban = await this.d.bans.fail(flow.address);
      if (ban) return undefined;
    }
    this.answer(req, flow, source, proxy ? 407 : 401, this.d.auth.challenge(proxy, outcome.stale));
    return undefined;
  }

  private async register(req: SipRequest, flow: Flow, source: Source): Promise<void> {
    const device = await this.authenticate(req, flow, source, false);
    if (!device) return;
    const result = this.d.registrar.register(req, device, flow);
    this.answer(req, flow, source, result.status, result.headers);
  }

  private async invite(req: SipRequest, flow: Flow, source: Source): Promise<void> {
    const device = await this.authenticate(req, flow, source, true);
    if (!device) return;
    if (req.method === 'INVITE') {
      const verdict = checkSdp(req.body, headerValue(req, 'Content-Type'), flow.transport === 'TLS' || flow.transport === 'WSS');
      if (!verdict.ok) {
        this.answer(req, flow, source, 488, [{ name: 'Warning', value: `399 ${this.d.host} "SRTP required: ${verdict.warning}"` }]);
        return;
      }
    }
    const target = parseUri(req.uri);
    if (!target.ok || !target.value.user) {
      this.answer(req, flow, source, 404);
      return;
    }
    // The caller is authenticated: telling it an extension does not exist or is offline is fine.
    if (!(await this.d.directory.extensionEnabled(target.value.user))) {
      this.answer(req, flow, source, 404);
      return;
    }
    const bindings = this.d.registrar.lookup(target.value.user);
    if (!bindings.length) {
      this.answer(req, flow, source, 480);
      return;
    }
    this.d.proxy.fork(req, flow, source, bindings);
  }

  private async options(req: SipRequest, flow: Flow, source: Source): Promise<void> {
    const target = parseUri(req.uri);
    if (target.ok && target.value.user === null) {
      // Keep-alive / capability probe of the server itself: a bland answer (no Server header, issue 5).
      this.answer(req, flow, source, 200, [{ name: 'Allow', value: ALLOW }, { name: 'Accept', value: 'application/sdp' }]);
      return;
    }
    const device = await this.authenticate(req, flow, source, true);
    if (!device) return;
    this.answer(req, flow, source, 200, [{ name: 'Allow', value: ALLOW }, { name: 'Accept', value: 'application/sdp' }]);
  }

  /** Methods we do not serve: strangers still get the same challenge as for everything else. */
  private async challengeOnly(req: SipRequest, flow: Flow, source: Source, status: number): Promise<void> {
    const device = await this.authenticate(req, flow, source, true);
    if (!device) return;
    this.answer(req, flow, source, status, status === 405 ? [{ name: 'Allow', value: ALLOW }] : []);
  }

  private async noDialog(req: SipRequest, flow: Flow, source: Source): Promise<void> {
    this.answer(req, flow, source, 481);
  }
}
