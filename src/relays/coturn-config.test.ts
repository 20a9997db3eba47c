import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../kernel/config.js';
import { coturnConfig, type CoturnConfigInput } from './coturn-config.js';
import { DENIED_PEER_CIDRS, cidrToRange } from './peer-ranges.js';

function input(managed: Record<string, unknown> = {}, extra: Partial<CoturnConfigInput> = {}): CoturnConfigInput {
  const config = loadConfig({ env: {}, file: null, overrides: { relays: { managed } } });
  return { managed: config.relays.managed, port: 40000, relayIp: '192.168.1.20', secret: 'f'.repeat(64), pidFile: '/d/coturn/turnserver.pid', userDb: '/d/coturn/turndb', logFile: 'stdout', ...extra };
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#'));
}

describe('coturn config generator', () => {
  it('has the hardening options, the auth secret, quotas and our file paths', () => {
    const l = lines(coturnConfig(input()));
    for (const flag of ['no-cli', 'no-software-attribute', 'no-multicast-peers', 'no-tcp-relay', 'no-tls', 'no-dtls', 'fingerprint', 'use-auth-secret', 'simple-log']) {
      assert.ok(l.includes(flag), `missing ${flag}`);
    }
    for (const kv of ['realm=parley', `static-auth-secret=${'f'.repeat(64)}`, 'stale-nonce=600', 'listening-port=40000', 'relay-ip=192.168.1.20', 'min-port=49152', 'max-port=65535', 'user-quota=12', 'total-quota=2000', 'pidfile=/d/coturn/turnserver.pid', 'userdb=/d/coturn/turndb', 'log-file=stdout']) {
      assert.ok(l.includes(kv), `missing ${kv}`);
    }
    assert.ok(!l.some((x) => x.startsWith('listening-ip')), 'no listening-ip unless configured: all interfaces');
    assert.ok(!l.some((x) => x.startsWith('external-ip')));
    assert.ok(!l.some((x) => x.startsWith('max-bps')), 'max-bps only when > 0');
    assert.ok(!l.includes('allow-loopback-peers'), 'loopback peers stay refused by default');
  });

  it('denies every private, loopback, link-local, CGNAT, multicast, reserved and documentation range', () => {
    const denied = lines(coturnConfig(input())).filter((x) => x.startsWith('denied-peer-ip=')).map((x) => x.slice('denied-peer-ip='.length));
    const expected = [
      '0.0.0.0-0.255.255.255', '10.0.0.0-10.255.255.255', '100.64.0.0-100.127.255.255', '127.0.0.0-127.255.255.255',
      '169.254.0.0-169.254.255.255', '172.16.0.0-172.31.255.255', '192.0.0.0-192.0.0.255', '192.0.2.0-192.0.2.255',
      '192.88.99.0-192.88.99.255', '192.168.0.0-192.168.255.255', '198.18.0.0-198.19.255.255', '198.51.100.0-198.51.100.255',
      '203.0.113.0-203.0.113.255', '224.0.0.0-239.255.255.255', '240.0.0.0-255.255.255.255',
      '::1', '64:ff9b::-64:ff9b::ffff:ffff', '100::-100::ffff:ffff:ffff:ffff', '2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
      'fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ff00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ];
    assert.deepEqual(denied, expected);
    assert.equal(DENIED_PEER_CIDRS.length, expected.length);
    // A range starting at `::` denies every peer in coturn 4.6.1 (peer-ranges.ts): never written.
    assert.ok(!denied.some((r) => r === '::' || r.startsWith('::-') || r.startsWith('0:0:0:0:0:0:0:0')));
  });

  it("lets through only the relay's own address by default, and loopback or test ranges only behind the flags", () => {
    const allowed = (text: string) => lines(text).filter((x) => x.startsWith('allowed-peer-ip=')).map((x) => x.slice('allowed-peer-ip='.length));
    assert.deepEqual(allowed(coturnConfig(input())), ['192.168.1.20']);

    const loop = coturnConfig(input({ allowLoopbackPeers: true }));
    assert.ok(lines(loop).includes('allow-loopback-peers'));
    assert.deepEqual(allowed(loop), ['127.0.0.0-127.255.255.255', '::1', '192.168.1.20']);

    const ranges = coturnConfig(input({ allowedPeerRanges: ['10.77.0.0-10.77.255.255'] }));
    assert.deepEqual(allowed(ranges), ['192.168.1.20', '10.77.0.0-10.77.255.255']);
  });

  it('writes listening-ip, external-ip (public/private) and max-bps when configured', () => {
    const l = lines(coturnConfig(input({ listenIp: '10.0.0.5', externalIp: '203.0.113.9', maxBps: 64000, userQuota: 3, totalQuota: 50 }, { relayIp: '10.0.0.5' })));
    assert.ok(l.includes('listening-ip=10.0.0.5'));
    assert.ok(l.includes('external-ip=203.0.113.9/10.0.0.5'));
    assert.ok(l.includes('allowed-peer-ip=203.0.113.9'), 'peers relayed by this coturn reach each other through the public address');
    assert.ok(l.includes('max-bps=64000'));
    assert.ok(l.includes('user-quota=3') && l.includes('total-quota=50'));
  });

  it('is deterministic (no clock, no randomness)', () => {
    assert.equal(coturnConfig(input()), coturnConfig(input()));
  });
});

describe('cidrToRange', () => {
  it('converts IPv4 and IPv6 blocks to first-last', () => {
    assert.equal(cidrToRange('100.64.0.0/10'), '100.64.0.0-100.127.255.255');
    assert.equal(cidrToRange('192.0.2.7/32'), '192.0.2.7');
    assert.equal(cidrToRange('0.0.0.0/0'), '0.0.0.0-255.255.255.255');
    assert.equal(cidrToRange('fe80::/10'), 'fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    assert.throws(() => cidrToRange('10.0.0.0/33'));
    assert.throws(() => cidrToRange('nonsense/8'));
  });
});
