import { createHmac, randomBytes } from 'node:crypto';

/**
 * TURN REST credentials (draft-uberti-behave-turn-rest-00, coturn's `use-auth-secret`): the username
 * is `<unix expiry seconds>:<opaque>` and the password base64(HMAC-SHA1(secret, username)). The opaque
 * part is random per issue — never the account id — so the relay (and its logs) cannot tell who is
 * calling, and two credentials of one user cannot be linked.
 */
export interface TurnCredential {
  username: string;
  credential: string;
  /** Unix ms. */
  expiresAt: number;
}

export function mintTurnCredential(secret: string, nowMs: number, ttlSec: number): TurnCredential {
  const expiry = Math.floor(nowMs / 1000) + ttlSec;
  const username = `${expiry}:${randomBytes(12).toString('base64url')}`;
  return { username, credential: turnPassword(secret, username), expiresAt: expiry * 1000 };
}

export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}
