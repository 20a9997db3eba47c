import { join } from 'node:path';
import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import type { Config } from '../kernel/config.js';
import { createLogger } from '../kernel/logger.js';
import { systemClock } from '../kernel/clock.js';
import { openDatabase } from '../storage/database.js';
import { MemoryBus } from '../cluster/memory-bus.js';
import { createServices, type Services } from '../app/services.js';
import { Relays } from '../relays/pool.js';
import { coturnVersion } from '../relays/supervisor.js';

import { UsageError, type Command } from './usage.js';
import { addressBansAdmin, isAddress } from './sip-commands.js';
import { out, flag } from './io.js';
import { auditCommand } from './audit-command.js';

export { UsageError, type Command } from './usage.js';

/** Services without the HTTP server, for admin commands. */
async function withServices<T>(config: Readonly<Config>, work: (s: Services) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: config.database.url, sqlitePath: join(config.dataDir, 'parley.db'), schema: config.database.schema, poolSize: 2 });
  const bus = new MemoryBus();
  try {
    return await work(createServices({ config, logger: createLogger('warn', process.stderr), clock: systemClock, bus, database }));
  } finally {
    await database.close();
  }
}

const serve: Command = {
  name: 'serve',
  usage: 'serve',
  summary: 'run the server',
  async run(config) {
    // Loaded here so that admin and doctor do not pay for the HTTP stack at start-up.
    const { startServer } = await import('../main.js');
    const server = await startServer(config);
    const { services } = server;
    if (config.accounts.registration === 'invite' && (await services.accounts.count()) === 0) {
      const invite = await services.invites.create({ uses: 1, ttlMs: 24 * 3600_000 });
      out(`No accounts yet. First invite code (one use, 24 h): ${invite.code}`);
    }
    out(`Parley is running: open ${server.url}`);
    // Relays for calls (issue 4): the URL only, never the credentials (they are minted per call).
    const relays = server.services.relays.offer();
    if (relays.length) out(`Call relays: ${relays.map((r) => `${r.id} ${r.urls.find((u) => u.startsWith('turn:')) ?? r.urls[0]}`).join(', ')}`);
    else if (config.calls.enabled) out('Call relays: none running (calls between protected users will fail; see `parley doctor`)');
    if (server.sip) {
      const l = server.sip.listening;
      out(`SIP over TLS on ${config.sip.host}:${l.tlsPort}${l.udpPort !== null ? `, UDP ${l.udpPort}` : ''}${l.tcpPort !== null ? `, TCP ${l.tcpPort}` : ''}${config.sip.certFile ? '' : ` (self-signed certificate in ${config.dataDir}/sip-tls)`}`);
      if (l.provisioningBase) out(`Phone provisioning over HTTPS: ${l.provisioningBase}<token>  (parley sip device add <extension>)`);
    }
    const stop = (): void => {
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  },
};

const admin: Command = {
  name: 'admin',
  usage: 'admin user add|list|disable|enable, invite create, appeals list|accept|reject, bans list|lift',
  summary: 'operator tasks on the configured database',
  async run(config, args) {
    const [noun, verb, ...rest] = args;
    return withServices(config, async (s) => {
      if (noun === 'user' && verb === 'add') {
        const username = rest[0];
        const password = flag(rest, 'password') ?? (await readSecretFromStdin());
        if (!username || !password) throw new UsageError('usage: parley admin user add <username> [--password P | password on stdin] [--admin]');
        const created = await s.accounts.createByOperator({ username, password, isAdmin: rest.includes('--admin') });
        out(`created ${created.username} (id ${created.id})`);
        return 0;
      }
      if (noun === 'user' && verb === 'list') {
        for (const a of await s.accounts.list()) out(`${String(a.id).padStart(6)}  ${a.username.padEnd(32)} ${a.disabled ? 'disabled' : 'active'}${a.isAdmin ? ' admin' : ''}`);
        return 0;
      }
      if (noun === 'user' && (verb === 'disable' || verb === 'enable')) {
        if (!rest[0]) throw new UsageError(`usage: parley admin user ${verb} <username>`);
        await s.accounts.setDisabled(rest[0], verb === 'disable');
        out(`${rest[0]} ${verb}d${verb === 'disable' ? '; all its devices were logged out' : ''}`);
        return 0;
      }
      if (noun === 'invite' && verb === 'create') {
        const uses = Number(flag(rest, 'uses') ?? 1);
        const hours = Number(flag(rest, 'hours') ?? 168);
        if (!Number.isInteger(uses) || uses < 1 || !(hours > 0)) throw new UsageError('usage: parley admin invite create [--uses N] [--hours H]');
        const invite = await s.invites.create({ uses, ttlMs: hours * 3600_000 });
        out(invite.code);
        return 0;
      }
      if (noun === 'appeals' || noun === 'bans') return shieldAdmin(s, noun, verb, rest);
      throw new UsageError('usage: parley admin user add|list|disable|enable …, parley admin invite create [--uses N] [--hours H], parley admin appeals list|accept|reject, parley admin bans list|lift');
    });
  },
};

/** Appeal queue and bans (issue 6): `appeals list [--state pending|accepted|rejected]`, `appeals accept|reject <account>`, `bans list`, `bans lift <account>`. */
async function shieldAdmin(s: Services, noun: string, verb: string | undefined, rest: string[]): Promise<number> {
  const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
  const target = async (): Promise<number> => {
    const who = rest[0];
    if (!who) throw new UsageError(`usage: parley admin ${noun} ${verb} <accountId | username>`);
    if (/^\d+$/.test(who)) return Number(who);
    return (await s.accounts.findByUsername(who)).id;
  };
  if (noun === 'appeals' && verb === 'list') {
    const state = flag(rest, 'state') ?? 'pending';
    if (state !== 'pending' && state !== 'accepted' && state !== 'rejected') throw new UsageError('usage: parley admin appeals list [--state pending|accepted|rejected]');
    const rows = await s.shield.appeals.list(state, 1000);
    if (!rows.length) out(`no ${state} appeals`);
    for (const a of rows) {
      const top = a.ban.top.slice(0, 3).map((t) => `${t.signal}=${t.value}`).join(', ');
      out(`${String(a.accountId).padStart(6)}  ${a.username.padEnd(24)} ${a.ban.reason.padEnd(20)} banned ${when(a.ban.bannedAt)}  appealed ${when(a.ban.appeal?.submittedAt ?? null)}  [${top}]${a.note ? `\n        "${a.note.replace(/\s+/g, ' ').slice(0, 200)}"` : ''}`);
    }
    return 0;
  }
  if (noun === 'appeals' && (verb === 'accept' || verb === 'reject')) {
    const accountId = await target();
    await s.shield.decideAppeal(accountId, verb === 'accept' ? 'accepted' : 'rejected');
    out(verb === 'accept' ? `appeal of ${accountId} accepted: ban lifted (counted as a false positive)` : `appeal of ${accountId} rejected: the ban stays`);
    return 0;
  }
  if (noun === 'bans' && verb === 'list') {
    out('account bans (anti-abuse):');
    const rows = await s.database.db.selectFrom('shield_bans').innerJoin('accounts', 'accounts.id', 'shield_bans.account_id')
      .select(['shield_bans.account_id', 'accounts.username', 'shield_bans.reason', 'shield_bans.banned_at', 'shield_bans.lifted_at', 'shield_bans.appeal_state'])
      .orderBy('shield_bans.banned_at', 'desc').limit(1000).execute();
    if (!rows.length) out('no bans');
    for (const r of rows) out(`${String(r.account_id).padStart(6)}  ${r.username.padEnd(24)} ${r.reason.padEnd(20)} banned ${when(Number(r.banned_at))}  ${r.lifted_at === null ? 'active' : `lifted ${when(Number(r.lifted_at))}`}  appeal ${r.appeal_state ?? '-'}`);
    out('address bans (SIP and provisioning brute force, scanners):');
    return addressBansAdmin(s.config, 'list', rest);
  }
  if (noun === 'bans' && verb === 'lift') {
    if (rest[0] && isAddress(rest[0])) return addressBansAdmin(s.config, 'lift', rest);
    const accountId = await target();
    await s.shield.bans.lift(accountId, s.clock.now());
    await s.shield.engine.forgive(accountId);
    out(`ban of ${accountId} lifted`);
    return 0;
  }
  throw new UsageError('usage: parley admin appeals list [--state S] | appeals accept|reject <account>, parley admin bans list | bans lift <account | address>');
}

const doctor: Command = {
  name: 'doctor',
  usage: 'doctor',
  summary: 'check configuration, database and ports',
  async run(config) {
    let failures = 0;
    const check = async (label: string, probe: () => Promise<string>): Promise<void> => {
      try {
        out(`ok    ${label}: ${await probe()}`);
      } catch (err) {
        failures++;
        out(`FAIL  ${label}: ${(err as Error).message}`);
      }
    };
    out(`ok    config: valid (registration ${config.accounts.registration}, data in ${config.dataDir})`);
    await check('database', () => withServices(config, async (s) => `${s.database.dialect}, migrations applied, ${await s.accounts.count()} accounts`));
    await check(`http port ${config.http.host}:${config.http.port}`, () => portFree(config.http.host, config.http.port));
    if (config.http.host !== '127.0.0.1' && config.http.host !== '::1' && !config.http.publicUrl.startsWith('https://')) {
      out('warn  http: listening beyond loopback without an https publicUrl: put a TLS proxy in front');
    }
    failures += await doctorRelays(config);
    return failures ? 1 : 0;
  },
};

/**
 * Relays (issue 4): the coturn binary when Parley manages one, then every configured relay with a
 * real TURN allocation. Doctor never starts a coturn: the managed one is checked as the running
 * `parley serve` on this data dir recorded it. Returns the number of failures.
 */
async function doctorRelays(config: Readonly<Config>): Promise<number> {
  let failures = 0;
  const { managed, external } = config.relays;
  if (!managed.enabled && external.length === 0) {
    out('warn  relays: none configured (relays.managed.enabled is false, relays.external is empty): calls cannot be relayed');
    return 0;
  }
  if (managed.enabled) {
    try {
      out(`ok    coturn: ${managed.binary} ${await coturnVersion(managed.binary)}`);
    } catch (err) {
      failures++;
      out(`FAIL  coturn: ${(err as Error).message}`);
    }
  }
  const relays = new Relays({ config, logger: createLogger('silent'), clock: systemClock, registry: new Registry() });
  for (const r of await relays.checkAll()) {
    const label = `relay ${r.id} (${r.region || 'no region'}) ${r.url}`;
    const rtt = r.rttMs ?? 0;
    if (r.ok) out(`ok    ${label}: allocated ${r.relayedAddress} in ${rtt < 10 ? rtt.toFixed(1) : Math.round(rtt)} ms`);
    else {
      failures++;
      out(`FAIL  ${label}: ${r.error}`);
    }
  }
  await relays.close();
  return failures;
}

function portFree(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'EADDRINUSE' ? 'in use (is Parley already running?)' : err.message)));
    srv.listen(port, host, () => srv.close(() => resolve('free')));
  });
}

async function readSecretFromStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n')[0]?.trim() || undefined;
}

export const COMMANDS: Command[] = [serve, admin, doctor, auditCommand];
