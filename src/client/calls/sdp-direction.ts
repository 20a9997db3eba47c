/** A media section's direction attribute (RFC 8866 §6.7.1–6.7.4). */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTION = /^a=(sendrecv|sendonly|recvonly|inactive)$/;

/**
 * Sets the direction attribute of the media sections whose `a=mid` (RFC 8843 §15) is in `mids`;
 * the others are returned unchanged, byte for byte. The engine uses it for one case only: an answer
 * made while ringing offers to send video, and the user then answers a video call with voice only.
 * The answer the caller gets says `recvonly` for those sections (JSEP lets an answer narrow the
 * offered direction, RFC 8829 §5.3.1), so it expects no video from this side; this side's
 * transceivers are set to `recvonly` too, so every later offer or answer agrees.
 */
export function withDirection(sdp: string, mids: ReadonlySet<string>, direction: MediaDirection): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  // Media sections: from each m= line to the next (RFC 8866 §5).
  const starts = lines.flatMap((l, i) => (l.startsWith('m=') ? [i] : []));
  const out = lines.slice(0, starts[0] ?? lines.length);
  starts.forEach((from, k) => {
    const section = lines.slice(from, starts[k + 1] ?? lines.length);
    const mid = section.find((l) => l.startsWith('a=mid:'))?.slice('a=mid:'.length).trim();
    if (mid !== undefined && mids.has(mid)) {
      const at = section.findIndex((l) => DIRECTION.test(l));
      if (at >= 0) section[at] = `a=${direction}`;
      // No attribute means sendrecv (RFC 8866 §6.7.1): state it after the mid.
      else section.splice(section.findIndex((l) => l.startsWith('a=mid:')) + 1, 0, `a=${direction}`);
    }
    out.push(...section);
  });
  return out.join(eol);
}
