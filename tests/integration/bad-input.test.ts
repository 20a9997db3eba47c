import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Device } from '../helpers/recorder.js';
import type { ChatView, MessageView } from '../../src/protocol/views.js';
import type { Schema } from '../../src/storage/schema.js';

const MAX_CHARS = 200;
/** Every table a request could change. */
const TABLES = ['accounts', 'devices', 'invites', 'link_tokens', 'chats', 'chat_members', 'messages', 'hidden_messages', 'updates', 'channel_updates', 'drafts', 'contacts', 'blocks'] as const satisfies ReadonlyArray<keyof Schema>;

/** A stack trace or a server path in a response: "    at fn (file:…)", "/src/…ts:12", "node_modules". */
function assertNoLeak(text: string, what: string): void {
  assert.doesNotMatch(text, /\n\s*at\s/, `${what}: stack trace in ${text.slice(0, 300)}`);
  assert.doesNotMatch(text, /\bat \S+ \(\S+:\d+:\d+\)|file:\/\/|node:internal|node_modules|\/work\/|\/home\/|\/src\/\S+\.[tj]s\b|\.[tj]s:\d+/, `${what}: server path in ${text.slice(0, 300)}`);
}

interface RawResponse {
  status: number;
  text: string;
  json: { error?: { code: string; message: string; data?: Record<string, unknown> } } & Record<string, unknown>;
}

for (const backend of BACKENDS) {
  describe(`bad input [${backend}]`, () => {
    let t: TestServer;
    let token: string;
    let outsiderToken: string;
    let chat: ChatView;
    let first: MessageView;
    const bodies: string[] = [];

    before(async () => {
      t = await startTestServer(backend, { chats: { maxMessageChars: MAX_CHARS } });
      const alice = await t.user('alice');
      const bob = await t.user('bob');
      const outsider = await t.user('outsider');
      token = alice.session.token;
      outsiderToken = outsider.session.token;
      chat = await alice.client.openDirect(bob.session.account.id);
      first = await alice.client.send(chat.id, 'the only message');
      await alice.client.call('drafts.save', { chatId: chat.id, text: 'a draft' });
    });
    after(async () => {
      // Every body any test received, checked once more as a whole.
      for (const b of bodies) assertNoLeak(b, 'response');
      await t.close();
    });

    const api = (path: string) => `${t.url}/api/v1${path}`;
    async function raw(method: string, path: string, opts: { body?: string | Buffer; contentType?: string | null; token?: string | null } = {}): Promise<RawResponse> {
      const headers: Record<string, string> = {};
      const tok = opts.token === undefined ? token : opts.token;
      if (tok !== null) headers.authorization = `Bearer ${tok}`;
      if (opts.body !== undefined && opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
      const res = await fetch(path.startsWith('http') ? path : api(path), { method, headers, ...(opts.body !== undefined ? { body: opts.body } : {}) });
      const text = await res.text();
      bodies.push(text);
      assertNoLeak(text, `${method} ${path}`);
      let json: RawResponse['json'];
      try {
        json = JSON.parse(text) as RawResponse['json'];
      } catch {
        assert.fail(`${method} ${path}: non-JSON ${res.status} body: ${text.slice(0, 200)}`);
      }
      return { status: res.status, text, json };
    }
    async function expectCode(p: Promise<RawResponse>, status: number, code: string, what: string): Promise<RawResponse> {
      const r = await p;
      assert.equal(r.status, status, `${what}: ${r.text}`);
      assert.equal(r.json.error?.code, code, `${what}: ${r.text}`);
      assert.equal(typeof r.json.error?.message, 'string');
      assert.deepEqual(Object.keys(r.json), ['error'], `${what}: only { error } in the body`);
      return r;
    }

    /** Row counts of every table plus what alice sees: a request that failed must change none of it. */
    async function snapshot(): Promise<unknown> {
      const db = t.server.services.database.db;
      const counts: Record<string, number> = {};
      for (const table of TABLES) {
        const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        counts[table] = Number(r.n);
      }
      const c = t.client(token);
      const pts = await db.selectFrom('accounts').select(['id', 'pts']).orderBy('id').execute();
      return { counts, pts, history: await c.history(chat.id), chats: await c.chats(), drafts: await c.call('drafts.list') };
    }
    async function unchanged(work: () => Promise<void>): Promise<void> {
      const before = await snapshot();
      await work();
      assert.deepEqual(await snapshot(), before, 'a refused request changed state');
    }

    const send = (body: unknown, chatId: number | string = chat.id) => raw('POST', `/chats/${chatId}/messages`, { body: typeof body === 'string' ? body : JSON.stringify(body) });

    describe('HTTP', () => {
      it('malformed JSON is 400 invalid_json', () => unchanged(async () => {
        for (const body of ['{"randomId":"a","text":', '{randomId: "a"}', "{'text':'x'}", '{"text":"x"}}', '\u0000', '']) {
          await expectCode(send(body), 400, 'invalid_json', JSON.stringify(body));
        }
      }));

      it('a JSON body that is not an object is 400 validation_failed', () => unchanged(async () => {
        for (const body of ['[{"randomId":"a1","text":"x"}]', '"hello"', '42', 'true', 'null', '[]']) {
          const r = await expectCode(send(body), 400, 'validation_failed', body);
          assert.equal(typeof r.json.error?.data?.field, 'string');
        }
      }));

      it('wrong types are 400 validation_failed naming the field', () => unchanged(async () => {
        const cases: Array<[Promise<RawResponse>, string]> = [
          [send({ randomId: 'w1', text: 'x' }, 'abc'), 'chatId'],
          [send({ randomId: 'w2', text: 'x' }, '1.5'), 'chatId'],
          [send({ randomId: 'w3', text: 'x' }, '-4'), 'chatId'],
          [send({ randomId: 'w4', text: 'x' }, '0'), 'chatId'],
          [send({ randomId: 'w5', text: 'x' }, '99999999999999999999'), 'chatId'],
          [send({ randomId: 'w5b', text: 'x' }, '1e0'), 'chatId'],
          [send({ randomId: 'w5c', text: 'x' }, '0x1'), 'chatId'],
          [send({ randomId: 'w5d', text: 'x' }, '%201'), 'chatId'],
          [raw('GET', `/chats/${chat.id}/messages?limit=2.5`), 'limit'],
          [send({ randomId: 'w6', text: 5 }), 'text'],
          [send({ randomId: 'w7', text: ['x'] }), 'text'],
          [send({ randomId: 'w8', text: null }), 'text'],
          [send({ randomId: 7, text: 'x' }), 'randomId'],
          [send({ randomId: 'has space', text: 'x' }), 'randomId'],
          [send({ randomId: 'w9', text: 'x', replyToId: 'one' }), 'replyToId'],
          [send({ text: 'x' }), 'randomId'],
          [raw('GET', `/chats/${chat.id}/messages?limit=abc`), 'limit'],
          [raw('GET', `/chats/${chat.id}/messages?beforeId=-1`), 'beforeId'],
          [raw('POST', `/chats/${chat.id}/read`, { body: JSON.stringify({ maxId: '1' }) }), 'maxId'],
          [raw('POST', `/chats/${chat.id}/messages/delete`, { body: JSON.stringify({ messageIds: [first.id], forEveryone: 'yes' }) }), 'forEveryone'],
          [raw('POST', '/chats/groups', { body: JSON.stringify({ title: 'g', memberIds: 'all' }) }), 'memberIds'],
        ];
        for (const [p, field] of cases) {
          const r = await expectCode(p, 400, 'validation_failed', field);
          assert.equal(r.json.error?.data?.field, field, r.text);
        }
      }));

      it('U+0000 in any string is 400 validation_failed on every back end (PostgreSQL text cannot hold it)', () => unchanged(async () => {
        const cases: Array<[Promise<RawResponse>, string]> = [
          [send({ randomId: 'nul1', text: 'a\u0000b' }), 'text'],
          [raw('PUT', `/chats/${chat.id}/draft`, { body: JSON.stringify({ text: 'draft\u0000' }) }), 'text'],
          [raw('PATCH', `/chats/${chat.id}/messages/${first.id}`, { body: JSON.stringify({ text: '\u0000' }) }), 'text'],
          [raw('POST', '/contacts', { body: JSON.stringify({ accountId: chat.peer!.id, name: 'B\u0000b' }) }), 'name'],
          [raw('POST', '/chats/groups', { body: JSON.stringify({ title: 'G\u0000', memberIds: [] }) }), 'title'],
          [raw('POST', '/link/requests', { body: JSON.stringify({ deviceName: 'phone\u0000' }), token: null }), 'deviceName'],
        ];
        for (const [p, field] of cases) {
          const r = await expectCode(p, 400, 'validation_failed', field);
          assert.equal(r.json.error?.data?.field, field, r.text);
        }
      }));

      it('unknown extra keys are 400 validation_failed', () => unchanged(async () => {
        for (const body of [{ randomId: 'x1', text: 'hi', admin: true }, { randomId: 'x2', text: 'hi', chatId: chat.id, senderId: 1 }]) {
          await expectCode(send(body), 400, 'validation_failed', JSON.stringify(body));
        }
        await expectCode(raw('POST', '/chats/groups', { body: JSON.stringify({ title: 'g', memberIds: [], owner: 2 }) }), 400, 'validation_failed', 'createGroup');
        // A prototype-pollution attempt is refused as well and pollutes nothing.
        const r = await send('{"randomId":"p1","text":"x","__proto__":{"isAdmin":true}}');
        assert.equal(r.status, 400, r.text);
        assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
      }));

      it('a body over http.bodyLimitBytes is 413 payload_too_large', () => unchanged(async () => {
        const limit = t.server.services.config.http.bodyLimitBytes;
        const body = JSON.stringify({ randomId: 'big', text: 'x'.repeat(limit) });
        await expectCode(send(body), 413, 'payload_too_large', 'oversize body');
        await expectCode(raw('PUT', `/chats/${chat.id}/draft`, { body: JSON.stringify({ text: 'y'.repeat(limit + 10) }) }), 413, 'payload_too_large', 'oversize draft');
      }));

      it('a body that is not application/json is 415 unsupported_media_type', () => unchanged(async () => {
        const body = JSON.stringify({ randomId: 'ct1', text: 'hello' });
        for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream']) {
          await expectCode(raw('POST', `/chats/${chat.id}/messages`, { body, contentType }), 415, 'unsupported_media_type', contentType);
        }
      }));

      it('an unknown path is 404 unknown_operation', () => unchanged(async () => {
        for (const [method, path] of [['GET', '/nope'], ['POST', '/chats/1/explode'], ['DELETE', '/chats'], ['GET', '/api/v2/chats'], ['PATCH', '/drafts']] as const) {
          await expectCode(raw(method, path.startsWith('/api') ? `${t.url}${path}` : path, method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }), 404, 'unknown_operation', `${method} ${path}`);
        }
      }));

      it('requests without a valid token are 401 unauthorized', () => unchanged(async () => {
        for (const tok of [null, 'not-a-token', 'x'.repeat(600), '']) {
          await expectCode(raw('POST', `/chats/${chat.id}/messages`, { body: JSON.stringify({ randomId: 'noauth', text: 'x' }), token: tok }), 401, 'unauthorized', `token ${String(tok).slice(0, 12)}`);
        }
        await expectCode(raw('GET', '/chats', { token: null }), 401, 'unauthorized', 'list without token');
      }));

      it('anything aimed at a chat the account cannot see is 404 chat_not_found', () => unchanged(async () => {
        const as = (method: string, path: string, body?: unknown) => raw(method, path, { token: outsiderToken, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
        for (const chatId of [chat.id, 999999]) {
          const cases: Array<[string, Promise<RawResponse>]> = [
            ['send', as('POST', `/chats/${chatId}/messages`, { randomId: `nm${chatId}`, text: 'let me in' })],
            ['get', as('GET', `/chats/${chatId}`)],
            ['history', as('GET', `/chats/${chatId}/messages`)],
            ['members', as('GET', `/chats/${chatId}/members`)],
            ['edit', as('PATCH', `/chats/${chatId}/messages/${first.id}`, { text: 'mine now' })],
            ['delete', as('POST', `/chats/${chatId}/messages/delete`, { messageIds: [first.id], forEveryone: true })],
            ['read', as('POST', `/chats/${chatId}/read`, { maxId: first.id })],
            ['typing', as('POST', `/chats/${chatId}/typing`, {})],
            ['draft', as('PUT', `/chats/${chatId}/draft`, { text: 'hm' })],
            ['rename', as('PATCH', `/chats/${chatId}`, { title: 'owned' })],
            ['add member', as('POST', `/chats/${chatId}/members`, { accountIds: [1] })],
            ['leave', as('POST', `/chats/${chatId}/leave`, {})],
            ['join', as('POST', `/chats/${chatId}/join`, {})],
            ['difference', as('GET', `/chats/${chatId}/difference?pts=0`)],
            ['forward from', as('POST', '/chats/1/forward', { fromChatId: chatId, messageIds: [first.id], randomIds: [`nf${chatId}`] })],
          ];
          for (const [what, p] of cases) await expectCode(p, 404, 'chat_not_found', `${what} in chat ${chatId}`);
        }
      }));

      it('text over chats.maxMessageChars is 400 message_invalid; at the limit it is accepted', async () => {
        await unchanged(async () => {
          const r = await expectCode(send({ randomId: 'long1', text: 'x'.repeat(MAX_CHARS + 1) }), 400, 'message_invalid', 'long text');
          assert.equal(r.json.error?.data?.maxChars, MAX_CHARS);
          await expectCode(send({ randomId: 'blank', text: ' \n\t ' }), 400, 'message_invalid', 'blank text');
          await expectCode(raw('PATCH', `/chats/${chat.id}/messages/${first.id}`, { body: JSON.stringify({ text: 'y'.repeat(MAX_CHARS + 1) }) }), 400, 'message_invalid', 'long edit');
          await expectCode(raw('PUT', `/chats/${chat.id}/draft`, { body: JSON.stringify({ text: 'z'.repeat(MAX_CHARS + 1) }) }), 400, 'message_invalid', 'long draft');
        });
        const ok = await send({ randomId: 'atlimit', text: 'x'.repeat(MAX_CHARS) });
        assert.equal(ok.status, 200, ok.text);
      });

      it('the health, metrics and OpenAPI endpoints answer without leaking internals', async () => {
        for (const path of ['/healthz', '/api/v1/openapi.json', '/']) {
          const res = await fetch(`${t.url}${path}`);
          const text = await res.text();
          assert.equal(res.status, 200, path);
          assertNoLeak(text, path);
        }
      });
    });

    describe('WebSocket', () => {
      const wsUrl = () => `${t.url.replace(/^http/, 'ws')}/api/v1/updates`;
      it('non-JSON, binary, unknown-op and not-hello-first frames close the connection with 4400/4401', () => unchanged(async () => {
        const cases: Array<[string, (ws: WebSocket) => void, number, RegExp]> = [
          ['non-JSON', (ws) => ws.send('hello there'), 4400, /^invalid_json/],
          ['truncated JSON', (ws) => ws.send(`{"op":"hello","token":"${token}"`), 4400, /^invalid_json/],
          ['binary', (ws) => ws.send(Buffer.from(JSON.stringify({ op: 'hello', token }))), 4400, /^bad_frame/],
          ['unknown op', (ws) => ws.send(JSON.stringify({ op: 'subscribe', token })), 4400, /^bad_frame/],
          ['array', (ws) => ws.send('[]'), 4400, /^bad_frame/],
          ['ping before hello', (ws) => ws.send(JSON.stringify({ op: 'ping', id: 1 })), 4401, /^hello_required/],
          ['call before hello', (ws) => ws.send(JSON.stringify({ op: 'call', id: 1, method: 'messages.send', params: { chatId: chat.id, randomId: 'early', text: 'x' } })), 4401, /^hello_required/],
          ['bad token', (ws) => ws.send(JSON.stringify({ op: 'hello', token: 'definitely-not-a-token' })), 4401, /^unauthorized/],
          ['empty token', (ws) => ws.send(JSON.stringify({ op: 'hello', token: '' })), 4400, /^bad_frame/],
        ];
        for (const [what, act, code, reason] of cases) {
          const c = await connectRaw(wsUrl());
          act(c.ws);
          const closed = await c.closed;
          assert.equal(closed.code, code, `${what}: ${closed.reason}`);
          assert.match(closed.reason, reason, what);
          assertNoLeak(closed.reason, what);
          assert.ok(!c.frames.some((f) => f.op === 'welcome'), `${what}: no welcome`);
        }
      }));

      it('a frame over updates.frameLimitBytes closes with 1009', () => unchanged(async () => {
        const limit = t.server.services.config.updates.frameLimitBytes;
        const c = await connectRaw(wsUrl());
        c.ws.send(JSON.stringify({ op: 'hello', token }));
        await c.until((f) => f.op === 'synced');
        c.ws.send(JSON.stringify({ op: 'call', id: 1, method: 'messages.send', params: { chatId: chat.id, randomId: 'huge', text: 'x'.repeat(limit) } }));
        assert.equal((await c.closed).code, 1009);
        const d = await connectRaw(wsUrl());
        d.ws.send('x'.repeat(limit + 1));
        assert.equal((await d.closed).code, 1009, 'before hello too');
      }));

      it('after hello: unknown ops and a second hello close with 4400; bad calls answer an error frame and keep the connection', () => unchanged(async () => {
        const c = await connectRaw(wsUrl());
        c.ws.send(JSON.stringify({ op: 'hello', token }));
        await c.until((f) => f.op === 'synced');
        const calls: Array<[unknown, string]> = [
          [{ op: 'call', id: 1, method: 'nope.nope', params: {} }, 'unknown_operation'],
          [{ op: 'call', id: 2, method: 'accounts.register', params: { username: 'sneaky', password: 'x' } }, 'unknown_operation'],
          [{ op: 'call', id: 3, method: 'messages.send', params: { chatId: 'abc', randomId: 'c3', text: 'x' } }, 'validation_failed'],
          [{ op: 'call', id: 4, method: 'messages.send', params: { chatId: chat.id, randomId: 'c4', text: 5 } }, 'validation_failed'],
          [{ op: 'call', id: 5, method: 'messages.send', params: { chatId: chat.id, randomId: 'c5', text: 'x', extra: 1 } }, 'validation_failed'],
          [{ op: 'call', id: 6, method: 'messages.send', params: { chatId: 999999, randomId: 'c6', text: 'x' } }, 'chat_not_found'],
          [{ op: 'call', id: 7, method: 'messages.send', params: { chatId: chat.id, randomId: 'c7', text: 'x'.repeat(MAX_CHARS + 1) } }, 'message_invalid'],
          [{ op: 'call', id: 8, method: 'messages.send', params: { chatId: chat.id, randomId: 'c8', text: 'nul\u0000' } }, 'validation_failed'],
          [{ op: 'call', id: 9, method: 'messages.history', params: { chatId: chat.id, limit: 1.5 } }, 'validation_failed'],
        ];
        for (const [frame, code] of calls) {
          const id = (frame as { id: number }).id;
          c.ws.send(JSON.stringify(frame));
          const f = await c.until((x) => x.op === 'error' && x.id === id);
          assert.equal((f.error as { code: string }).code, code, JSON.stringify(f));
          assertNoLeak(JSON.stringify(f), code);
        }
        c.ws.send(JSON.stringify({ op: 'ping', id: 99 }));
        await c.until((f) => f.op === 'pong' && f.id === 99);
        c.ws.send(JSON.stringify({ op: 'teleport' }));
        assert.equal((await c.closed).code, 4400);

        const d = await connectRaw(wsUrl());
        d.ws.send(JSON.stringify({ op: 'hello', token }));
        await d.until((f) => f.op === 'synced');
        d.ws.send(JSON.stringify({ op: 'hello', token }));
        assert.equal((await d.closed).code, 4400);
      }));

      it('a hello sent twice before the welcome is refused, not answered twice', () => unchanged(async () => {
        const c = await connectRaw(wsUrl());
        c.ws.send(JSON.stringify({ op: 'hello', token }));
        c.ws.send(JSON.stringify({ op: 'hello', token }));
        const closed = await c.closed;
        assert.equal(closed.code, 4400, closed.reason);
        assert.ok(c.frames.filter((f) => f.op === 'welcome').length <= 1, 'two welcomes on one connection');
      }));

      it('an upgrade on another path is refused', async () => {
        await assert.rejects(new Promise((resolve, reject) => {
          const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/v1/elsewhere`);
          ws.on('open', () => { ws.close(); resolve(undefined); });
          ws.on('error', reject);
        }));
      });
    });
  });

  describe(`update channel timers [${backend}]`, () => {
    let t: TestServer;
    const T = 1000;
    const GRACE = 500;
    before(async () => { t = await startTestServer(backend, { updates: { keepAliveMs: T, graceMs: GRACE, helloTimeoutMs: 1000 } }); });
    after(async () => { await t.close(); });
    const wsUrl = () => `${t.url.replace(/^http/, 'ws')}/api/v1/updates`;

    it('a connection without hello within updates.helloTimeoutMs is closed with 4410', async () => {
      const c = await connectRaw(wsUrl());
      const closed = await c.closed;
      assert.equal(closed.code, 4410);
      assert.match(closed.reason, /^hello_timeout/);
    });

    it('keep-alive: T is announced; a pinging client stays past T + grace; a silent one is closed with 4408', async () => {
      const alice = await t.user('kaalice');
      const tok = alice.session.token;
      const silent = await connectRaw(wsUrl());
      const pinging = await connectRaw(wsUrl());
      for (const c of [silent, pinging]) c.ws.send(JSON.stringify({ op: 'hello', token: tok }));
      const welcome = await silent.until((f) => f.op === 'welcome');
      assert.equal(welcome.keepAliveMs, T);
      assert.equal((await pinging.until((f) => f.op === 'welcome')).keepAliveMs, T);

      // The SDK reads T from the welcome and pings on its own.
      const sdk = await Device.connect(t.client(tok));
      assert.equal(sdk.stream.keepAliveMs, T);
      const statesOnline = sdk.states.length;

      let id = 0;
      const timer = setInterval(() => pinging.ws.send(JSON.stringify({ op: 'ping', id: ++id })), T / 4);
      try {
        const closed = await silent.closed;
        assert.equal(closed.code, 4408);
        assert.match(closed.reason, /^keepalive_timeout/);
        // Another full T + grace after the silent one went: the pinging one is still there.
        await new Promise((r) => setTimeout(r, T + GRACE + 250));
        assert.equal(pinging.ws.readyState, WebSocket.OPEN, 'a pinging client was closed');
        assert.ok(pinging.frames.filter((f) => f.op === 'pong').length >= 3, 'pongs answered');
        assert.equal(sdk.stream.state, 'online');
        assert.deepEqual(sdk.states.slice(statesOnline), [], 'the SDK connection never dropped');
      } finally {
        clearInterval(timer);
        sdk.close();
        pinging.ws.close();
      }
      assert.equal((await pinging.closed).code, 1005);
    });
  });
}

type Frame = Record<string, unknown> & { op?: string };

/** A raw `ws` client recording frames; `closed` resolves with the close code and reason. */
async function connectRaw(url: string): Promise<{ ws: WebSocket; frames: Frame[]; closed: Promise<{ code: number; reason: string }>; until(test: (f: Frame) => boolean): Promise<Frame> }> {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  const listeners = new Set<() => void>();
  ws.on('message', (data, isBinary) => {
    frames.push(isBinary ? { op: '(binary)' } : (JSON.parse(data.toString()) as Frame));
    for (const l of listeners) l();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const until = (test: (f: Frame) => boolean) =>
    new Promise<Frame>((resolve, reject) => {
      const check = () => {
        const f = frames.find(test);
        if (f) {
          listeners.delete(check);
          resolve(f);
        }
      };
      listeners.add(check);
      check();
      void closed.then((c) => {
        if (listeners.has(check)) reject(new Error(`closed (${c.code} ${c.reason}) before the expected frame; got ${JSON.stringify(frames)}`));
      });
    });
  return { ws, frames, closed, until };
}
