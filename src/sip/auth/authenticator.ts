import { randomBytes } from 'node:crypto';
import { headerValue, parseDigest, parseUri, quote, type SipHeader, type SipRequest } from '../parser/index.js';
import { digestEquals, digestHa1, digestResponse, parseAlgorithm, type DigestAlgorithm } from './digest.js';
import type { NonceBook } from './nonces.js';

/** What the directory knows of a device credential (only HA1 values, never the secret). */
export interface DeviceCredential {
  deviceId: number;
  extension: string;
  authUser: string;
  ha1Md5: string | null;
  ha1Sha256: string | null;
}

export type AuthOutcome =
  | { ok: true; device: DeviceCredential }
  /** `failure`: counts toward the address ban engine (a wrong response, a replay, a forged nonce). */
  | { ok: false; failure: boolean; stale: boolean; reason: 'no_credentials' | 'malformed' | 'stale' | 'replayed' | 'forged' | 'wrong' };

/**
 * Digest authentication of requests (RFC 3261 §22, RFC 7616, RFC 8760). Challenges look the same
 * for every user; verification computes a full digest even for unknown users (against a random
 * HA1) so neither the answer nor its timing tells whether an extension exists (issue 5).
 */
export class DigestAuthenticator {
  /** A per-process random HA1 used when the user is unknown or has no secret yet. */
  private readonly dummyHa1 = { MD5: randomBytes(16).toString('hex'), 'SHA-256': randomBytes(32).toString('hex') };

  constructor(
    private readonly realm: string,
    private readonly nonces: NonceBook,
    private readonly lookup: (authUser: string) => Promise<DeviceCredential | undefined>,
    private readonly now: () => number,
    private readonly algorithms: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'],
  ) {}

  /** WWW-Authenticate (401) or Proxy-Authenticate (407) headers in order of preference (RFC 8760 §2.4). */
  challenge(proxy: boolean, stale = false): SipHeader[] {
    const name = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const nonce = this.nonces.issue(this.now());
    const staleParam = stale ? ', stale=true' : '';
    return this.algorithms.map((alg) => ({
      name,
      value: `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, algorithm=${alg}, qop="auth"${staleParam}`,
    }));
  }

  /** Checks Authorization / Proxy-Authorization of a request. */
  async verify(req: SipRequest, proxy: boolean): Promise<AuthOutcome> {
    const creds = this.pickCredentials(req, proxy);
    if (!creds) return { ok: false, failure: false, stale: false, reason: 'no_credentials' };
    const parsed = parseDigest(creds);
    if (!parsed.ok) return { ok: false, failure: true, stale: false, reason: 'malformed' };
    const p = parsed.value.params;
    const algorithm = parseAlgorithm(p.get('algorithm'));
    const [username, nonce, uri, response, nc, cnonce] = ['username', 'nonce', 'uri', 'response', 'nc', 'cnonce'].map((k) => p.get(k));
    if (!algorithm || !this.algorithms.includes(algorithm) || !username || !nonce || !uri || !response || !nc || !cnonce || p.get('qop') !== 'auth') {
      return { ok: false, failure: true, stale: false, reason: 'malformed' };
    }
    const now = this.now();
    const state = this.nonces.check(nonce, nc, now);
    if (state === 'stale') return { ok: false, failure: false, stale: true, reason: 'stale' };
    if (state !== 'ok') return { ok: false, failure: true, stale: false, reason: state };
    const device = await this.lookup(username);
    const realHa1 = device ? (algorithm === 'MD5' ? device.ha1Md5 : device.ha1Sha256) : null;
    // Same work whether or not the user exists (no enumeration by timing).
    const ha1 = realHa1 ?? this.dummyHa1[algorithm];
    const expected = digestResponse({ algorithm, ha1, method: req.method, uri, nonce, nc, cnonce });
    const match = digestEquals(expected, response);
    // RFC 7616 §3.4.6: the digest-uri must be the Request-URI; realm must be ours.
    if (!match || !device || !realHa1 || p.get('realm') !== this.realm || !sameTarget(uri, req.uri)) {
      return { ok: false, failure: true, stale: false, reason: 'wrong' };
    }
    this.nonces.consume(nonce, nc, now);
    return { ok: true, device };
  }

  private pickCredentials(req: SipRequest, proxy: boolean): string | undefined {
    const own = req.headers.filter((h) => h.name === (proxy ? 'Proxy-Authorization' : 'Authorization'));
    // Several credentials (other realms, RFC 3261 §22.3): take the one for our realm when present.
    const ours = own.find((h) => h.value.includes(`realm="${this.realm}"`));
    return (ours ?? own[0])?.value ?? headerValue(req, proxy ? 'Proxy-Authorization' : 'Authorization');
  }
}

/** HA1 values for a new device secret, for both algorithms we offer. */
export function ha1Pair(authUser: string, realm: string, secret: string): Record<DigestAlgorithm, string> {
  return { MD5: digestHa1('MD5', authUser, realm, secret), 'SHA-256': digestHa1('SHA-256', authUser, realm, secret) };
}

/**
 * RFC 7616 §3.4.6: the digest-uri must name the Request-URI. Phones and sipp add the port or
 * parameters the Request-URI left out (`sip:host:5060` for `sip:host`), so the same scheme, user and
 * host count as the same target; the nonce-count check already stops replays elsewhere.
 */
function sameTarget(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  const a = parseUri(digestUri);
  const b = parseUri(requestUri);
  return a.ok && b.ok && a.value.scheme === b.value.scheme && a.value.user === b.value.user && a.value.host === b.value.host;
}
