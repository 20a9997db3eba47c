import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withDirection } from './sdp-direction.js';

const SDP = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendrecv', 'a=rtpmap:111 opus/48000/2',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=sendrecv', 'a=rtpmap:96 VP8/90000', '',
].join('\r\n');

describe('withDirection', () => {
  it('changes only the sections named by mid, keeping CRLF', () => {
    const out = withDirection(SDP, new Set(['1']), 'recvonly');
    const [, audio, video] = out.split(/\r\n(?=m=)/);
    assert.match(audio!, /^a=sendrecv\r$/m);
    assert.match(video!, /^a=recvonly\r$/m);
    assert.doesNotMatch(video!, /a=sendrecv/);
    assert.equal(out.replace('a=recvonly', 'a=sendrecv'), SDP, 'nothing else changed');
  });

  it('leaves the SDP as it was when no mid matches', () => {
    assert.equal(withDirection(SDP, new Set(['7']), 'recvonly'), SDP);
  });

  it('adds the attribute after the mid when the section had none (sendrecv by default)', () => {
    const bare = SDP.replace('a=mid:1\r\na=sendrecv\r\n', 'a=mid:1\r\n');
    const out = withDirection(bare, new Set(['1']), 'recvonly');
    assert.match(out, /a=mid:1\r\na=recvonly\r\na=rtpmap:96/);
  });
});
