import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError, type Config } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fills every default when nothing is given', () => {
    const c = loadConfig({ env: {}, file: null });
    assert.equal(c.dataDir, './data');
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 8080, publicUrl: '', bodyLimitBytes: 65536, trustProxy: false });
    assert.equal(c.database.url, '');
    assert.equal(c.database.schema, 'public');
    assert.equal(c.accounts.registration, 'invite');
    assert.equal(c.updates.keepAliveMs, 30000);
    assert.equal(c.updates.graceMs, 10000);
    assert.equal(c.updates.frameLimitBytes, 65536);
    assert.equal(c.chats.maxMessageChars, 4096);
    assert.equal(c.log.level, 'info');
  });

  it('maps PARLEY_* variables onto keys, with booleans and integers coerced', () => {
    const c = loadConfig({
      file: null,
      env: {
        PARLEY_DATABASE_URL: 'postgres://u@h/db',
        PARLEY_HTTP_PORT: '9090',
        PARLEY_TRUST_PROXY: 'true',
        PARLEY_REGISTRATION: 'open',
        PARLEY_KEEPALIVE_MS: '5000',
        PARLEY_LOG_LEVEL: 'warn',
        // Unrelated variables are none of our business.
        PATH: '/usr/bin',
        HOME: '/root',
      },
    });
    assert.equal(c.database.url, 'postgres://u@h/db');
    assert.equal(c.http.port, 9090);
    assert.equal(c.http.trustProxy, true);
    assert.equal(c.accounts.registration, 'open');
    assert.equal(c.updates.keepAliveMs, 5000);
    assert.equal(c.log.level, 'warn');
    assert.equal(c.http.host, '127.0.0.1', 'unset keys keep defaults');
  });

  it('layers defaults < file < environment < overrides', () => {
    const p = file('layers.json', { http: { port: 1111, host: '0.0.0.0' }, chats: { maxMessageChars: 100 } });
    const c = loadConfig({ file: p, env: { PARLEY_HTTP_PORT: '2222' }, overrides: { chats: { maxMessageChars: 50 } } });
    assert.equal(c.http.port, 2222);
    assert.equal(c.http.host, '0.0.0.0');
    assert.equal(c.chats.maxMessageChars, 50);
    assert.equal(c.chats.maxGroupMembers, 1000);
    // PARLEY_CONFIG names the file when `file` is not given.
    assert.equal(loadConfig({ env: { PARLEY_CONFIG: p } }).http.port, 1111);
  });

  it('rejects an unknown key in the file, naming it', () => {
    const p = file('unknown.json', { http: { port: 8080, prot: 1 }, colour: 'blue' });
    const list = problems(() => loadConfig({ file: p, env: {} }));
    assert.ok(list.some((m) => m.includes('http.prot') && m.includes('unknown key')), list.join('; '));
    assert.ok(list.some((m) => m.includes('colour') && m.includes('unknown key')), list.join('; '));
  });

  it('rejects an unknown PARLEY_ variable, naming it', () => {
    const list = problems(() => loadConfig({ file: null, env: { PARLEY_HTTP_PROT: '1' } }));
    assert.ok(list.some((m) => m.startsWith('PARLEY_HTTP_PROT')), list.join('; '));
  });

  it('rejects wrong types and out-of-range values, naming the key', () => {
    assert.ok(problems(() => loadConfig({ file: null, env: { PARLEY_HTTP_PORT: 'eighty' } })).some((m) => m.startsWith('http.port')));
    assert.ok(problems(() => loadConfig({ file: null, env: {}, overrides: { http: { port: 70000 } } })).some((m) => m.startsWith('http.port')));
    assert.ok(problems(() => loadConfig({ file: null, env: {}, overrides: { updates: { keepAliveMs: '30s' } } })).some((m) => m.startsWith('updates.keepAliveMs')));
    assert.ok(problems(() => loadConfig({ file: null, env: {}, overrides: { http: 'fast' } })).some((m) => m.startsWith('http')));
    // A bad value of a known key is a bad value, not an "unknown key".
    const level = problems(() => loadConfig({ file: null, env: {}, overrides: { log: { level: 'loud' } } }));
    assert.ok(level.some((m) => m.startsWith('log.level')), level.join('; '));
    assert.ok(!level.some((m) => m.includes('unknown key')), level.join('; '));
    const reg = problems(() => loadConfig({ file: null, env: { PARLEY_REGISTRATION: 'sometimes' } }));
    assert.ok(reg.some((m) => m.startsWith('accounts.registration') && !m.includes('unknown key')), reg.join('; '));
  });

  it('reports a file that is not a JSON object, or not JSON', () => {
    assert.ok(problems(() => loadConfig({ file: file('array.json', '[1,2]'), env: {} })).some((m) => m.includes('JSON object')));
    assert.equal(problems(() => loadConfig({ file: file('broken.json', '{"http":'), env: {} })).length, 1);
    assert.equal(problems(() => loadConfig({ file: join(dir, 'missing.json'), env: {} })).length, 1);
  });

  it('lists every problem at once', () => {
    const list = problems(() => loadConfig({ file: null, env: { PARLEY_A: '1', PARLEY_B: '2' } }));
    assert.equal(list.length, 2);
  });

  it('returns a deeply frozen object', () => {
    const c = loadConfig({ env: {}, file: null }) as Config;
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.http));
    assert.ok(Object.isFrozen(c.updates));
    assert.throws(() => { (c as { dataDir: string }).dataDir = '/tmp'; }, TypeError);
    assert.throws(() => { (c.http as { port: number }).port = 1; }, TypeError);
    assert.equal(c.http.port, 8080);
  });

  it('does not share state between loads or with the overrides passed in', () => {
    const overrides = { http: { port: 1234 } };
    const a = loadConfig({ env: {}, file: null, overrides });
    overrides.http.port = 4321;
    assert.equal(a.http.port, 1234);
    assert.equal(loadConfig({ env: {}, file: null }).http.port, 8080);
  });
});
