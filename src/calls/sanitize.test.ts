import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppError } from '../kernel/errors.js';
import { sanitizeCandidate, sanitizeSdp, type SdpOptions } from './sanitize.js';
import { parseCandidate } from './candidate.js';
import { sdp, ownAddresses, mentions, trickle, ADDR, type SdpSample } from '../../tests/integration/calls-fixtures.js';

const opts = (o: Partial<SdpOptions> = {}): SdpOptions => ({ maxBytes: 16384, maxCandidates: 100, relayOnly: false, extractCandidates: false, ...o });
const SAMPLES: SdpSample[] = ['offer-audio', 'answer-audio', 'offer-video', 'answer-video', 'offer-audio-data', 'answer-audio-data'];
const sideOf = (name: SdpSample) => (name.startsWith('offer') ? 'caller' : 'callee');
const candidateLines = (text: string) => text.split('\r\n').filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2));

function sdpError(f: () => unknown): { code: string; reason: unknown } {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof AppError, `not an AppError: ${String(err)}`);
    return { code: err.code, reason: err.data?.reason };
  }
  assert.fail('accepted');
}

describe('sanitizeSdp on real descriptions', () => {
  it('keeps a description of a side that allows direct paths, with raddr rewritten', () => {
    for (const name of SAMPLES) {
      const out = sanitizeSdp(sdp(name), opts());
      const lines = candidateLines(out.sdp);
      assert.equal(lines.length, candidateLines(sdp(name)).length, name);
      assert.equal(out.received, lines.length);
      for (const l of lines) {
        const c = parseCandidate(l);
        if (c.type !== 'host') assert.deepEqual([c.relAddr, c.relPort], ['0.0.0.0', 0], l);
      }
      // The srflx address is there (the side allows it), but never as a raddr of the relay.
      assert.ok(!/raddr (?!0\.0\.0\.0)/.test(out.sdp), name);
      assert.ok(out.sdp.startsWith('v=0\r\n') && out.sdp.endsWith('\r\n'));
    }
  });

  it('relay-only: no address of the side survives, only relay candidates', () => {
    for (const name of SAMPLES) {
      const out = sanitizeSdp(sdp(name), opts({ relayOnly: true }));
      const lines = candidateLines(out.sdp);
      assert.ok(lines.length > 0 && lines.every((l) => parseCandidate(l).type === 'relay'), name);
      for (const a of ownAddresses(sideOf(name))) assert.ok(!mentions(out.sdp, a), `${name} leaks ${a}`);
      assert.ok(out.sdp.includes(ADDR.relay));
      assert.ok(/^o=- \d+ \d+ IN IP4 127\.0\.0\.1$/m.test(out.sdp));
      assert.ok(out.sdp.split('\r\n').filter((l) => l.startsWith('c=')).every((l) => l === 'c=IN IP4 0.0.0.0'));
      assert.ok(out.sdp.split('\r\n').filter((l) => l.startsWith('m=')).every((l) => / 9 /.test(l)));
      assert.equal(out.dropped.length, out.received - lines.length);
      assert.ok(out.dropped.every((r) => r === 'relay_only'));
    }
  });

  it('extracting (the offer shown to ringing devices): no candidate and no address left, candidates returned with their m-section', () => {
    const out = sanitizeSdp(sdp('offer-video'), opts({ extractCandidates: true }));
    assert.equal(candidateLines(out.sdp).length, 0);
    assert.ok(!out.sdp.includes('end-of-candidates'));
    for (const a of ownAddresses('caller')) assert.ok(!mentions(out.sdp, a), `leaks ${a}`);
    assert.equal(out.candidates.length, 12);
    assert.deepEqual([...new Set(out.candidates.map((c) => `${c.sdpMid}/${c.sdpMLineIndex}`))], ['0/0', '1/1']);
    assert.ok(out.candidates.every((c) => !/raddr (?!0\.0\.0\.0)/.test(c.candidate)));
    // Relay-only as well: only the relay candidates are held.
    const relayed = sanitizeSdp(sdp('offer-video'), opts({ extractCandidates: true, relayOnly: true }));
    assert.equal(relayed.candidates.length, 2);
    assert.ok(relayed.candidates.every((c) => parseCandidate(c.candidate).type === 'relay'));
  });

  it('a line that swallowed its neighbour (a lost line break) cannot carry an address past the mask', () => {
    const text = sdp('offer-audio-data');
    const throwsBad = (t: string, reason: string) => assert.throws(() => sanitizeSdp(t, opts({ extractCandidates: true })), (e: AppError) => e.code === 'bad_sdp' && e.data?.reason === reason);
    // fast-check found this one (seed 152406419): the c= line glued to the data m-line's format list.
    throwsBad(text.replace('webrtc-datachannel\r\nc=IN', 'webrtc-datacha\u{10000}c=IN'), 'malformed_line');
    throwsBad(text.replace('webrtc-datachannel\r\nc=IN', 'webrtc-datachannel c=IN'), 'malformed_line');
    // A whitelisted attribute that swallowed a candidate line: refused, not forwarded.
    const ssrc = /a=ssrc:\d+ cname:\S+/.exec(sdp('offer-audio'))?.[0];
    assert.ok(ssrc, 'the sample has an a=ssrc cname line');
    throwsBad(sdp('offer-audio').replace(ssrc, `${ssrc} ${ADDR.caller.v4}`), 'address_in_line');
    throwsBad(sdp('offer-audio').replace(ssrc, `${ssrc} host:${ADDR.caller.mdns}`), 'address_in_line');
    // Unmasked (a side that may show its addresses, answering a direct call) is left alone.
    assert.doesNotThrow(() => sanitizeSdp(sdp('offer-audio').replace(ssrc, `${ssrc} ${ADDR.caller.v4}`), opts()));
    // RTP formats are payload type numbers.
    throwsBad(sdp('offer-audio').replace(/^(m=audio \S+ \S+ )/m, '$1192.168.1.23 '), 'malformed_line');
  });

  it('masks a=rtcp addresses, IPv6 c= lines and drops remote-candidates', () => {
    const text = sdp('offer-audio')
      .replace('a=rtcp:9 IN IP4 0.0.0.0', 'a=rtcp:50001 IN IP4 192.168.1.23')
      .replace('c=IN IP4 192.168.1.23', 'c=IN IP6 2001:db8:85a3::8a2e:370:7334')
      .replace('a=mid:0', 'a=mid:0\r\na=remote-candidates:1 10.9.8.7 4000');
    const out = sanitizeSdp(text, opts({ relayOnly: true }));
    assert.ok(out.sdp.includes('a=rtcp:9 IN IP4 0.0.0.0\r\n') && out.sdp.includes('c=IN IP6 ::\r\n'));
    assert.ok(!out.sdp.includes('remote-candidates') && !out.sdp.includes('10.9.8.7'));
    for (const a of ownAddresses('caller')) assert.ok(!mentions(out.sdp, a));
  });

  it('refuses descriptions that are not DTLS-SRTP or not SDP', () => {
    const offer = sdp('offer-audio');
    const check = (text: string, reason: string, o: Partial<SdpOptions> = {}) => assert.deepEqual(sdpError(() => sanitizeSdp(text, opts(o))), { code: 'bad_sdp', reason });
    check(offer.replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP'), 'media_protocol');
    check(offer.replace('UDP/TLS/RTP/SAVPF', 'UDP/TLS/RTP/SAVP'), 'media_protocol');
    check(sdp('offer-audio-data').replace('UDP/DTLS/SCTP', 'DTLS/SCTP'), 'media_protocol');
    check(offer.replace(/a=fingerprint:[^\r]*\r\n/, ''), 'no_fingerprint');
    check(offer.replace(/a=fingerprint:sha-256 [^\r]*/, 'a=fingerprint:sha-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01'), 'no_fingerprint');
    check(offer.replace(/a=fingerprint:sha-256 [^\r]*/, 'a=fingerprint:sha-256 AB:CD'), 'fingerprint');
    check(offer.slice(5), 'no_version');
    check(`v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n`, 'no_media');
    check(offer.replace('s=-', 's=-\r\n\r\nx'), 'malformed_line');
    check(offer.replace('s=-', 's=-\u0000'), 'malformed_line');
    check(offer + 'a=x'.padEnd(20000, 'x'), 'too_large');
    check(offer.replace('a=mid:0', 'a=mid:bad mid'), 'mid');
    check(offer.replace('t=0 0', 't=0 0\r\na=candidate:1 1 udp 1 192.0.2.1 1 typ host'), 'candidate_outside_media');
    check(offer.replace(/^o=.*$/m, 'o=- 1 IN IP4 127.0.0.1'), 'origin', { relayOnly: true });
    // A fingerprint at session level covers every m-section (RFC 8842 §5).
    const fp = /a=fingerprint:[^\r]*/.exec(offer)![0];
    assert.ok(sanitizeSdp(offer.replace(`${fp}\r\n`, '').replace('t=0 0', `t=0 0\r\n${fp}`), opts()).sdp);
  });

  it('refuses a malformed candidate inside a description and too many candidates', () => {
    assert.deepEqual(sdpError(() => sanitizeSdp(sdp('offer-audio').replace('typ relay', 'typ'), opts())).code, 'bad_candidate');
    assert.deepEqual(sdpError(() => sanitizeSdp(sdp('offer-video'), opts({ maxCandidates: 11 }))).code, 'too_many_candidates');
  });
});

describe('sanitizeCandidate', () => {
  const t = trickle('caller');
  it('rewrites raddr for every side and drops non-relay ones of a relay-only side', () => {
    const open = sanitizeCandidate({ candidate: t.srflx, sdpMid: '0', sdpMLineIndex: 0 }, false);
    assert.ok(open.ok && open.candidate.candidate.includes(' raddr 0.0.0.0 rport 0') && !open.candidate.candidate.includes(ADDR.caller.v4));
    assert.deepEqual(open.ok && open.candidate.sdpMid, '0');
    for (const k of ['host', 'mdns', 'srflx', 'prflx', 'tcp'] as const) assert.deepEqual(sanitizeCandidate({ candidate: t[k], sdpMid: '0' }, true), { ok: false, reason: 'relay_only' }, k);
    const relay = sanitizeCandidate({ candidate: t.relay, sdpMLineIndex: 0 }, true);
    assert.ok(relay.ok && relay.candidate.candidate.includes(`${ADDR.relay} 61004 typ relay raddr 0.0.0.0 rport 0`));
    assert.ok(relay.ok && !('sdpMid' in relay.candidate));
  });

  it('passes the end-of-candidates marker and refuses candidates without an m-section', () => {
    assert.deepEqual(sanitizeCandidate({ candidate: '', sdpMid: '0', sdpMLineIndex: null }, true), { ok: true, candidate: { candidate: '', sdpMid: '0' } });
    assert.deepEqual(sanitizeCandidate({ candidate: '' }, false), { ok: true, candidate: { candidate: '' } });
    assert.equal(sdpError(() => sanitizeCandidate({ candidate: t.relay }, false)).reason, 'no_mid');
    assert.equal(sdpError(() => sanitizeCandidate({ candidate: t.relay, sdpMid: 'a b' }, false)).reason, 'sdpMid');
  });
});

describe('sanitizer properties (fast-check)', () => {
  const ip4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
  const ip6 = fc.ipV6();
  const host = fc.oneof(ip4, ip6, fc.uuid().map((u) => `${u}.local`));
  const type = fc.constantFrom('host', 'srflx', 'prflx', 'relay', 'HOST', 'Relay', 'weird');
  const transport = fc.constantFrom('udp', 'UDP', 'tcp', 'sctp');
  const port = fc.integer({ min: 0, max: 65535 });
  const ext = fc.array(fc.tuple(fc.constantFrom('generation', 'ufrag', 'network-id', 'network-cost', 'tcptype', 'laddr', 'x-y'), fc.oneof(ip4, fc.stringMatching(/^[a-z0-9]{1,8}$/))), { maxLength: 4 });
  const wellFormed = fc.record({ f: fc.stringMatching(/^[A-Za-z0-9+/]{1,32}$/), comp: fc.integer({ min: 1, max: 256 }), transport, prio: fc.nat(), host, port, type, rel: fc.option(fc.tuple(host, port)), ext })
    .map((c) => `candidate:${c.f} ${c.comp} ${c.transport} ${c.prio} ${c.host} ${c.port} typ ${c.type}${c.rel ? ` raddr ${c.rel[0]} rport ${c.rel[1]}` : ''}${c.ext.map(([n, v]) => ` ${n} ${v}`).join('')}`);
  /** Well-formed candidates with a few characters changed, dropped or inserted, and plain garbage. */
  const mutated = fc.tuple(wellFormed, fc.array(fc.tuple(fc.nat(), fc.constantFrom('del', 'ins', 'sub'), fc.string({ minLength: 1, maxLength: 3, unit: 'binary' })), { maxLength: 4 })).map(([s, edits]) => {
    let out = s;
    for (const [at, how, text] of edits) {
      const i = at % (out.length + 1);
      out = how === 'del' ? out.slice(0, i) + out.slice(i + 1) : how === 'ins' ? out.slice(0, i) + text + out.slice(i) : out.slice(0, i) + text + out.slice(i + text.length);
    }
    return out;
  });
  const anyCandidate = fc.oneof(wellFormed, mutated, fc.string({ maxLength: 200, unit: 'binary' }));

  it('never throws anything but bad_candidate; relay-only output is relay only; raddr is always 0.0.0.0 0', () => {
    fc.assert(fc.property(anyCandidate, fc.boolean(), (candidate, relayOnly) => {
      let r;
      try {
        r = sanitizeCandidate({ candidate, sdpMid: '0', sdpMLineIndex: 0 }, relayOnly);
      } catch (err) {
        return err instanceof AppError && err.code === 'bad_candidate';
      }
      if (!r.ok || r.candidate.candidate === '') return true;
      const out = parseCandidate(r.candidate.candidate);
      if (relayOnly && out.type !== 'relay') return false;
      if (out.type !== 'host' && (out.relAddr !== '0.0.0.0' || out.relPort !== 0)) return false;
      if (out.relAddr !== null && out.relAddr !== '0.0.0.0') return false;
      // Only whitelisted extensions survive (laddr could carry an address).
      return !/ laddr | x-y /.test(` ${r.candidate.candidate} `);
    }), { numRuns: 2000 });
  });

  it('SDP: mutated real descriptions never throw anything but bad_*; relay-only output has no address of its side', () => {
    const sample = fc.constantFrom(...SAMPLES);
    const edits = fc.array(fc.tuple(fc.nat(), fc.constantFrom('del', 'ins', 'sub', 'dupline', 'dropline'), fc.string({ minLength: 1, maxLength: 4, unit: 'binary' })), { maxLength: 3 });
    fc.assert(fc.property(sample, edits, fc.boolean(), fc.boolean(), (name, es, relayOnly, extract) => {
      let text = sdp(name);
      for (const [at, how, s] of es) {
        const lines = text.split('\r\n');
        const li = at % lines.length;
        if (how === 'dupline') lines.splice(li, 0, lines[li]!);
        else if (how === 'dropline') lines.splice(li, 1);
        text = lines.join('\r\n');
        const i = at % (text.length + 1);
        if (how === 'del') text = text.slice(0, i) + text.slice(i + 1);
        if (how === 'ins') text = text.slice(0, i) + s + text.slice(i);
        if (how === 'sub') text = text.slice(0, i) + s + text.slice(i + s.length);
      }
      let out;
      try {
        out = sanitizeSdp(text, opts({ relayOnly, extractCandidates: extract }));
      } catch (err) {
        return err instanceof AppError && ['bad_sdp', 'bad_candidate', 'too_many_candidates'].includes(err.code);
      }
      const all = [...candidateLines(out.sdp), ...out.candidates.map((c) => c.candidate)].map((l) => parseCandidate(l));
      if (all.some((c) => c.relAddr !== null && c.relAddr !== '0.0.0.0')) return false;
      if (extract && candidateLines(out.sdp).length > 0) return false;
      if (!relayOnly && !extract) return true;
      if (relayOnly && all.some((c) => c.type !== 'relay')) return false;
      // The description never shows an address of a masked side; held candidates only when relay-only.
      return ownAddresses(sideOf(name)).every((a) => !mentions(out.sdp, a) && (!relayOnly || all.every((c) => c.address !== a)));
    }), { numRuns: 500 });
  });
});
