import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/main.js';
import { BACKENDS, freshStore, testConfig, type TestStore } from '../helpers/backends.js';
import { OffsetClock } from '../helpers/auth.js';
import { PASSWORD } from '../helpers/server.js';
import { ParleyClient } from '../../src/client/index.js';
import { NodeWebSocket } from '../helpers/server.js';
import { SipTestClient, answerChallenge, httpsGet } from '../helpers/sip-client.js';
import { headerValue, headerValues, parseDigest, parseMessage, type SipResponse } from '../../src/sip/parser/index.js';
import WebSocket from 'ws';
import { eventually } from '../helpers/server.js';

const SIP = { sip: { enabled: true, udpPort: 0 } };
const SECURE_SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 UDP/TLS/RTP/SAVP 0\r\na=fingerprint:sha-256 AA:BB\r\n';
const PLAIN_SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';
const SDES_SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n';

for (const backend of BACKENDS) {
  describe(`SIP registrar, digest, bans, provisioning (${backend})`, () => {
    let store: TestStore;
    let server: RunningServer;
    const clock = new OffsetClock();
    let ca: Buffer;
    let udpPort: number;
    let device: { authUser: string; secret: string };

    async function start(): Promise<void> {
      server = await startServer(testConfig(store, SIP), { clock });
      udpPort = server.sip!.listening.udpPort!;
      ca = readFileSync(join(store.dataDir, 'sip-tls', 'cert.pem'));
    }

    before(async () => {
      store = freshStore(backend);
      await start();
      const client = new ParleyClient({ baseUrl: server.url, WebSocket: NodeWebSocket });
      await client.register({ username: 'alice', password: PASSWORD });
      const dir = server.sip!.service.directory;
      await dir.addExtension('alice', '101');
      const { token } = await dir.addDevice('101', 'desk', 'generic');
      const res = await httpsGet(`${server.sip!.listening.provisioningBase}${token}`, ca);
      assert.equal(res.status, 200);
      const authUser = /auth_username=(\S+)/.exec(res.body)![1]!;
      const secret = /^password=(\S+)$/m.exec(res.body)![1]!;
      device = { authUser, secret };
      // Used once: the same link now fails (and counts toward the address's ban).
      assert.equal((await httpsGet(`${server.sip!.listening.provisioningBase}${token}`, ca)).status, 404);
    });
    after(async () => {
      await server.close();
      await store.drop();
    });

    it('a provisioned secret is long and random; REGISTER with it over UDP (MD5 and SHA-256) succeeds; the account password is refused', async () => {
      assert.ok(device.secret.length >= 22, 'at least 128 bits');
      for (const algorithm of ['MD5', 'SHA-256'] as const) {
        const ua = new SipTestClient('UDP', udpPort);
        await ua.open();
        const uri = 'sip:127.0.0.1';
        const common = { from: 'sip:101@parley', to: 'sip:101@parley', headers: [{ name: 'Contact', value: `<sip:101@127.0.0.1:${ua.localPort}>` }, { name: 'Expires', value: '120' }] };
        const first = ua.request('REGISTER', uri, common);
        const challenge = await ua.response(first.branch);
        assert.equal(challenge?.status, 401);
        const auth = answerChallenge(challenge!, { method: 'REGISTER', uri, user: device.authUser, secret: device.secret, algorithm });
        const second = ua.request('REGISTER', uri, { ...common, headers: [...common.headers, auth] });
        const ok = await ua.response(second.branch);
        assert.equal(ok?.status, 200, algorithm);
        assert.match(headerValue(ok!, 'Contact') ?? '', /expires=120/);
        // Replaying the very same Authorization (same nonce and nc) is refused.
        const replay = ua.request('REGISTER', uri, { ...common, headers: [...common.headers, auth] });
        assert.equal((await ua.response(replay.branch))?.status, 401);
        ua.close();
      }
      const ua = new SipTestClient('UDP', udpPort);
      await ua.open();
      const c = ua.request('REGISTER', 'sip:127.0.0.1', { from: 'sip:101@parley', to: 'sip:101@parley' });
      const ch = await ua.response(c.branch);
      const withPassword = ua.request('REGISTER', 'sip:127.0.0.1', { from: 'sip:101@parley', to: 'sip:101@parley', headers: [answerChallenge(ch!, { method: 'REGISTER', uri: 'sip:127.0.0.1', user: device.authUser, secret: PASSWORD })] });
      assert.equal((await ua.response(withPassword.branch))?.status, 401, 'the account password never authenticates SIP');
      ua.close();
      await server.sip!.service.bans.lift('127.0.0.1');
    });

    it('no enumeration: existing and unknown extensions get the same challenge for REGISTER, INVITE, OPTIONS, MESSAGE, SUBSCRIBE', async () => {
      const ua = new SipTestClient('UDP', udpPort);
      await ua.open();
      for (const method of ['REGISTER', 'INVITE', 'OPTIONS', 'MESSAGE', 'SUBSCRIBE']) {
        const shapes = [];
        for (const ext of ['101', '999']) {
          const uri = method === 'REGISTER' ? 'sip:127.0.0.1' : `sip:${ext}@127.0.0.1`;
          const r = ua.request(method, uri, { from: `sip:${ext}@parley`, to: `sip:${ext}@parley` });
          const res = await ua.response(r.branch);
          assert.ok(res, `${method} ${ext} answered`);
          const challenges = headerValues(res!, res!.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate').map((v) => parseDigest(v));
          shapes.push({
            status: res!.status,
            headers: res!.headers.map((h) => h.name).join(','),
            challenges: challenges.map((c) => (c.ok ? [...c.value.params.entries()].map(([k, v]) => (k === 'nonce' ? `nonce:${v.length}` : `${k}=${v}`)).join(';') : 'bad')),
          });
        }
        assert.deepEqual(shapes[0], shapes[1], method);
        assert.ok([401, 407].includes(shapes[0]!.status), `${method} challenged`);
      }
      // OPTIONS to the server itself (no user part): a bland 200 without a Server header.
      const ping = ua.request('OPTIONS', 'sip:127.0.0.1', { from: 'sip:x@parley', to: 'sip:127.0.0.1' });
      const pong = await ua.response(ping.branch);
      assert.equal(pong?.status, 200);
      assert.equal(headerValue(pong!, 'Server'), undefined);
      ua.close();
    });

    it('SRTP only: plain RTP → 488 with Warning; SDES keys on UDP → 488; DTLS-SRTP passes the policy', async () => {
      const ua = new SipTestClient('UDP', udpPort);
      await ua.open();
      const invite = async (sdp: string) => {
        const uri = 'sip:101@127.0.0.1';
        const base = { from: 'sip:101@parley', to: 'sip:101@parley', headers: [{ name: 'Contact', value: `<sip:101@127.0.0.1:${ua.localPort}>` }, { name: 'Content-Type', value: 'application/sdp' }], body: Buffer.from(sdp) };
        const r1 = ua.request('INVITE', uri, base);
        const ch = await ua.response(r1.branch);
        assert.equal(ch?.status, 407);
        ua.request('ACK', uri, { ...base, branch: r1.branch, cseq: ua.cseq - 1, body: Buffer.alloc(0) });
        const auth = answerChallenge(ch!, { method: 'INVITE', uri, user: device.authUser, secret: device.secret });
        const r2 = ua.request('INVITE', uri, { ...base, headers: [...base.headers, auth] });
        const res = await ua.response(r2.branch);
        ua.request('ACK', uri, { ...base, branch: r2.branch, cseq: ua.cseq - 1, body: Buffer.alloc(0) });
        return res!;
      };
      const plain = await invite(PLAIN_SDP);
      assert.equal(plain.status, 488);
      assert.match(headerValue(plain, 'Warning') ?? '', /SRTP/);
      assert.equal((await invite(SDES_SDP)).status, 488, 'a=crypto over clear text');
      // Policy passes; 101's own binding is the only target and it is this UA: the INVITE comes back to us or 480.
      const secure = await invite(SECURE_SDP);
      assert.notEqual(secure?.status, 488);
      ua.close();
    });

    it('Path (RFC 3327): stored with the binding, echoed to a UA that supports it, and used as the Route set for calls', async () => {
      const ua = new SipTestClient('UDP', udpPort);
      await ua.open();
      const uri = 'sip:127.0.0.1';
      const base = { from: 'sip:101@parley', to: 'sip:101@parley', headers: [{ name: 'Contact', value: `<sip:101@127.0.0.1:${ua.localPort}>` }, { name: 'Path', value: '<sip:edge.example.org;lr>' }, { name: 'Supported', value: 'path' }] };
      const r1 = ua.request('REGISTER', uri, base);
      const ch = await ua.response(r1.branch);
      const r2 = ua.request('REGISTER', uri, { ...base, headers: [...base.headers, answerChallenge(ch!, { method: 'REGISTER', uri, user: device.authUser, secret: device.secret })] });
      const ok = await ua.response(r2.branch);
      assert.equal(ok?.status, 200);
      assert.equal(headerValue(ok!, 'Path'), '<sip:edge.example.org;lr>');
      // Call 101 (this UA is its only binding): the forwarded INVITE carries the Path as Route.
      const inviteUri = 'sip:101@127.0.0.1';
      const inv = { from: 'sip:101@parley', to: 'sip:101@parley', headers: [{ name: 'Contact', value: `<sip:101@127.0.0.1:${ua.localPort}>` }, { name: 'Content-Type', value: 'application/sdp' }], body: Buffer.from(SECURE_SDP) };
      const i1 = ua.request('INVITE', inviteUri, inv);
      const ich = await ua.response(i1.branch);
      ua.request('ACK', inviteUri, { ...inv, branch: i1.branch, cseq: ua.cseq - 1, body: Buffer.alloc(0) });
      ua.request('INVITE', inviteUri, { ...inv, headers: [...inv.headers, answerChallenge(ich!, { method: 'INVITE', uri: inviteUri, user: device.authUser, secret: device.secret })] });
      await eventually(() => ua.received.some((m) => m.kind === 'request' && m.method === 'INVITE'), 5000, 'forwarded INVITE');
      const forwarded = ua.received.find((m) => m.kind === 'request' && m.method === 'INVITE')!;
      assert.equal(headerValue(forwarded, 'Route'), '<sip:edge.example.org;lr>');
      assert.match(headerValue(forwarded, 'Record-Route') ?? '', /;lr>/);
      ua.close();
    });

    it('brute force: 5 failures ban for 5 minutes, a repeat offence for a day; bans survive a restart; lift works', async () => {
      const ua = new SipTestClient('UDP', udpPort);
      await ua.open();
      const attempt = async (): Promise<number | undefined> => {
        const r = ua.request('REGISTER', 'sip:127.0.0.1', { from: 'sip:101@parley', to: 'sip:101@parley' });
        const ch = await ua.response(r.branch, 1000);
        if (!ch) return undefined;
        const bad = ua.request('REGISTER', 'sip:127.0.0.1', { from: 'sip:101@parley', to: 'sip:101@parley', headers: [answerChallenge(ch, { method: 'REGISTER', uri: 'sip:127.0.0.1', user: device.authUser, secret: 'wrong-guess-1234' })] });
        return (await ua.response(bad.branch, 1000))?.status;
      };
      for (let i = 0; i < 4; i++) assert.equal(await attempt(), 401, `failure ${i + 1} answered`);
      assert.equal(await attempt(), undefined, 'the fifth failure bans: no answer at all');
      assert.equal(await attempt(), undefined, 'banned: silently dropped');
      const [ban] = server.sip!.service.bans.list();
      assert.equal(ban!.until - ban!.bannedAt, 5 * 60_000);
      clock.advance(5 * 60_000 + 1000);
      for (let i = 0; i < 4; i++) assert.equal(await attempt(), 401, 'released after 5 minutes');
      assert.equal(await attempt(), undefined, 'banned again');
      const [again] = server.sip!.service.bans.list();
      assert.equal(again!.until - again!.bannedAt, 24 * 3600_000, 'repeat offence: a day');
      ua.close();

      await server.close();
      await start();
      const ua2 = new SipTestClient('UDP', udpPort);
      await ua2.open();
      const probe = ua2.request('OPTIONS', 'sip:127.0.0.1', { from: 'sip:x@parley', to: 'sip:127.0.0.1' });
      assert.equal(await ua2.response(probe.branch, 800), undefined, 'still banned after a restart');
      assert.equal(await server.sip!.service.bans.lift('127.0.0.1'), true);
      const probe2 = ua2.request('OPTIONS', 'sip:127.0.0.1', { from: 'sip:x@parley', to: 'sip:127.0.0.1' });
      assert.equal((await ua2.response(probe2.branch))?.status, 200, 'lifted');
      ua2.close();
    });

    it('a scanner fingerprint is banned at the first packet', async () => {
      const scanner = new SipTestClient('UDP', udpPort, { userAgent: 'friendly-scanner' });
      await scanner.open();
      const r = scanner.request('OPTIONS', 'sip:100@127.0.0.1', { from: 'sip:100@parley', to: 'sip:100@parley' });
      assert.equal(await scanner.response(r.branch, 800), undefined);
      assert.ok(server.sip!.service.bans.list().some((b) => b.reason === 'scanner'));
      scanner.close();
      await server.sip!.service.bans.lift('127.0.0.1');
    });

    it('SIP over secure WebSocket (RFC 7118): `sip` subprotocol required; REGISTER authenticates', async () => {
      const url = server.sip!.listening.websocketUrl!;
      const refused = new WebSocket(url, ['chat'], { ca });
      await new Promise<void>((resolve) => {
        refused.on('error', () => resolve());
        refused.on('open', () => resolve());
      });
      assert.notEqual(refused.readyState, WebSocket.OPEN, 'no `sip` subprotocol: refused');
      const ws = new WebSocket(url, ['sip'], { ca });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      assert.equal(ws.protocol, 'sip');
      const replies: SipResponse[] = [];
      ws.on('message', (d: Buffer) => {
        const r = parseMessage(Buffer.from(d), { datagram: true });
        if (r.ok && r.value.kind === 'response') replies.push(r.value);
      });
      const register = (cseq: number, extra: string) => ws.send(`REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WSS k3j2.invalid;branch=z9hG4bKws${cseq}\r\nFrom: <sip:101@parley>;tag=w1\r\nTo: <sip:101@parley>\r\nCall-ID: ws-call\r\nCSeq: ${cseq} REGISTER\r\nContact: <sip:101@k3j2.invalid;transport=ws>\r\n${extra}\r\n`);
      register(1, '');
      await eventually(() => replies.length === 1);
      assert.equal(replies[0]!.status, 401);
      const auth = answerChallenge(replies[0]!, { method: 'REGISTER', uri: 'sip:127.0.0.1', user: device.authUser, secret: device.secret });
      register(2, `${auth.name}: ${auth.value}\r\n`);
      await eventually(() => replies.length === 2);
      assert.equal(replies[1]!.status, 200);
      assert.equal(server.sip!.service.registrar.lookup('101').some((b) => b.flow.transport === 'WSS'), true);
      ws.close();
    });

    it('TLS: REGISTER over TLS with the generated certificate; malformed requests get 400', async () => {
      const ua = new SipTestClient('TLS', server.sip!.listening.tlsPort, { ca });
      await ua.open();
      const r = ua.request('REGISTER', 'sips:127.0.0.1', { from: 'sips:101@parley', to: 'sips:101@parley', headers: [{ name: 'Contact', value: `<sips:101@127.0.0.1:${ua.localPort}>` }] });
      const ch = await ua.response(r.branch);
      assert.equal(ch?.status, 401);
      const ok = ua.request('REGISTER', 'sips:127.0.0.1', { from: 'sips:101@parley', to: 'sips:101@parley', headers: [{ name: 'Contact', value: `<sips:101@127.0.0.1:${ua.localPort}>` }, answerChallenge(ch!, { method: 'REGISTER', uri: 'sips:127.0.0.1', user: device.authUser, secret: device.secret })] });
      assert.equal((await ua.response(ok.branch))?.status, 200);
      // CSeq method differs from the request method: 400 (RFC 3261 §8.2).
      ua.sendRaw(Buffer.from(`OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:${ua.localPort};branch=z9hG4bKbad1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`));
      assert.equal((await ua.response('z9hG4bKbad1'))?.status, 400);
      ua.close();
    });
  });
}
