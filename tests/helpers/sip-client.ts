import { createSocket, type Socket } from 'node:dgram';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { parseMessage, frameStream, serializeMessage, headerValues, parseDigest, type SipMessage, type SipResponse, type SipHeader } from '../../src/sip/parser/index.js';
import { digestHa1, digestResponse, type DigestAlgorithm } from '../../src/sip/auth/digest.js';

/** A minimal SIP user agent for tests: sends requests over UDP or TLS and collects what comes back. */
export class SipTestClient {
  readonly received: SipMessage[] = [];
  private socket: Socket | TLSSocket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  localPort = 0;
  readonly callId = `${randomBytes(8).toString('hex')}@test`;
  cseq = 1;

  constructor(readonly transport: 'UDP' | 'TLS', readonly serverPort: number, readonly opts: { ca?: Buffer; userAgent?: string } = {}) {}

  async open(): Promise<void> {
    if (this.transport === 'UDP') {
      const s = createSocket('udp4');
      s.on('message', (m) => this.push(m));
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      this.localPort = s.address().port;
      this.socket = s;
      return;
    }
    const s = tlsConnect({ host: '127.0.0.1', port: this.serverPort, ...(this.opts.ca ? { ca: this.opts.ca, servername: 'localhost' } : { rejectUnauthorized: false }) });
    await new Promise<void>((resolve, reject) => {
      s.once('secureConnect', () => resolve());
      s.once('error', reject);
    });
    s.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      for (;;) {
        const f = frameStream(this.buffer);
        if (f.kind !== 'message' && f.kind !== 'keepalive') break;
        const bytes = this.buffer.subarray(0, f.length);
        this.buffer = this.buffer.subarray(f.length);
        if (f.kind === 'message') this.push(Buffer.from(bytes));
      }
    });
    this.localPort = s.localPort ?? 0;
    this.socket = s;
  }

  private push(bytes: Buffer): void {
    const r = parseMessage(bytes, { datagram: this.transport === 'UDP' });
    if (r.ok) this.received.push(r.value);
    for (const w of this.waiters.splice(0)) w();
  }

  sendRaw(bytes: Buffer): void {
    if (this.socket && 'send' in this.socket) (this.socket as Socket).send(bytes, this.serverPort, '127.0.0.1');
    else (this.socket as TLSSocket).write(bytes);
  }

  /** Builds and sends a request; returns its branch. */
  request(method: string, uri: string, opts: { from: string; to: string; headers?: SipHeader[]; body?: Buffer; cseq?: number; branch?: string }): { branch: string; bytes: Buffer } {
    const branch = opts.branch ?? `z9hG4bK${randomBytes(6).toString('hex')}`;
    const headers: SipHeader[] = [
      { name: 'Via', value: `SIP/2.0/${this.transport} 127.0.0.1:${this.localPort};branch=${branch};rport` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<${opts.from}>;tag=${randomBytes(4).toString('hex')}` },
      { name: 'To', value: `<${opts.to}>` },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${opts.cseq ?? this.cseq++} ${method}` },
      ...(this.opts.userAgent ? [{ name: 'User-Agent', value: this.opts.userAgent }] : []),
      ...(opts.headers ?? []),
    ];
    const bytes = serializeMessage({ kind: 'request', method, uri, headers, body: opts.body ?? Buffer.alloc(0) });
    this.sendRaw(bytes);
    return { branch, bytes };
  }

  /** The next response for a branch, or undefined after timeoutMs (no answer is an answer for bans). */
  async response(branch: string, timeoutMs = 2000, minStatus = 101): Promise<SipResponse | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m): m is SipResponse => m.kind === 'response' && m.status >= minStatus && (headerValues(m, 'Via')[0] ?? '').includes(branch));
      if (found) {
        this.received.splice(this.received.indexOf(found), 1);
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    const s = this.socket;
    if (!s) return;
    if ('close' in s && this.transport === 'UDP') (s as Socket).close();
    else (s as TLSSocket).destroy();
  }
}

/** Authorization header answering a challenge (RFC 7616 §3.4) with the given secret. */
export function answerChallenge(challenge: SipResponse, opts: { method: string; uri: string; user: string; secret: string; algorithm?: DigestAlgorithm; nc?: number }): SipHeader {
  const alg = opts.algorithm ?? 'SHA-256';
  const headerName = challenge.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  const chosen = headerValues(challenge, headerName).map((v) => parseDigest(v)).find((d) => d.ok && (d.value.params.get('algorithm') ?? 'MD5') === alg);
  if (!chosen || !chosen.ok) throw new Error(`no ${alg} challenge`);
  const realm = chosen.value.params.get('realm')!;
  const nonce = chosen.value.params.get('nonce')!;
  const nc = (opts.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const response = digestResponse({ algorithm: alg, ha1: digestHa1(alg, opts.user, realm, opts.secret), method: opts.method, uri: opts.uri, nonce, nc, cnonce });
  return {
    name: challenge.status === 407 ? 'Proxy-Authorization' : 'Authorization',
    value: `Digest username="${opts.user}", realm="${realm}", nonce="${nonce}", uri="${opts.uri}", response="${response}", algorithm=${alg}, qop=auth, nc=${nc}, cnonce="${cnonce}"`,
  };
}

/** GET over HTTPS trusting one CA (the server's self-signed certificate). */
export function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, servername: 'localhost' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
