/**
 * A client process of the delivery benchmark: registers accounts, links devices, holds update
 * channels and sends or counts messages on the driver's orders (protocol.ts). Clients live in
 * processes of their own so the server's CPU and RSS are measured apart from theirs.
 */
import WebSocket from 'ws';
import { ParleyClient, UpdateStream, randomId, type WebSocketFactory } from '../../src/client/index.js';
import { nowMs, encodeText, decodeText, type Request, type Response, type Device, type Sender, type Registered, type SendResult, type Receipts, type Status } from './protocol.js';

const NodeWebSocket = WebSocket as unknown as WebSocketFactory;
const baseUrl = process.env.BENCH_SERVER_URL ?? '';
if (!baseUrl || !process.send) throw new Error('worker.ts is started by bench/delivery/main.ts');

const streams = new Map<string, UpdateStream>();
/** Per phase: receipts at receiving devices, with each message's intended send time and latency. */
const receipts = new Map<string, { count: number; first: number; last: number; sentAt: number[]; latencies: number[] }>();
let online = 0;
let drops = 0;
const dropReasons: Record<string, number> = {};

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

const client = (token?: string) => new ParleyClient({ baseUrl, WebSocket: NodeWebSocket, ...(token ? { token } : {}) });

async function register(usernames: string[], password: string, concurrency: number): Promise<Registered[]> {
  return pool(usernames, concurrency, async (username) => {
    const s = await client().register({ username, password, deviceName: 'bench-1', platform: 'bench' });
    return { username, accountId: s.account.id, token: s.token, deviceId: s.deviceId };
  });
}

/** Extra devices through QR linking: no password hash per device, unlike a login. */
async function link(owners: Array<{ token: string; extra: number }>, concurrency: number): Promise<string[][]> {
  return pool(owners, concurrency, async ({ token, extra }) => {
    const owner = client(token);
    const tokens: string[] = [];
    for (let i = 0; i < extra; i++) {
      const fresh = client();
      const req = await fresh.requestLink({ deviceName: `bench-${i + 2}`, platform: 'bench' });
      await owner.approveLink(req.token);
      const r = await fresh.claimLink(req.token, req.claimSecret, 0);
      if (r.status !== 'approved') throw new Error('link claim still pending after approval');
      tokens.push(r.token);
    }
    return tokens;
  });
}

function onUpdate(accountId: number, u: { type: string; data: unknown }): void {
  if (u.type !== 'message.new') return;
  const m = (u.data as { message: { senderId: number; text: string } }).message;
  // A sender's own devices get its message too; only the receiving side counts as delivered.
  if (m.senderId === accountId) return;
  const t = decodeText(m.text);
  if (!t) return;
  const now = nowMs();
  let r = receipts.get(t.phase);
  if (!r) receipts.set(t.phase, (r = { count: 0, first: now, last: now, sentAt: [], latencies: [] }));
  r.count++;
  r.last = now;
  r.sentAt.push(t.intendedAt);
  r.latencies.push(now - t.intendedAt);
}

async function connect(devices: Device[], concurrency: number, timeoutMs: number): Promise<{ online: number; failed: number; firstError?: string }> {
  let failed = 0;
  let firstError: string | undefined;
  await pool(devices, concurrency, async (d) => {
    let wasOnline = false;
    const stream = new UpdateStream({
      url: `${baseUrl.replace(/^http/, 'ws')}/api/v1/updates`,
      token: d.token,
      WebSocket: NodeWebSocket,
      reconnect: false,
      onUpdate: (u) => onUpdate(d.accountId, u),
      onState: (state, detail) => {
        if (state === 'online' && !wasOnline) {
          wasOnline = true;
          online++;
        } else if (state === 'closed' && wasOnline) {
          wasOnline = false;
          online--;
          drops++;
          const why = `${detail?.code ?? '?'} ${detail?.reason ?? ''}`.trim();
          dropReasons[why] = (dropReasons[why] ?? 0) + 1;
        }
      },
    });
    streams.set(d.key, stream);
    const ok = await Promise.race([stream.synced().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
    if (!ok) {
      failed++;
      firstError ??= `not synced within ${timeoutMs} ms (state ${stream.state})`;
    }
  });
  return { online, failed, ...(firstError ? { firstError } : {}) };
}

function sendOne(s: Sender, phase: string, intendedAt: number, seq: number): Promise<unknown> {
  const stream = streams.get(s.key);
  if (!stream) return Promise.reject(new Error(`no stream ${s.key}`));
  // The update channel, not HTTP: no per-request auth lookup and no connection set-up.
  return stream.call('messages.send', { chatId: s.chatId, randomId: randomId(), text: encodeText(phase, intendedAt, seq) });
}

async function flood(phase: string, senders: Sender[], window: number, seconds: number): Promise<SendResult> {
  const res: SendResult = { sent: 0, acked: 0, errors: 0, startedAt: nowMs(), endedAt: 0 };
  const stopAt = res.startedAt + seconds * 1000;
  let seq = 0;
  const lane = async (s: Sender): Promise<void> => {
    while (nowMs() < stopAt) {
      res.sent++;
      try {
        await sendOne(s, phase, nowMs(), seq++);
        res.acked++;
      } catch (err) {
        res.errors++;
        res.firstError ??= (err as Error).message;
        if (res.errors > 1000) return;
      }
    }
  };
  await Promise.all(senders.flatMap((s) => Array.from({ length: window }, () => lane(s))));
  res.endedAt = nowMs();
  return res;
}

async function paced(phase: string, senders: Sender[], rate: number, seconds: number, startAt: number): Promise<SendResult> {
  // Every worker starts at the same driver-given instant, so the offered rates add up.
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - nowMs())));
  const start = startAt;
  const res: SendResult = { sent: 0, acked: 0, errors: 0, startedAt: start, endedAt: 0 };
  const total = Math.floor(rate * seconds);
  const inflight: Promise<void>[] = [];
  await new Promise<void>((done) => {
    // Open loop: message k is due at start + k/rate and is stamped with that time, so a stalled
    // server shows up as latency instead of quietly lowering the offered rate.
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((nowMs() - start) * rate) / 1000) + 1);
      while (res.sent < due) {
        const k = res.sent++;
        const s = senders[k % senders.length]!;
        inflight.push(sendOne(s, phase, start + (k * 1000) / rate, k).then(() => void res.acked++, (err: Error) => {
          res.errors++;
          res.firstError ??= err.message;
        }));
      }
      if (res.sent >= total) {
        clearInterval(timer);
        done();
      }
    }, 1);
  });
  res.endedAt = nowMs();
  await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, 15000))]);
  return res;
}

/** Receipts of a phase; latencies only of messages meant to be sent at or after `measureFrom`. */
function takeReceipts(phase: string, measureFrom: number | undefined): Receipts {
  const r = receipts.get(phase);
  if (!r) return { count: 0, first: 0, last: 0, ...(measureFrom !== undefined ? { latencies: [] } : {}) };
  const out: Receipts = { count: r.count, first: r.first, last: r.last };
  if (measureFrom !== undefined) out.latencies = r.latencies.filter((_, i) => r.sentAt[i]! >= measureFrom);
  return out;
}

async function handle(req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'register': return register(req.usernames, req.password, req.concurrency);
    case 'link': return link(req.owners, req.concurrency);
    case 'connect': return connect(req.devices, req.concurrency, req.timeoutMs);
    case 'status': return { online, drops, dropReasons } satisfies Status;
    case 'flood': return flood(req.phase, req.senders, req.window, req.seconds);
    case 'paced': return paced(req.phase, req.senders, req.rate, req.seconds, req.startAt);
    case 'receipts': return takeReceipts(req.phase, req.measureFrom);
    case 'close':
      for (const s of streams.values()) s.close();
      setTimeout(() => process.exit(0), 200);
      return { closed: streams.size };
  }
}

process.on('message', (msg: Request & { id: number }) => {
  handle(msg).then(
    (value) => process.send!({ id: msg.id, ok: true, value } satisfies Response),
    (err: unknown) => process.send!({ id: msg.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies Response),
  );
});
// The driver going away must not leave clients behind.
process.on('disconnect', () => process.exit(0));
