import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chooseRelay, measureRelays, type RtcPlatform } from '../../src/client/index.js';
import type { RelayServer } from '../../src/protocol/calls.js';
import { FakeMedia, freeUdpPort, startTestRelay, wrtc, type TestRelay } from '../helpers/wrtc-call.js';

/** measureRelays with wrtc against a real coturn, a relay nobody listens on, and a wrong credential. */

function credential(secret: string, id: string, urls: string[]): RelayServer {
  const expiry = Math.floor(Date.now() / 1000) + 600;
  const username = `${expiry}:probe`;
  return { id, region: 'test', urls, username, credential: createHmac('sha1', secret).update(username).digest('base64'), expiresAt: expiry * 1000 };
}

describe('relay RTT probes (wrtc, coturn)', () => {
  let relay: TestRelay;
  const media = new FakeMedia();
  let rtc: RtcPlatform;

  before(async () => {
    relay = await startTestRelay('live');
    rtc = { RTCPeerConnection: wrtc().RTCPeerConnection, getUserMedia: media.getUserMedia };
  });
  after(async () => {
    media.close();
    await relay?.close();
  });

  it('measures the live relay, gives null for a silent one and for a refused credential, and chooses the live one', async () => {
    const deadPort = await freeUdpPort();
    const results = await measureRelays(rtc, [
      credential('wrong-secret-wrong-secret', 'refused', relay.entry.urls),
      credential(relay.entry.secret, 'silent', [`turn:127.0.0.1:${deadPort}?transport=udp`]),
      credential(relay.entry.secret, 'live', relay.entry.urls),
    ], 1500);
    assert.deepEqual(results.map((r) => r.id), ['refused', 'silent', 'live'], 'one result per relay, in order');
    const byId = Object.fromEntries(results.map((r) => [r.id, r.rttMs]));
    assert.equal(byId.refused, null, 'a 401 with a wrong credential gives no relay candidate');
    assert.equal(byId.silent, null, 'nobody answers');
    assert.equal(typeof byId.live, 'number');
    assert.ok(byId.live! >= 0 && byId.live! < 1500);
    assert.equal(chooseRelay(results)?.id, 'live');
  });
});
