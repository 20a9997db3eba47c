import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkableUri, parseRelayUri, relayUris } from './turn-url.js';

describe('TURN/STUN URIs (RFC 7065, RFC 7064)', () => {
  it('parses host, port, transport and default ports', () => {
    assert.deepEqual(parseRelayUri('turn:relay.example.org:3479?transport=udp'), { scheme: 'turn', host: 'relay.example.org', port: 3479, transport: 'udp' });
    assert.deepEqual(parseRelayUri('turn:192.0.2.1'), { scheme: 'turn', host: '192.0.2.1', port: 3478, transport: null });
    assert.deepEqual(parseRelayUri('turns:relay.example.org?transport=tcp'), { scheme: 'turns', host: 'relay.example.org', port: 5349, transport: 'tcp' });
    assert.deepEqual(parseRelayUri('turn:[2001:db8::1]:3478'), { scheme: 'turn', host: '2001:db8::1', port: 3478, transport: null });
    assert.deepEqual(parseRelayUri('stun:127.0.0.1:40000'), { scheme: 'stun', host: '127.0.0.1', port: 40000, transport: null });
  });

  it('refuses what is not a TURN/STUN URI', () => {
    for (const bad of ['http://x', 'turn:', 'turn:host:0', 'turn:host:70000', 'stun:host?transport=udp', 'turn:user@host', 'turn:host/path']) {
      assert.equal(parseRelayUri(bad), null, bad);
    }
  });

  it('checks the first plain turn: URI over UDP', () => {
    assert.equal(checkableUri(['turns:a:5349', 'turn:b:3478?transport=tcp', 'turn:c:3478?transport=udp'])?.host, 'c');
    assert.equal(checkableUri(['turns:a:5349']), null);
  });

  it('builds turn: and stun: URIs, bracketing IPv6', () => {
    assert.deepEqual(relayUris('127.0.0.1', 40000), ['turn:127.0.0.1:40000?transport=udp', 'stun:127.0.0.1:40000']);
    assert.deepEqual(relayUris('::1', 3478), ['turn:[::1]:3478?transport=udp', 'stun:[::1]:3478']);
  });
});
