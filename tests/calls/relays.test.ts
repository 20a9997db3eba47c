import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/main.js';
import { BACKENDS, freshStore, testConfig, type TestStore } from '../helpers/backends.js';
import { eventually } from '../helpers/server.js';
import { ParleyClient } from '../../src/client/index.js';
import { NodeWebSocket } from '../helpers/server.js';
import { mintTurnCredential } from '../../src/relays/credentials.js';
import { allocate, TurnError, type TurnAllocation } from '../../src/relays/turn-client.js';
import { coturnPaths } from '../../src/relays/coturn-files.js';
import { parseRelayUri } from '../../src/relays/turn-url.js';
import type { RelayServer } from '../../src/protocol/calls.js';
import { alive, captureLogger, coturnPid, coturnSecret, deadUdpPort, holdUdpPort, managedLoopback, relayPool } from './relays-helpers.js';

// Relays do not touch storage: one back end is enough for the server-level tests.
const backend = BACKENDS[0] ?? 'sqlite';
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'parley-relays-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function serverOf(relay: RelayServer): { host: string; port: number } {
  const uri = parseRelayUri(relay.urls.find((u) => u.startsWith('turn:'))!);
  assert.ok(uri, `no turn: URL in ${relay.urls.join(', ')}`);
  return { host: uri.host, port: uri.port };
}

async function refusal(work: Promise<unknown>): Promise<number | null> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof TurnError, `expected a TurnError, got ${String(err)}`);
    return err.code;
  }
  return 0; // allowed
}

describe('managed coturn in a running server (real turnserver)', () => {
  let store: TestStore;
  let server: RunningServer;
  let logs: ReturnType<typeof captureLogger>;

  before(async () => {
    store = freshStore(backend);
    logs = captureLogger();
    server = await startServer(testConfig(store, { relays: { managed: managedLoopback() } }), { logger: logs.logger });
  });
  after(async () => {
    await server?.close();
    await store?.drop();
  });

  it('offer() gives fresh, opaque credentials valid at most an hour, for the local relay', async () => {
    const client = new ParleyClient({ baseUrl: server.url, WebSocket: NodeWebSocket });
    const session = await client.register({ username: 'relayuser', password: 'Tr0ub4dor&3-horse-staple', deviceName: 'd1' });
    const before = Date.now();
    const [a] = server.services.relays.offer();
    const [b] = server.services.relays.offer();
    assert.ok(a && b, 'the running managed relay is offered');
    assert.equal(a.id, 'local');
    assert.equal(a.region, 'local');
    assert.match(a.urls[0]!, /^turn:127\.0\.0\.1:\d+\?transport=udp$/);
    assert.ok(a.urls.some((u) => /^stun:127\.0\.0\.1:\d+$/.test(u)), 'a stun: URL for RTT probes');
    // TURN REST username: `<expiry>:<random>`; nothing stable or linkable to the account.
    for (const r of [a, b]) {
      assert.match(r.username, /^\d{10}:[A-Za-z0-9_-]{16}$/);
      // The pattern above leaves no room for an account id beside the expiry; the name is absent too.
      assert.ok(!r.username.includes(session.account.username), r.username);
      assert.ok(r.expiresAt > before && r.expiresAt <= Date.now() + 3600_000, `expiry ${r.expiresAt} is not within an hour`);
    }
    assert.notEqual(a.username.split(':')[1], b.username.split(':')[1], 'two offers share no opaque part');
    assert.notEqual(a.credential, b.credential);
  });

  it('our TURN client allocates with an offered credential and releases it', async () => {
    const [relay] = server.services.relays.offer();
    assert.ok(relay);
    const alloc = await allocate({ server: serverOf(relay), username: relay.username, password: relay.credential });
    assert.equal(alloc.relayed.address, '127.0.0.1');
    assert.ok(alloc.relayed.port > 0);
    assert.ok(alloc.lifetimeSec > 0);
    // RFC 8656 §7.2: the granted lifetime is at least the default (600 s) and at most the maximum (3600 s).
    assert.equal(await alloc.refresh(1200), 1200);
    await alloc.close();
  });

  it('an expired credential and a credential under the wrong secret are refused (401)', async () => {
    const [relay] = server.services.relays.offer();
    assert.ok(relay);
    const secret = coturnSecret(store.dataDir);
    const expired = mintTurnCredential(secret, Date.now() - 2 * 3600_000, 60);
    assert.equal(await refusal(allocate({ server: serverOf(relay), username: expired.username, password: expired.credential })), 401);
    const forged = mintTurnCredential('0'.repeat(64), Date.now(), 600);
    assert.equal(await refusal(allocate({ server: serverOf(relay), username: forged.username, password: forged.credential })), 401);
    // The right secret with the same timing works: the refusals were about the credential.
    const good = mintTurnCredential(secret, Date.now(), 600);
    const alloc = await allocate({ server: serverOf(relay), username: good.username, password: good.credential });
    await alloc.close();
  });

  it('refuses permissions to loopback, private, link-local and CGNAT peers (403)', async () => {
    const [relay] = server.services.relays.offer();
    assert.ok(relay);
    const alloc = await allocate({ server: serverOf(relay), username: relay.username, password: relay.credential });
    try {
      // IPv4 peers: this allocation is IPv4, so coturn answers IPv6 peers with 443 (address family
      // mismatch) before its deny list; the IPv6 ranges are checked in src/relays/coturn-config.test.ts.
      for (const peer of ['127.0.0.1', '10.1.2.3', '192.168.1.1', '172.16.0.9', '169.254.169.254', '100.64.0.1', '0.1.2.3', '198.18.0.1', '240.0.0.1']) {
        assert.equal(await refusal(alloc.createPermission(peer)), 403, `${peer} must be refused`);
      }
      // A global address is permitted (the deny list is not blanket). A permission only opens the
      // relay's filter; no packet is sent to that address.
      assert.equal(await refusal(alloc.createPermission('1.1.1.1')), 0);
    } finally {
      await alloc.close();
    }
  });

  it('keeps the secret out of the logs (coturn output is logged, the secret is not) and its files private', () => {
    const secret = coturnSecret(store.dataDir);
    assert.match(secret, /^[0-9a-f]{64}$/);
    const text = logs.text();
    assert.match(text, /"coturn":"[^"]*relay 127\.0\.0\.1/, 'coturn output reached the logger (the check below means something)');
    assert.ok(!text.includes(secret), 'the secret appears in a log line');
    assert.ok(!/auth-secret/.test(text));
    const paths = coturnPaths(store.dataDir);
    assert.equal(statSync(paths.secret).mode & 0o777, 0o600);
    assert.equal(statSync(paths.config).mode & 0o777, 0o600);
    assert.equal(statSync(paths.dir).mode & 0o777, 0o700);
    assert.ok(readFileSync(paths.config, 'utf8').includes(`static-auth-secret=${secret}`));
  });

  it('restarts coturn killed with SIGKILL; the health check passes again', async () => {
    const first = coturnPid(store.dataDir);
    assert.ok(first, 'coturn wrote its pidfile');
    process.kill(first, 'SIGKILL');
    await eventually(() => {
      const pid = coturnPid(store.dataDir);
      return pid !== null && pid !== first;
    }, 20_000, 'a new coturn process');
    let checks = await server.services.relays.checkAll();
    // The new process may still be binding when its pidfile appears: poll the real check.
    await eventually(async () => {
      checks = await server.services.relays.checkAll();
      return checks.every((c) => c.ok);
    }, 20_000, 'a passing check after the restart');
    assert.equal(checks.length, 1);
    assert.equal(checks[0]?.id, 'local');
    const metrics = await server.services.metrics.registry.metrics();
    assert.match(metrics, /parley_relay_restarts_total 1\b/);
    assert.match(metrics, /parley_relay_up\{relay="local"\} 1/);
    assert.match(logs.text(), /coturn exited unexpectedly/);
  });
});

describe('managed coturn lifecycle', () => {
  it('close() stops coturn and removes the running record', async () => {
    const dir = tempDir();
    const { pool } = relayPool(dir, { managed: managedLoopback() });
    await pool.start();
    const pid = coturnPid(dir);
    assert.ok(pid && alive(pid));
    assert.equal((await pool.checkAll())[0]?.ok, true);
    await pool.close();
    await eventually(() => !alive(pid), 5000, 'coturn to exit');
    assert.throws(() => statSync(coturnPaths(dir).running));
  });

  it('coturn does not outlive its parent: killed with SIGKILL or exiting without close()', async () => {
    const pool = fileURLToPath(new URL('../../src/relays/pool.js', import.meta.url));
    const config = fileURLToPath(new URL('../../src/kernel/config.js', import.meta.url));
    const logger = fileURLToPath(new URL('../../src/kernel/logger.js', import.meta.url));
    // A parent process that starts the managed coturn, prints its pid, then dies as told.
    const parent = (dir: string, death: 'sigkill' | 'exit') => {
      const script = `
        import { Relays } from ${JSON.stringify(pool)};
        import { loadConfig } from ${JSON.stringify(config)};
        import { createLogger } from ${JSON.stringify(logger)};
        import { Registry } from 'prom-client';
        const config = loadConfig({ env: {}, file: null, overrides: { dataDir: ${JSON.stringify(dir)}, relays: { managed: ${JSON.stringify(managedLoopback())} } } });
        const relays = new Relays({ config, logger: createLogger('silent'), clock: { now: () => Date.now() }, registry: new Registry() });
        await relays.start();
        const { readFileSync } = await import('node:fs');
        const pid = Number(readFileSync(${JSON.stringify(join(dir, 'coturn', 'turnserver.pid'))}, 'utf8'));
        process.stdout.write(JSON.stringify({ ok: relays.offer().length, pid }) + '\\n');
        ${death === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);'}`;
      // cwd: the repo root, so that the bare 'prom-client' import resolves from node_modules.
      const root = fileURLToPath(new URL('../../../', import.meta.url));
      return spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    };
    for (const death of ['sigkill', 'exit'] as const) {
      const dir = tempDir();
      const child = parent(dir, death);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(d));
        child.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
      });
      const { ok, pid } = JSON.parse(line) as { ok: number; pid: number };
      assert.equal(ok, 1, 'the managed relay runs');
      assert.ok(Number.isInteger(pid) && pid > 1, line);
      if (death === 'sigkill') {
        assert.ok(alive(pid), 'coturn runs while its parent does');
        child.kill('SIGKILL');
      }
      await exited;
      await eventually(() => !alive(pid), 5000, `coturn ${pid} to die after its parent's ${death}`);
    }
  });

  it('a missing turnserver binary: start() still resolves, the error says to install coturn, nothing is offered', async () => {
    const dir = tempDir();
    const logs = captureLogger();
    const { pool } = relayPool(dir, { managed: managedLoopback({ binary: 'parley-test-no-such-turnserver' }) }, logs.logger);
    await pool.start();
    try {
      assert.deepEqual(pool.offer(), []);
      assert.match(logs.text(), /install Debian's coturn/);
      const [check] = await pool.checkAll();
      assert.equal(check?.ok, false);
      assert.match(check?.error ?? '', /not running: .*install Debian's coturn/);
    } finally {
      await pool.close();
    }
  });

  it('refuses a port another process holds (coturn would share it through SO_REUSEPORT)', async () => {
    const dir = tempDir();
    const held = await holdUdpPort();
    const logs = captureLogger();
    const { pool } = relayPool(dir, { managed: managedLoopback({ port: held.port }) }, logs.logger);
    try {
      await pool.start();
      assert.deepEqual(pool.offer(), []);
      assert.match(logs.text(), new RegExp(`UDP port ${held.port} on 127\\.0\\.0\\.1 is in use`));
      assert.equal(coturnPid(dir), null);
    } finally {
      await pool.close();
      held.socket.close();
    }
  });
});

describe('relay health decides what is offered', () => {
  it('a relay failing its check is left out while another passes; when all fail, all are offered', async () => {
    const dir = tempDir();
    const port = await deadUdpPort();
    const dead = { id: 'dead', region: 'nowhere', urls: [`turn:127.0.0.1:${port}?transport=udp`], secret: 'd'.repeat(32) };
    const { pool, registry } = relayPool(dir, { managed: managedLoopback(), external: [dead] });
    await pool.start();
    try {
      const checks = await pool.checkAll();
      assert.deepEqual(checks.map((c) => [c.id, c.ok]), [['local', true], ['dead', false]]);
      assert.match(checks[1]?.error ?? '', /refused|no answer/);
      assert.deepEqual(pool.offer().map((r) => r.id), ['local']);
      const metrics = await registry.metrics();
      assert.match(metrics, /parley_relay_up\{relay="dead"\} 0/);
      assert.match(metrics, /parley_relay_checks_total\{relay="dead",outcome="fail"\} [1-9]/);
      assert.match(metrics, /parley_relay_credentials_issued_total 1\b/);
    } finally {
      await pool.close();
    }

    const alone = relayPool(tempDir(), { managed: { enabled: false }, external: [dead] });
    await alone.pool.start();
    try {
      assert.deepEqual(alone.pool.offer().map((r) => r.id), ['dead'], 'offered before its first check');
      assert.equal((await alone.pool.checkAll())[0]?.ok, false);
      assert.deepEqual(alone.pool.offer().map((r) => r.id), ['dead'], 'better a call that may fail than none');
    } finally {
      await alone.pool.close();
    }
  });
});

describe('loopback peers behind the development/test flag', () => {
  const dir = tempDir();
  const { pool } = relayPool(dir, { managed: managedLoopback({ allowLoopbackPeers: true }) });
  const allocs: TurnAllocation[] = [];
  before(() => pool.start());
  after(async () => {
    for (const a of allocs) await a.close();
    await pool.close();
  });

  async function open(): Promise<TurnAllocation> {
    const [relay] = pool.offer();
    assert.ok(relay);
    const a = await allocate({ server: serverOf(relay), username: relay.username, password: relay.credential });
    allocs.push(a);
    return a;
  }

  it('permits 127.0.0.1 but still refuses private ranges', async () => {
    const a = await open();
    assert.equal(await refusal(a.createPermission('127.0.0.1')), 0);
    assert.equal(await refusal(a.createPermission('10.0.0.1')), 403);
    assert.equal(await refusal(a.createPermission('192.168.0.1')), 403);
  });

  it('relays ChannelData between two allocations in both directions (RTP-sized packets)', async () => {
    const a = await open();
    const b = await open();
    const chA = await a.channelBind(b.relayed);
    const chB = await b.channelBind(a.relayed);
    const got = (x: TurnAllocation) => new Promise<{ data: Buffer; from: string }>((resolve) => x.once('data', (data, peer) => resolve({ data, from: `${peer.address}:${peer.port}` })));
    const payload = Buffer.alloc(172, 0xab); // 20 ms of G.711 plus an RTP header
    const atB = got(b);
    a.sendChannel(chA, payload);
    const rb = await atB;
    assert.deepEqual(rb.data, payload);
    assert.equal(rb.from, `${a.relayed.address}:${a.relayed.port}`);
    const atA = got(a);
    b.sendChannel(chB, Buffer.from('pong'));
    const ra = await atA;
    assert.equal(ra.data.toString(), 'pong');
    assert.equal(ra.from, `${b.relayed.address}:${b.relayed.port}`);
  });
});
