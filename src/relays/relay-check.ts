import { mintTurnCredential } from './credentials.js';
import { allocate, type ServerAddress } from './turn-client.js';
import type { RelayCheck } from './types.js';

/** Allocations made by health checks live a minute at most even if the release is lost. */
const CHECK_LIFETIME_SEC = 60;

export interface CheckTarget {
  id: string;
  region: string;
  /** Shown in doctor and logs. */
  url: string;
  server: ServerAddress;
  secret: string;
}

/**
 * One health check: a real, authenticated TURN Allocate (RFC 8656 §7) and its release. A relay
 * that answers STUN but refuses our credentials, or has no relay ports left, fails here, which a
 * port probe would miss. The credential is minted against wall time, since coturn checks the
 * username's expiry against its own clock.
 */
export async function checkRelay(target: CheckTarget, timeoutMs: number): Promise<RelayCheck> {
  const base = { id: target.id, region: target.region, url: target.url };
  const cred = mintTurnCredential(target.secret, Date.now(), 300);
  try {
    const alloc = await allocate({ server: target.server, username: cred.username, password: cred.credential, lifetimeSec: CHECK_LIFETIME_SEC, timeoutMs });
    const relayedAddress = `${alloc.relayed.family === 'IPv6' ? `[${alloc.relayed.address}]` : alloc.relayed.address}:${alloc.relayed.port}`;
    const rttMs = Math.round(alloc.rttMs * 10) / 10;
    await alloc.close();
    return { ...base, ok: true, rttMs, relayedAddress, error: null };
  } catch (err) {
    return { ...base, ok: false, rttMs: null, relayedAddress: null, error: (err as Error).message };
  }
}
