import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EMOJI, EMOJI_TABLE, checkCommitment, commitment, emojiName, randomNonce, sdpFingerprints, verificationCode, verificationWords } from './call-verification.js';

const FP_A = 'CC:FF:32:B1:3C:DA:95:43:11:F9:39:BD:01:14:D3:0B:E5:A1:FE:9B:FE:E3:02:04:AB:EF:F2:B8:65:A4:AD:17';
const FP_B = '5C:0F:46:0C:76:86:0B:DA:35:A0:E5:6E:AB:DA:CF:AE:E9:E9:AC:0A:6E:7D:10:E3:7F:00:9A:D4:CA:A1:51:97';

const OFFER = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
  `a=fingerprint:SHA-256 ${FP_A.toLowerCase()}`,
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', `a=fingerprint:sha-256 ${FP_A}`,
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:1', `a=fingerprint:sha-1 AA:BB:CC`,
  '',
].join('\r\n');

const hexByte = fc.integer({ min: 0, max: 255 }).map((b) => b.toString(16).padStart(2, '0').toUpperCase());
const fingerprint = fc.array(hexByte, { minLength: 32, maxLength: 32 }).map((bs) => `sha-256 ${bs.join(':')}`);
const fps = fc.uniqueArray(fingerprint, { minLength: 1, maxLength: 3 }).map((a) => a.sort());
const nonce = fc.array(hexByte, { minLength: 32, maxLength: 32 }).map((bs) => bs.join('').toLowerCase());
const input = fc.record({ callerFingerprints: fps, calleeFingerprints: fps, callerNonce: nonce, calleeNonce: nonce });

/** Changes one hex digit of one fingerprint (the smallest rewrite a man in the middle could make). */
function flipDigit(list: string[], which: number, pos: number): string[] {
  const out = [...list];
  const i = which % out.length;
  const s = out[i]!;
  const start = s.indexOf(' ') + 1;
  const hexPositions = [...s.slice(start)].flatMap((ch, k) => (ch === ':' ? [] : [start + k]));
  const p = hexPositions[pos % hexPositions.length]!;
  const c = s[p]!;
  out[i] = s.slice(0, p) + (c === '0' ? '1' : '0') + s.slice(p + 1);
  return out;
}

describe('call verification', () => {
  it('EMOJI has 64 distinct emoji with distinct names', () => {
    assert.equal(EMOJI.length, 64);
    assert.equal(new Set(EMOJI).size, 64);
    assert.equal(new Set(EMOJI_TABLE.map(([, n]) => n)).size, 64);
    assert.equal(emojiName('🐶'), 'dog');
  });

  it('sdpFingerprints reads session and media level, normalises, sorts and dedups (RFC 8122)', () => {
    assert.deepEqual(sdpFingerprints(OFFER), ['sha-1 AA:BB:CC', `sha-256 ${FP_A}`]);
    assert.deepEqual(sdpFingerprints('v=0\nm=audio 9 UDP/TLS/RTP/SAVPF 0\n'), []);
    assert.deepEqual(sdpFingerprints(`a=fingerprint:sha-256 ${FP_B}\na=fingerprint:sha-256 ${FP_A}`), [`sha-256 ${FP_B}`, `sha-256 ${FP_A}`].sort());
  });

  it('randomNonce is 32 bytes of hex and not repeated', () => {
    const a = randomNonce();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, randomNonce());
  });

  it('commitment is the SHA-256 of the documented text and opens only with the same fingerprints and nonce', async () => {
    const n = randomNonce();
    const c = await commitment([`sha-256 ${FP_A}`], n);
    const { createHash } = await import('node:crypto');
    assert.equal(c, createHash('sha256').update(`parley-call-commit-v1\nsha-256 ${FP_A}\n${n}`).digest('hex'));
    assert.equal(await checkCommitment(c, [`sha-256 ${FP_A}`], n), true);
    assert.equal(await checkCommitment(c.toUpperCase(), [`sha-256 ${FP_A}`], n), true);
    assert.equal(await checkCommitment(c, [`sha-256 ${FP_B}`], n), false, 'rewritten fingerprint');
    assert.equal(await checkCommitment(c, [`sha-256 ${FP_A}`], randomNonce()), false, 'other nonce');
    assert.equal(await checkCommitment('00', [`sha-256 ${FP_A}`], n), false);
  });

  it('the code is 4 emoji from the first 24 bits of the documented hash', async () => {
    const i = { callerFingerprints: [`sha-256 ${FP_A}`], calleeFingerprints: [`sha-256 ${FP_B}`], callerNonce: 'aa', calleeNonce: 'bb' };
    const { createHash } = await import('node:crypto');
    const h = createHash('sha256').update(`parley-call-sas-v1\nsha-256 ${FP_A}\nsha-256 ${FP_B}\naa\nbb`).digest();
    const bits = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
    const code = await verificationCode(i);
    assert.deepEqual(code, [EMOJI[bits >> 18], EMOJI[(bits >> 12) & 63], EMOJI[(bits >> 6) & 63], EMOJI[bits & 63]]);
    assert.equal(verificationWords(code).length, 4);
  });

  it('same inputs give the same code', async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const a = await verificationCode(i);
        const b = await verificationCode({ ...i, callerFingerprints: [...i.callerFingerprints] });
        assert.deepEqual(a, b);
        assert.equal(a.length, 4);
        for (const e of a) assert.ok(EMOJI.includes(e));
      }),
      { numRuns: 200, seed: 4242 },
    );
  });

  it('any changed fingerprint or nonce changes the code (2^-24 collisions aside; fixed seed)', async () => {
    await fc.assert(
      fc.asyncProperty(input, fc.nat(), fc.nat(), fc.constantFrom('caller', 'callee', 'callerNonce', 'calleeNonce'), async (i, which, pos, field) => {
        const base = (await verificationCode(i)).join('');
        const changed = { ...i };
        if (field === 'caller') changed.callerFingerprints = flipDigit([...i.callerFingerprints], which, pos);
        else if (field === 'callee') changed.calleeFingerprints = flipDigit([...i.calleeFingerprints], which, pos);
        else if (field === 'callerNonce') changed.callerNonce = i.callerNonce === '00'.repeat(32) ? 'ff'.repeat(32) : '00'.repeat(32);
        else changed.calleeNonce = i.calleeNonce === '00'.repeat(32) ? 'ff'.repeat(32) : '00'.repeat(32);
        assert.notDeepEqual(changed, i);
        assert.notEqual((await verificationCode(changed)).join(''), base);
      }),
      { numRuns: 300, seed: 4242 },
    );
  });

  it('swapping the roles changes the code (caller and callee are not interchangeable)', async () => {
    const i = { callerFingerprints: [`sha-256 ${FP_A}`], calleeFingerprints: [`sha-256 ${FP_B}`], callerNonce: 'aa', calleeNonce: 'bb' };
    const swapped = { callerFingerprints: i.calleeFingerprints, calleeFingerprints: i.callerFingerprints, callerNonce: 'bb', calleeNonce: 'aa' };
    assert.notDeepEqual(await verificationCode(i), await verificationCode(swapped));
  });
});
