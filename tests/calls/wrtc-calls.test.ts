import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { CallDevice, addressesIn, hostAddresses, receivedSignaling, startTestRelay, startWsProxy, type TestRelay } from '../helpers/wrtc-call.js';

/**
 * Calls between two Node devices on @roamhq/wrtc through the real server and a real coturn
 * (docs/call-engine.md): the path each privacy setting yields, what the other side learns, the
 * verification code, and credential refresh in a long call. Media is the subject here, not storage,
 * so the suite runs on the first configured back end only.
 */
const backend = BACKENDS[0] ?? 'sqlite';

/** The coturn Parley manages, on loopback: both call ends run on this machine, so loopback peers are allowed (test only). */
const MANAGED_RELAY = { managed: { enabled: true, relayIp: '127.0.0.1', listenIp: '127.0.0.1', port: 0, allowLoopbackPeers: true } };

interface Pair {
  t: TestServer;
  alice: { id: number; device: CallDevice };
  bob: { id: number; device: CallDevice };
}

/** Two users, each with one connected call device. */
async function pair(t: TestServer, names: [string, string], opts: { alice?: Parameters<typeof CallDevice.connect>[1]; bob?: Parameters<typeof CallDevice.connect>[1] } = {}): Promise<Pair> {
  const a = await t.user(names[0]);
  const b = await t.user(names[1]);
  return {
    t,
    alice: { id: a.session.account.id, device: await CallDevice.connect(a.client, opts.alice) },
    bob: { id: b.session.account.id, device: await CallDevice.connect(b.client, opts.bob) },
  };
}

/** Alice calls Bob, Bob answers on his device; resolves when both connections are up. */
async function call(p: Pair, video = false): Promise<void> {
  const started = p.alice.device.engine.start({ accountId: p.bob.id }, { video });
  await p.bob.device.until((d) => d.engine.incoming.length > 0, 'call.incoming');
  const incoming = p.bob.device.engine.incoming[0]!;
  await started;
  await p.bob.device.engine.accept(incoming.callId, { video });
  await Promise.all([p.alice.device, p.bob.device].map((d) => d.until((x) => x.engine.current?.phase === 'active', 'an active call')));
}

async function audioBothWays(p: Pair): Promise<void> {
  await Promise.all([p.alice.device.firstAudio(), p.bob.device.firstAudio()]);
}

/** Waits until the stats show a selected pair on both devices. */
async function selectedPaths(p: Pair): Promise<void> {
  await Promise.all([p.alice.device, p.bob.device].map((d) => d.until((x) => x.engine.current?.quality.path != null && (x.engine.current?.quality.audioBytesReceived ?? 0) > 0, 'a selected candidate pair with audio bytes')));
}

async function hangupAndClose(p: Pair): Promise<void> {
  await p.alice.device.engine.hangup();
  if (p.bob.device.engine.busy) await p.bob.device.until((d) => !d.engine.busy, 'call.ended at the callee', 5000).catch(() => undefined);
  await p.alice.device.close();
  await p.bob.device.close();
}

/**
 * Asserts that nothing `receiver` got over signaling names an address of `protectedSide`: no
 * candidate but relay ones (raddr zeroed), no host address in any SDP or candidate.
 */
function assertNoAddressLeak(receiver: CallDevice, protectedSide: CallDevice): void {
  const texts = receivedSignaling(receiver);
  assert.ok(texts.length > 0, 'the receiver got signaling to inspect');
  // The protected side's own addresses: this machine's interfaces (the relay is on 127.0.0.1) and the
  // addresses of every host candidate it gathered.
  const own = new Set(hostAddresses());
  for (const c of protectedSide.localCandidates) {
    const m = / \d+ (\S+) \d+ typ host/.exec(c);
    if (m && m[1] !== '127.0.0.1') own.add(m[1]!);
  }
  assert.ok(own.size > 0, 'there are host addresses to look for');
  let candidates = 0;
  for (const text of texts) {
    for (const addr of addressesIn(text)) assert.ok(!own.has(addr), `received text names protected address ${addr}: ${text.slice(0, 200)}`);
    for (const addr of own) if (addr.length > 4) assert.ok(!text.includes(addr), `received text contains ${addr}`);
    for (const line of text.split(/\r?\n/).filter((l) => /^(a=)?candidate:/.test(l))) {
      candidates++;
      assert.match(line, / typ relay/, `only relay candidates reach the other side: ${line}`);
      assert.match(line, / raddr 0\.0\.0\.0 rport 0/, `raddr is zeroed: ${line}`);
    }
  }
  assert.ok(candidates > 0, 'relay candidates did reach the other side');
}

describe(`calls on wrtc through the managed coturn [${backend}]`, () => {
  let t: TestServer;
  const relay = { entry: { id: 'local' } };

  before(async () => {
    t = await startTestServer(backend, { relays: MANAGED_RELAY });
  });
  after(async () => {
    await t?.close();
  });

  it('peer-to-peer allowed on both sides: a direct pair, audio both ways, the same 4 emoji', async () => {
    const p = await pair(t, ['p2p_alice', 'p2p_bob']);
    try {
      await call(p);
      await audioBothWays(p);
      await selectedPaths(p);
      for (const d of [p.alice.device, p.bob.device]) {
        // With one relay nothing waits for its RTT probe; the result reaches the panel when it is in.
        await d.until((x) => (x.engine.current?.quality.relayRtts.length ?? 0) > 0, 'the relay RTT in the quality panel');
        const q = d.engine.current!.quality;
        assert.equal(q.path, 'direct', `direct path (${q.localCandidateType} → ${q.remoteCandidateType})`);
        assert.ok(['host', 'srflx', 'prflx'].includes(q.localCandidateType!), `local ${q.localCandidateType}`);
        assert.ok(['host', 'srflx', 'prflx'].includes(q.remoteCandidateType!), `remote ${q.remoteCandidateType}`);
        assert.equal(q.relayId, relay.entry.id);
        assert.equal(q.relayRtts.length, 1);
        assert.ok(q.relayRtts[0]!.rttMs !== null, 'the relay answered the RTT probe');
      }
      await Promise.all([p.alice.device, p.bob.device].map((d) => d.until((x) => x.engine.current?.verification.status !== 'pending', 'the verification code')));
      const a = p.alice.device.engine.current!.verification;
      const b = p.bob.device.engine.current!.verification;
      assert.equal(a.status, 'ready');
      assert.equal(b.status, 'ready');
      assert.equal(a.emoji?.length, 4);
      assert.deepEqual(a.emoji, b.emoji, 'both sides show the same code');
      await p.alice.device.engine.hangup();
      await p.bob.device.until((d) => d.engine.current?.phase === 'ended', 'call.ended at the callee');
      assert.equal(p.bob.device.engine.current!.endReason, 'hangup');
      assert.deepEqual([...p.alice.device.apiErrors, ...p.bob.device.apiErrors], [], 'the server refused nothing the engines sent');
    } finally {
      await hangupAndClose(p);
    }
  });

  it('media controls: camera on in a voice call renegotiates, mute and device switch keep the call up', async () => {
    const p = await pair(t, ['ctl_alice', 'ctl_bob']);
    try {
      await call(p);
      await audioBothWays(p);
      const alice = p.alice.device.engine;
      alice.setMuted(true);
      assert.equal(alice.current!.muted, true);
      assert.ok(alice.current!.localStream!.getAudioTracks().every((tr) => !tr.enabled), 'muting disables the microphone track');
      alice.setMuted(false);
      // Video added to a voice call: a new offer over calls.describe, answered by Bob.
      await alice.setCamera(true);
      await p.bob.device.until((d) => d.engine.current?.remoteVideo === true, 'Bob receives a video track');
      assert.ok(p.bob.device.eventsOf('call.description').some((d) => (d.description as { type: string }).type === 'offer'));
      await p.alice.device.until((d) => d.eventsOf('call.description').some((x) => (x.description as { type: string }).type === 'answer'), 'Bob answers over calls.describe');
      await alice.setCamera(false);
      assert.equal(alice.current!.cameraOff, true);
      assert.ok(alice.current!.localStream!.getVideoTracks().every((tr) => !tr.enabled), 'camera off disables the track, no renegotiation');
      // Another microphone: replaceTrack, audio keeps arriving at Bob.
      const oldTrack = alice.current!.localStream!.getAudioTracks()[0]!;
      await alice.switchDevice('audio', 'second-microphone');
      const newTrack = alice.current!.localStream!.getAudioTracks()[0]!;
      assert.notEqual(newTrack.id, oldTrack.id);
      assert.equal(oldTrack.readyState, 'ended', 'the old microphone is released');
      const before = p.bob.device.engine.current!.quality.audioBytesReceived;
      await p.bob.device.until((d) => (d.engine.current?.quality.audioBytesReceived ?? 0) > before, 'audio after the switch');
      assert.equal(alice.current!.phase, 'active');
      assert.deepEqual([...p.alice.device.apiErrors, ...p.bob.device.apiErrors], []);
    } finally {
      await hangupAndClose(p);
    }
  });

  for (const protect of [false, true]) {
    const who = protect ? 'a protected callee' : 'a callee that allows peer-to-peer';
    const ending = protect ? 'the caller cancels' : 'a decline';
    it(`while ringing, ${who} gathers but knows no candidate of the caller and sends none; ${ending} ends the call and closes its connections`, async () => {
      const names: [string, string] = protect ? ['ringp_alice', 'ringp_bob'] : ['ring_alice', 'ring_bob'];
      const p = await pair(t, names);
      try {
        if (protect) await p.t.client(p.bob.device.client.token).updateCallSettings({ protectIp: true });
        await p.alice.device.engine.start({ accountId: p.bob.id }, { video: false });
        await p.bob.device.until((d) => d.engine.incoming.length > 0, 'call.incoming');
        await p.alice.device.until((d) => d.engine.current?.ringingDevices === 1, 'call.ringing');
        // The answer made while ringing has gathered: a relay candidate sits in the engine's outbox.
        await p.bob.device.until((d) => d.localCandidates.some((c) => / typ relay/.test(c)), 'Bob gathered a relay candidate while ringing');
        await new Promise((r) => setTimeout(r, 1500));
        const bobPcs = p.bob.device.peerConnections;
        const prepared = bobPcs.filter((pc) => pc.signalingState !== 'closed');
        assert.equal(prepared.length, 1, 'one connection stays open while ringing: the call\'s, with its answer made');
        assert.equal(prepared[0]!.localDescription?.type, 'answer');
        for (const pc of bobPcs) {
          if (protect) assert.equal(pc.getConfiguration().iceTransportPolicy, 'relay', 'a protected callee gathers relay candidates only');
          if (pc.signalingState === 'closed') continue; // a relay RTT probe
          // No remote candidate at all: none in the offer (the server strips them) and none added, so
          // ICE has no pair to check and nothing is sent towards the caller (RFC 8445 §6.1.2).
          assert.doesNotMatch(pc.remoteDescription?.sdp ?? '', /a=candidate/, 'the offer Bob applied carries no candidate');
          const stats: string[] = [];
          (await pc.getStats()).forEach((st) => stats.push(st.type));
          assert.ok(!stats.includes('remote-candidate'), `no remote candidate known while ringing: ${stats.join(',')}`);
          assert.ok(!stats.includes('candidate-pair'), 'no candidate pair formed while ringing');
        }
        if (protect) assert.ok(p.bob.device.localCandidates.every((c) => / typ relay/.test(c)), 'Bob gathered relay candidates only');
        assert.equal(p.alice.device.eventsOf('call.candidate').length, 0, 'no candidate of Bob reached Alice');
        assert.equal(p.alice.device.eventsOf('call.accepted').length, 0);
        assert.equal(p.bob.device.eventsOf('call.candidate').length, 0, 'no candidate of Alice reached Bob before he answered');
        assert.equal(p.bob.device.acceptedCandidates.length, 0);
        assert.deepEqual(p.bob.device.apiErrors, [], 'Bob tried to send nothing before answering (the server would refuse it)');
        if (protect) {
          await p.alice.device.engine.hangup();
          await p.bob.device.until((d) => d.engine.incoming.length === 0, 'the cancelled call stops ringing');
          assert.equal(p.alice.device.engine.current!.endReason, 'cancelled');
        } else {
          await p.bob.device.engine.decline(p.bob.device.engine.incoming[0]!.callId);
          await p.alice.device.until((d) => d.engine.current?.phase === 'ended', 'the declined call ends');
          assert.equal(p.alice.device.engine.current!.endReason, 'declined');
          assert.equal(p.bob.device.engine.incoming.length, 0);
        }
        assert.ok(bobPcs.every((pc) => pc.signalingState === 'closed'), 'the connection made while ringing is closed');
        assert.equal(p.bob.device.engine.current, null, 'Bob never had a current call');
      } finally {
        await hangupAndClose(p);
      }
    });
  }

  it('a video call answered with video: video both ways; answered with voice only: the caller expects no video until the camera is turned on', async () => {
    const p = await pair(t, ['vid_alice', 'vid_bob']);
    try {
      await call(p, true);
      await audioBothWays(p);
      for (const d of [p.alice.device, p.bob.device]) await d.until((x) => x.engine.current?.remoteVideo === true, 'remote video');
      await p.bob.device.until((d) => (d.engine.current?.quality.bytesReceived ?? 0) > (d.engine.current?.quality.audioBytesReceived ?? 0), 'video bytes at Bob');
      await p.alice.device.until((d) => (d.engine.current?.quality.bytesReceived ?? 0) > (d.engine.current?.quality.audioBytesReceived ?? 0), 'video bytes at Alice');
      await p.alice.device.engine.hangup();
      await p.bob.device.until((d) => d.engine.current?.phase === 'ended', 'call.ended at the callee');

      // The same video call, answered with voice only.
      const started = p.alice.device.engine.start({ accountId: p.bob.id }, { video: true });
      await p.bob.device.until((d) => d.engine.incoming.length > 0, 'the second call.incoming');
      await started;
      await p.bob.device.engine.accept(p.bob.device.engine.incoming[0]!.callId, { video: false });
      await Promise.all([p.alice.device, p.bob.device].map((d) => d.until((x) => x.engine.current?.phase === 'active', 'an active call')));
      await audioBothWays(p);
      await p.bob.device.until((d) => d.engine.current?.remoteVideo === true, 'Bob still receives Alice\'s video');
      const answer = p.alice.device.eventsOf('call.accepted').at(-1)!.answer as { sdp: string };
      const videoSection = answer.sdp.split(/\r\n(?=m=)/).find((m) => m.startsWith('m=video'))!;
      assert.match(videoSection, /^a=recvonly\r?$/m, 'the answer tells Alice that Bob sends no video');
      assert.equal(p.alice.device.engine.current!.remoteVideo, false, 'Alice expects no video from Bob');
      assert.equal(p.bob.device.engine.current!.cameraOff, true);
      // Bob turns his camera on: a renegotiation, and now Alice gets video.
      await p.bob.device.engine.setCamera(true);
      await p.alice.device.until((d) => d.engine.current?.remoteVideo === true, 'Alice receives Bob\'s video');
      const before = p.alice.device.engine.current!.quality.audioBytesReceived;
      await p.alice.device.until((d) => (d.engine.current?.quality.audioBytesReceived ?? 0) > before, 'Bob\'s audio keeps arriving');
      assert.deepEqual([...p.alice.device.apiErrors, ...p.bob.device.apiErrors], []);
    } finally {
      await hangupAndClose(p);
    }
  });

  it('the callee protects its IP: its selected local candidate is a relay, the caller learns none of its addresses, audio flows', async () => {
    const p = await pair(t, ['prot_alice', 'prot_bob']);
    try {
      await p.t.client(p.bob.device.client.token).updateCallSettings({ protectIp: true });
      await call(p);
      await audioBothWays(p);
      await selectedPaths(p);
      const bob = p.bob.device.engine.current!;
      assert.equal(bob.relayOnly, true);
      assert.equal(bob.quality.localCandidateType, 'relay', 'the protected side sends through its relay');
      assert.equal(p.alice.device.engine.current!.relayOnly, false, 'only the user who asked is relayed');
      assert.ok(!p.bob.device.localCandidates.some((c) => / typ (host|srflx)/.test(c)), 'the protected client gathered relay candidates only');
      assertNoAddressLeak(p.alice.device, p.bob.device);
    } finally {
      await hangupAndClose(p);
    }
  });

  it('a misbehaving protected client that gathers everything: the server drops its non-relay candidates', async () => {
    const p = await pair(t, ['bad_alice', 'bad_bob'], { alice: { engine: { forceIceTransportPolicy: 'all' } } });
    try {
      await p.t.client(p.alice.device.client.token).updateCallSettings({ protectIp: true });
      const started = p.alice.device.engine.start({ accountId: p.bob.id }, { video: false });
      await p.bob.device.until((d) => d.engine.incoming.length > 0, 'call.incoming');
      await started;
      // Bob answers once Alice has gathered everything: libwebrtc stops gathering when a pair becomes
      // writable, so an early answer can connect her host address before her relay candidate exists.
      await p.alice.device.until((d) => d.peerConnections.at(-1)?.iceGatheringState === 'complete', 'alice gathering complete');
      await p.bob.device.engine.accept(p.bob.device.engine.incoming[0]!.callId, { video: false });
      await Promise.all([p.alice.device, p.bob.device].map((d) => d.until((x) => x.engine.current?.phase === 'active', 'an active call')));
      await audioBothWays(p);
      assert.equal(p.alice.device.engine.current!.relayOnly, true, 'the server said relay only');
      assert.ok(p.alice.device.localCandidates.some((c) => / typ host/.test(c)), 'the client did gather host candidates (the test can fail)');
      // Let trickling finish, then look at everything Bob received.
      await new Promise((r) => setTimeout(r, 500));
      assertNoAddressLeak(p.bob.device, p.alice.device);
    } finally {
      await hangupAndClose(p);
    }
  });

  it('a man in the middle rewrites the caller fingerprint: the callee sees a mismatch and the codes differ', async () => {
    const a = await t.user('mitm_alice');
    const b = await t.user('mitm_bob');
    const target = `${t.url.replace(/^http/, 'ws')}/api/v1/updates`;
    let rewritten = 0;
    const proxy = await startWsProxy(target, (frame) => {
      if (!frame.includes('"call.incoming"')) return frame;
      // Flip the first byte of every sha-256 fingerprint in the offer Bob receives.
      return frame.replace(/(a=fingerprint:sha-256 )([0-9A-Fa-f]{2})/g, (_m, head: string, byte: string) => {
        rewritten++;
        return head + ((parseInt(byte, 16) ^ 0xff).toString(16).padStart(2, '0').toUpperCase());
      });
    });
    const alice = await CallDevice.connect(a.client);
    const bob = await CallDevice.connect(b.client, { wsUrl: proxy.url });
    try {
      const started = alice.engine.start({ accountId: b.session.account.id }, { video: false });
      await bob.until((d) => d.engine.incoming.length > 0, 'call.incoming through the proxy');
      await started;
      assert.ok(rewritten > 0, 'the proxy rewrote a fingerprint');
      await bob.engine.accept(bob.engine.incoming[0]!.callId, { video: false });
      await alice.until((d) => d.engine.current?.verification.status !== 'pending', 'the caller code');
      await bob.until((d) => d.engine.current?.verification.status !== 'pending', 'the callee check');
      const av = alice.engine.current!.verification;
      const bv = bob.engine.current!.verification;
      assert.equal(bv.status, 'mismatch', 'the commitment does not open with the rewritten fingerprint');
      assert.ok(av.emoji && bv.emoji);
      assert.notDeepEqual(av.emoji, bv.emoji, 'the two codes differ');
    } finally {
      await alice.engine.hangup();
      await alice.close();
      await bob.close();
      await proxy.close();
    }
  });
});

describe(`calls on wrtc: relay credential refresh [${backend}]`, () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer(backend, { relays: { ...MANAGED_RELAY, credentialTtlSec: 10 } });
  });
  after(async () => {
    await t?.close();
  });

  it('credentials that expire after 10 s: ICE restarts with fresh ones and audio keeps flowing past 15 s', async () => {
    const p = await pair(t, ['long_alice', 'long_bob']);
    try {
      for (const d of [p.alice.device, p.bob.device]) await p.t.client(d.client.token).updateCallSettings({ protectIp: true });
      await call(p);
      await audioBothWays(p);
      await selectedPaths(p);
      const answeredAt = p.alice.device.engine.current!.answeredAt!;
      await Promise.all([p.alice.device, p.bob.device].map((d) => d.until((x) => (x.engine.current?.iceRestarts ?? 0) >= 1, 'an ICE restart', 30000)));
      await new Promise((r) => setTimeout(r, Math.max(0, answeredAt + 15000 - Date.now())));
      for (const d of [p.alice.device, p.bob.device]) {
        const before = d.engine.current!.quality.audioBytesReceived;
        await d.until((x) => (x.engine.current?.quality.audioBytesReceived ?? 0) > before, 'audio bytes still growing after 15 s', 10000);
        const c = d.engine.current!;
        assert.equal(c.phase, 'active');
        assert.equal(c.quality.localCandidateType, 'relay');
        assert.ok(c.iceRestarts >= 1);
        // The restart allocated anew: relay candidates of a second ICE generation (RFC 8445 §9), which
        // coturn only grants with a valid credential (an expired one is refused with 401).
        const generations = new Set(d.localCandidates.filter((x) => / typ relay/.test(x)).map((x) => / ufrag (\S+)/.exec(x)?.[1]));
        assert.ok(generations.size >= 3, `relay candidates of the probe, the first and a restarted generation: ${[...generations].join(', ')}`);
      }
    } finally {
      await hangupAndClose(p);
    }
  });
});

describe(`calls on wrtc: the relay restarts mid-call [${backend}]`, () => {
  let t: TestServer;
  let relay: TestRelay;

  before(async () => {
    relay = await startTestRelay('restarting');
    t = await startTestServer(backend, { relays: { managed: { enabled: false }, external: [relay.entry] } });
  });
  after(async () => {
    await t?.close();
    await relay?.close();
  });

  it('coturn is killed and comes back: the caller restarts ICE, the call stays up and audio flows again both ways', async () => {
    const p = await pair(t, ['phoenix_alice', 'phoenix_bob']);
    try {
      // Both relay-only: every packet of the call goes through the relay that is about to die.
      for (const u of [p.alice, p.bob]) await u.device.client.call('calls.updateSettings', { protectIp: true });
      await call(p);
      await audioBothWays(p);
      await selectedPaths(p);
      await relay.restart();
      // The allocations died with it: the connection drops, the caller restarts ICE on the new coturn.
      await Promise.all([p.alice.device, p.bob.device].map((d) => d.until((x) => (x.engine.current?.iceRestarts ?? 0) >= 1, 'an ICE restart after the relay came back', 30000)));
      for (const d of [p.alice.device, p.bob.device]) {
        await d.until((x) => x.engine.current?.connection === 'connected', 'connected again', 20000);
        const before = d.engine.current!.quality.audioBytesReceived;
        await d.until((x) => (x.engine.current?.quality.audioBytesReceived ?? 0) > before + 1000, 'audio bytes growing after the restart', 20000);
        const c = d.engine.current!;
        assert.equal(c.phase, 'active', 'the call never ended');
        assert.equal(c.endReason, null);
        assert.equal(c.quality.localCandidateType, 'relay');
      }
      assert.deepEqual(p.alice.device.apiErrors, []);
    } finally {
      await hangupAndClose(p);
    }
  });
});

describe(`a relayed call with no media path [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    // The safe default: coturn refuses loopback peers, so two relay-only ends on this machine cannot meet.
    t = await startTestServer(backend, { relays: { managed: { ...MANAGED_RELAY.managed, allowLoopbackPeers: false } } });
  });
  after(async () => {
    await t?.close();
  });

  it('ends as failed (connection_failed) instead of staying "connecting", and no audio arrived', async () => {
    const p = await pair(t, ['nopath_alice', 'nopath_bob']);
    try {
      for (const u of [p.alice, p.bob]) await u.device.client.call('calls.updateSettings', { protectIp: true });
      const started = p.alice.device.engine.start({ accountId: p.bob.id }, { video: false });
      await p.bob.device.until((d) => d.engine.incoming.length > 0, 'call.incoming');
      await started;
      await p.bob.device.engine.accept(p.bob.device.engine.incoming[0]!.callId, { video: false });
      // Whichever side gives up first tells the server the call failed; the other hears 'failed' too.
      for (const d of [p.alice.device, p.bob.device]) {
        await d.until((x) => x.engine.current?.phase === 'ended', 'the call to end', 60000);
        const c = d.engine.current!;
        assert.equal(c.endReason, 'failed');
        assert.equal(c.error?.code, 'connection_failed');
        assert.equal(c.quality.audioBytesReceived ?? 0, 0, 'no media flowed');
      }
      // Both call log rows say failed, not answered.
      const rows = await Promise.all([p.alice.device, p.bob.device].map((d) => d.client.call<Array<{ outcome: string }>>('calls.log', { limit: 1 })));
      assert.deepEqual(rows.map((r) => r[0]?.outcome), ['failed', 'failed']);
    } finally {
      await hangupAndClose(p);
    }
  });
});
