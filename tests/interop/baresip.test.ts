import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/main.js';
import { BACKENDS, freshStore, testConfig, type TestStore } from '../helpers/backends.js';
import { PASSWORD, NodeWebSocket, eventually } from '../helpers/server.js';
import { ParleyClient } from '../../src/client/index.js';
import { httpsGet } from '../helpers/sip-client.js';

/** Generous bounds: two baresip processes, TLS and SRTP on a loaded 2-core machine. */
const WAIT = 60_000;

/** An event or a command response from baresip's ctrl_tcp module (netstring-framed JSON). */
interface CtrlMessage {
  event?: boolean;
  response?: boolean;
  type?: string;
  ok?: boolean;
  data?: string;
  token?: string;
  param?: string;
  [k: string]: unknown;
}

/**
 * One headless baresip (config dir of its own): sine-wave source, no player, SRTP module, driven
 * through ctrl_tcp (commands in, events out). Everything it logs is kept for failure messages.
 */
class Baresip {
  readonly events: CtrlMessage[] = [];
  log = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private ctrl: Socket | undefined;
  private buf = '';
  private nextToken = 1;
  private readonly pending = new Map<string, (m: CtrlMessage) => void>();

  constructor(readonly name: string, readonly dir: string) {}

  /** Writes config + accounts and starts the process; resolves once ctrl_tcp accepts commands. */
  async start(account: string, ca: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const ctrlPort = await freeTcpPort();
    writeFileSync(join(this.dir, 'config'), [
      'poll_method epoll',
      // Loopback only: SIP, and the address in the SDP (without this baresip offers its eth0 address).
      'net_interface 127.0.0.1',
      'sip_listen 127.0.0.1:0',
      // Trust Parley's self-signed certificate (generated under <dataDir>/sip-tls on first start).
      `sip_cafile ${ca}`,
      'call_local_timeout 120',
      'call_max_calls 4',
      // No audio hardware: a 440 Hz sine is sent; received audio is decoded and dropped (no player).
      'audio_source ausine,440',
      'ausrc_srate 48000',
      'ausrc_channels 2',
      // Prints the RTP packet counts (sent/received/errors) when a call closes.
      'rtp_stats yes',
      'rtp_timeout 0',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module ausine.so',
      'module srtp.so',
      'module_tmp account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      '',
    ].join('\n'));
    writeFileSync(join(this.dir, 'accounts'), `${account}\n`);
    writeFileSync(join(this.dir, 'contacts'), '');
    const child = spawn('baresip', ['-f', this.dir, '-s', '-v'], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise<void>((r) => child.once('close', () => r()));
    child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`${this.name} exited ${child.exitCode}:\n${this.log}`);
      return this.connectCtrl(ctrlPort);
    }, WAIT, `${this.name}: ctrl_tcp up`);
  }

  private connectCtrl(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('error', () => resolve(false));
      s.once('connect', () => {
        this.ctrl = s;
        s.on('data', (d: Buffer) => this.onData(d.toString('utf8')));
        resolve(true);
      });
    });
  }

  private onData(text: string): void {
    this.buf += text;
    for (;;) {
      const colon = this.buf.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.buf.slice(0, colon));
      if (this.buf.length < colon + 1 + len + 1) return;
      const json = this.buf.slice(colon + 1, colon + 1 + len);
      this.buf = this.buf.slice(colon + 2 + len);
      const msg = JSON.parse(json) as CtrlMessage;
      if (msg.response && msg.token && this.pending.has(msg.token)) {
        this.pending.get(msg.token)!(msg);
        this.pending.delete(msg.token);
      } else if (msg.event) this.events.push(msg);
    }
  }

  /** Runs a menu command (dial, hangup, callstat…) and returns its text output. */
  command(command: string, params = ''): Promise<CtrlMessage> {
    const token = String(this.nextToken++);
    const body = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no answer to ${command}\n${this.log}`)), WAIT);
      this.pending.set(token, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.ctrl!.write(`${Buffer.byteLength(body)}:${body},`);
    });
  }

  has(type: string): boolean {
    return this.events.some((e) => e.type === type);
  }

  async stop(): Promise<void> {
    this.ctrl?.destroy();
    const child = this.child;
    if (!child) return;
    // SIGTERM lets it un-register; a phone stuck on a dead server is killed after a bound.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A TCP port the OS says is free now (ctrl_tcp needs a fixed one). */
async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe(`baresip over TLS with SRTP through Parley (${BACKENDS[0]})`, () => {
  const backend = BACKENDS[0]!;
  let store: TestStore;
  let server: RunningServer;
  let work: string;
  let caFile: string;
  const accounts = new Map<string, string>();
  const phones: Baresip[] = [];

  before(async () => {
    store = freshStore(backend);
    work = mkdtempSync(join(tmpdir(), 'parley-baresip-'));
    // libre 1.1.0 (under Debian's baresip 1.0.0) gives up on the whole 401 when any challenge is not
    // MD5 (ENOSYS), so this server offers MD5 only — the operator's choice for such phones.
    server = await startServer(testConfig(store, { sip: { enabled: true, digestAlgorithms: ['MD5'] } }));
    caFile = join(store.dataDir, 'sip-tls', 'cert.pem');
    const ca = readFileSync(caFile);
    const dir = server.sip!.service.directory;
    for (const [i, ext] of ['200', '201'].entries()) {
      const c = new ParleyClient({ baseUrl: server.url, WebSocket: NodeWebSocket });
      await c.register({ username: `bare${i}`, password: PASSWORD });
      await dir.addExtension(`bare${i}`, ext);
      const { token } = await dir.addDevice(ext, 'baresip', 'generic');
      const res = await httpsGet(`${server.sip!.listening.provisioningBase}${token}`, ca);
      assert.equal(res.status, 200, res.body);
      // The baresip accounts line exactly as the provisioning response gives it.
      const line = res.body.split('\n').find((l) => l.startsWith('<sip'));
      assert.ok(line, res.body);
      assert.match(line, /^<sip:\d+@127\.0\.0\.1:\d+;transport=tls>;auth_user=[^;]+;auth_pass=[^;]+;mediaenc=srtp-mand/, line);
      accounts.set(ext, line);
    }
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await server.close();
    await store.drop();
    rmSync(work, { recursive: true, force: true });
  });

  async function phone(name: string, account: string): Promise<Baresip> {
    const p = new Baresip(name, join(work, name));
    phones.push(p);
    await p.start(account, caFile);
    return p;
  }

  /** Bounded polling; on time-out the message carries every phone's log (SIP trace included). */
  async function waitFor(test: () => boolean | Promise<boolean>, what: string): Promise<void> {
    try {
      await eventually(test, WAIT, what);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${phones.map((p) => `----- ${p.name}\n${p.log.slice(-12_000)}`).join('\n')}`, { cause: err });
    }
  }

  /** Waits for a line in a phone's output (its stdout pipe is not ordered with its ctrl_tcp events). */
  function logShows(p: Baresip, re: RegExp, what: string): Promise<void> {
    return waitFor(() => re.test(p.log), `${p.name}: ${what}`);
  }

  /** The phone's RTP statistics printed when its call closes: packets and errors, sent and received. */
  function rtpSummary(p: Baresip): { tx: number; rx: number; errors: string } | undefined {
    const m = /Transmit:\s+Receive:\s+packets:\s+(\d+)\s+(\d+)[\s\S]*?errors:\s+(\d+)\s+(\d+)/.exec(p.log);
    return m ? { tx: Number(m[1]), rx: Number(m[2]), errors: `${m[3]}/${m[4]}` } : undefined;
  }

  /** INVITEs in the phone's SIP trace (-s) that came in from Parley's TLS port. */
  function invitesReceived(p: Baresip): number {
    const from = `TLS 127.0.0.1:${server.sip!.listening.tlsPort} -> `;
    return p.log.split(from).filter((chunk) => /^[\d.:]+\r?\nINVITE sip:/.test(chunk)).length;
  }

  let callee: Baresip;

  it('registers over TLS with the provisioned secret and calls another baresip with mediaenc=srtp-mand; SRTP flows both ways', async () => {
    callee = await phone('callee', `${accounts.get('201')!};answermode=auto`);
    const caller = await phone('caller', accounts.get('200')!);
    const registrar = server.sip!.service.registrar;
    await waitFor(() => registrar.lookup('200').length > 0 && registrar.lookup('201').length > 0, 'both phones registered');
    for (const ext of ['200', '201']) assert.equal(registrar.lookup(ext)[0]!.flow.transport, 'TLS', `${ext} registered over TLS`);

    const dial = await caller.command('dial', '201');
    assert.ok(dial.ok, JSON.stringify(dial));
    await waitFor(() => caller.has('CALL_ESTABLISHED') && callee.has('CALL_ESTABLISHED'), 'the call connects on both sides');
    await waitFor(() => invitesReceived(callee) > 0, 'the callee got the INVITE Parley forked to it');
    // Both sides negotiated SDES-keyed SRTP (srtp-mand would have refused anything else).
    for (const p of [caller, callee]) await logShows(p, /SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/, 'SRTP on');
    await logShows(caller, /^m=audio \d+ RTP\/SAVP /m, 'the offer is RTP/SAVP');
    await logShows(caller, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m, 'with SDES keys (sent over TLS only)');

    // Media flows: each phone logs its first authenticated SRTP packet (the srtp module drops any
    // packet that fails authentication before the RTP stack sees it), then its live bit rates
    // "audio=<rx>/<tx> (bit/s)": both non-zero on both phones means audio runs both ways.
    const flowing = /audio=[1-9]\d*\/[1-9]\d* \(bit\/s\)/;
    await waitFor(() => [caller, callee].every((p) => /incoming rtp for 'audio' established/.test(p.log) && flowing.test(p.log)), 'SRTP flowing both ways');

    // The BYE follows the Record-Route through Parley to the callee's registered TLS flow.
    assert.ok((await caller.command('hangup')).ok);
    await waitFor(() => callee.has('CALL_CLOSED') && caller.has('CALL_CLOSED'), 'the call ends on both sides');
    await waitFor(() => rtpSummary(caller) !== undefined && rtpSummary(callee) !== undefined, 'RTP statistics at hang-up');
    for (const p of [caller, callee]) {
      const s = rtpSummary(p)!;
      assert.ok(s.tx > 0 && s.rx > 0, `${p.name} sent and received SRTP: ${JSON.stringify(s)}`);
      assert.equal(s.errors, '0/0', `${p.name}: no RTP errors`);
    }
    const fromParley = new RegExp(`^TLS 127\\.0\\.0\\.1:${server.sip!.listening.tlsPort} -> [\\d.:]+\\r?\\nBYE sip:`, 'm');
    await logShows(callee, fromParley, 'the BYE reached the callee through Parley');
    await caller.stop();
  });

  it('the same account without SRTP (plain RTP/AVP offer) gets 488 Not Acceptable Here', async () => {
    assert.ok(callee, 'the callee from the previous test is still registered');
    const plain = accounts.get('200')!.replace(/;mediaenc=[^;]*/, '');
    assert.notEqual(plain, accounts.get('200'));
    const caller = await phone('plain-caller', plain);
    const incoming = invitesReceived(callee);
    const dial = await caller.command('dial', '201');
    assert.ok(dial.ok, JSON.stringify(dial));
    await waitFor(() => caller.has('CALL_CLOSED'), 'the call is refused');
    await logShows(caller, /^m=audio \d+ RTP\/AVP /m, 'the offer was plain RTP');
    await logShows(caller, /^SIP\/2\.0 488 Not Acceptable Here/m, 'Parley answered 488');
    await logShows(caller, /^Warning: 399 [^\r\n]*SRTP required/m, 'with a Warning saying why');
    const closed = caller.events.find((e) => e.type === 'CALL_CLOSED');
    assert.match(String(closed?.param), /488/, JSON.stringify(closed));
    assert.equal(invitesReceived(callee), incoming, 'the INVITE never reached the callee');
    assert.equal(server.sip!.service.bans.list().length, 0, 'baresip\'s challenge-response logins never counted as failures');
  });
});
