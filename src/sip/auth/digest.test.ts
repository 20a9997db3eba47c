import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { digestHa1, digestResponse, digestEquals, parseAlgorithm } from './digest.js';
import { NonceBook } from './nonces.js';

test('RFC 7616 §3.9.1 example: MD5 and SHA-256 responses', () => {
  const common = { method: 'GET', uri: '/dir/index.html', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
  const md5 = digestResponse({ ...common, algorithm: 'MD5', ha1: digestHa1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life') });
  assert.equal(md5, '8ca523f5e9506fed4657c9700eebdbec');
  const sha = digestResponse({ ...common, algorithm: 'SHA-256', ha1: digestHa1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life') });
  assert.equal(sha, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  assert.ok(digestEquals(sha, sha.toUpperCase()));
  assert.ok(!digestEquals(sha, md5));
});

test('algorithm names: absent means MD5; unknown refused', () => {
  assert.equal(parseAlgorithm(undefined), 'MD5');
  assert.equal(parseAlgorithm('sha-256'), 'SHA-256');
  assert.equal(parseAlgorithm('SHA-512-256'), undefined);
});

test('nonces: ours verify, forged refused, stale after the TTL, nonce-count must grow', () => {
  const book = new NonceBook(randomBytes(32), 60_000);
  const n = book.issue(1_000);
  assert.equal(book.check(n, '00000001', 2_000), 'ok');
  book.consume(n, '00000001', 2_000);
  assert.equal(book.check(n, '00000001', 3_000), 'replayed');
  assert.equal(book.check(n, '00000002', 3_000), 'ok');
  assert.equal(book.check(n, '00000002', 62_000), 'stale');
  const other = new NonceBook(randomBytes(32), 60_000).issue(1_000);
  assert.equal(book.check(other, '00000001', 2_000), 'forged');
  assert.equal(book.check('garbage', '00000001', 2_000), 'forged');
  assert.equal(book.check(n.slice(0, -2) + 'AA', '00000003', 2_000), 'forged');
  assert.equal(book.check(n, 'zz', 2_000), 'replayed');
  assert.equal(book.issue(5).length, book.issue(5).length);
});
