/**
 * SRTP only (issue 5): an offer or answer whose media lines are plain RTP (RTP/AVP, RTP/AVPF) is
 * refused with 488; SDES keys (a=crypto, RFC 4568) may travel only over TLS, because anyone who
 * sees the SDP sees the keys (RFC 4568 §8.3). DTLS-SRTP (UDP/TLS/RTP/SAVP[F], RFC 5763) is fine anywhere.
 */
export type SdpVerdict = { ok: true } | { ok: false; warning: string };

const SECURE = /^(RTP\/SAVPF?|UDP\/TLS\/RTP\/SAVPF?|TCP\/DTLS\/RTP\/SAVPF?|UDP\/TLS\/RTP\/SAVP)$/i;

export function checkSdp(body: Buffer, contentType: string | undefined, secureTransport: boolean): SdpVerdict {
  if (!body.length) return { ok: true };
  if (!contentType || !/^application\/sdp\b/i.test(contentType.trim())) return { ok: false, warning: 'only application/sdp bodies are accepted' };
  const lines = body.toString('utf8').split(/\r?\n/);
  let media = 0;
  for (const line of lines) {
    if (!line.startsWith('m=')) continue;
    const proto = line.slice(2).trim().split(/\s+/)[2] ?? '';
    const port = line.slice(2).trim().split(/\s+/)[1] ?? '';
    media++;
    // A rejected stream (port 0, RFC 3264 §6) carries no media: its profile does not matter.
    if (port === '0') continue;
    if (!SECURE.test(proto)) return { ok: false, warning: `media profile ${proto || '(none)'} is not SRTP` };
  }
  if (media === 0) return { ok: false, warning: 'no media lines' };
  if (!secureTransport && lines.some((l) => l.startsWith('a=crypto:'))) return { ok: false, warning: 'SDES keys only over TLS' };
  return { ok: true };
}
