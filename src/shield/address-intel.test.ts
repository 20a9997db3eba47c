import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AddressIntel } from './address-intel.js';
import { addressBlock } from './hash.js';

// The lists are shared data outside the repository (never copied in): ../shared/data from the project root.
// From the project root that is ../shared/data; a clone elsewhere (git clone . /tmp/x) finds the
// workspace copy, or TEST_SHARED_DATA.
const listsDir = [process.env.TEST_SHARED_DATA, resolve('../shared/data'), '/work/shared/data']
  .filter((d): d is string => !!d)
  .map((d) => join(d, 'x4bnet-lists_vpn'))
  .find((d) => existsSync(d)) ?? assert.fail('the shared test data (../shared/data/x4bnet-lists_vpn) is not reachable: set TEST_SHARED_DATA');

describe('shield address intelligence (real data)', () => {
  const intel = new AddressIntel({ secret: 's', listsDir });

  it('a public resolver: country and AS from the pinned packages, not hosting-listed', () => {
    const f = intel.lookup('8.8.8.8');
    assert.equal(f.country, 'US');
    assert.equal(f.asn, 15169);
    assert.equal(f.blockHash.length, 16);
  });
  it('an address from the datacenter list is hosting', () => {
    // 1.12.0.0/14 is the first range of output_datacenter_ipv4.txt (Tencent cloud).
    const f = intel.lookup('1.12.34.56');
    assert.equal(f.hosting, true);
    assert.equal(typeof f.asn, 'number');
  });
  it('loopback and private addresses are unknown, not errors', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '::1', '::ffff:127.0.0.1', 'garbage']) {
      const f = intel.lookup(ip);
      assert.equal(f.country, null, ip);
      assert.equal(f.asn, null, ip);
      assert.equal(f.hosting, false, ip);
    }
  });
  it('IPv6: country and AS', () => {
    const f = intel.lookup('2a00:1450:4001:80b::200e');
    assert.equal(f.asn, 15169);
    assert.equal(typeof f.country, 'string');
  });
  it('block hashes: same /24 or /48 → same hash, keyed by the secret, raw address not recoverable', () => {
    assert.equal(intel.lookup('203.0.113.7').blockHash, intel.lookup('203.0.113.200').blockHash);
    assert.notEqual(intel.lookup('203.0.113.7').blockHash, intel.lookup('203.0.114.7').blockHash);
    assert.equal(intel.lookup('2001:db8:1:2::1').blockHash, intel.lookup('2001:db8:1:ffff::9').blockHash);
    assert.notEqual(new AddressIntel({ secret: 't', listsDir: '' }).lookup('203.0.113.7').blockHash, intel.lookup('203.0.113.7').blockHash);
    assert.equal(addressBlock('2001:db8:1:2::1'), '2001:db8:1::/48');
  });
  it('no lists configured: nothing is hosting', () => {
    assert.equal(new AddressIntel({ secret: 's', listsDir: '' }).lookup('1.12.34.56').hosting, false);
  });
});
