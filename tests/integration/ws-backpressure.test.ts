import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { MAX_CALLS_IN_FLIGHT } from '../../src/api/ws/connection.js';

// A device cannot queue unbounded work on the server: calls past the in-flight limit are refused
// with rate_limited (and an id, so the client knows which), and the connection stays usable.
describe('update channel backpressure', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer('sqlite'); });
  after(async () => { await t.close(); });

  it(`refuses calls beyond ${MAX_CALLS_IN_FLIGHT} in flight and keeps the connection open`, async () => {
    const u = await t.user('flooder');
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/updates`);
    const frames: Array<{ op: string; id?: number; error?: { code: string } }> = [];
    let resolveSynced!: () => void;
    const synced = new Promise<void>((r) => (resolveSynced = r));
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { op: string };
      frames.push(f);
      if (f.op === 'synced') resolveSynced();
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ op: 'hello', token: u.session.token }));
    await synced;
    const N = 500;
    for (let i = 1; i <= N; i++) ws.send(JSON.stringify({ op: 'call', id: i, method: 'chats.list', params: {} }));
    const answered = () => frames.filter((f) => f.op === 'result' || f.op === 'error');
    while (answered().length < N) await new Promise((r) => setTimeout(r, 20));
    const refused = answered().filter((f) => f.op === 'error');
    assert.ok(refused.length > 0, 'some calls were refused');
    assert.ok(refused.every((f) => f.error?.code === 'rate_limited'), 'refusals say rate_limited');
    assert.equal(new Set(answered().map((f) => f.id)).size, N, 'every call got exactly one answer');
    // Still usable afterwards.
    ws.send(JSON.stringify({ op: 'call', id: N + 1, method: 'chats.list', params: {} }));
    while (!frames.some((f) => f.id === N + 1)) await new Promise((r) => setTimeout(r, 20));
    assert.equal(frames.find((f) => f.id === N + 1)?.op, 'result');
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
  });
});
