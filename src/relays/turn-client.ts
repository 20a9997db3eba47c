import { EventEmitter } from 'node:events';
import { Class, Method, attribute, checkFingerprint, encodeStun, longTermKey, newTransactionId, verifyIntegrity, type StunAttribute, type StunMessage } from './stun.js';
import {
  Attr,
  REQUESTED_TRANSPORT_UDP,
  decodeErrorCode,
  decodeUint32,
  decodeXorAddress,
  encodeChannelNumber,
  encodeUint32,
  encodeXorAddress,
  type TransportAddress,
} from './stun-attributes.js';
import { decodeChannelData, encodeChannelData, MAX_CHANNEL, MIN_CHANNEL } from './channel-data.js';
import { StunTransport, TurnError, type ServerAddress } from './stun-transport.js';

export { TurnError, type ServerAddress } from './stun-transport.js';
export type { TransportAddress } from './stun-attributes.js';

export interface AllocateOptions {
  server: ServerAddress;
  username: string;
  password: string;
  /** Requested allocation lifetime, s (RFC 8656 §7.2; coturn caps it at its max-allocate-lifetime). */
  lifetimeSec?: number;
  /** Per transaction, retransmissions included. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const NONE = Buffer.alloc(0);

/**
 * A STUN Binding request (RFC 8489 §3): the server's view of our address. No credentials; coturn
 * answers Binding without authentication (it is what browsers' `stun:` URLs send), so it doubles
 * as the "is coturn up" probe.
 */
export async function stunBinding(server: ServerAddress, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<TransportAddress> {
  const t = await StunTransport.open(server);
  try {
    const res = await t.request(Method.Binding, () => [], { timeoutMs, accept: fingerprintOk });
    const mapped = res.cls === Class.Success ? decodeXorAddress(attribute(res, Attr.XorMappedAddress) ?? NONE, res.transactionId) : null;
    if (!mapped) throw errorOf(res, 'Binding');
    return mapped;
  } finally {
    t.close();
  }
}

/**
 * Allocates a UDP relay (RFC 8656 §7): an unauthenticated Allocate draws the 401 with REALM and
 * NONCE, the second carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY under the long-term key.
 */
export async function allocate(opts: AllocateOptions): Promise<TurnAllocation> {
  const transport = await StunTransport.open(opts.server);
  const alloc = new TurnAllocation(transport, opts.username, opts.password, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    await alloc.allocate(opts.lifetimeSec);
    return alloc;
  } catch (err) {
    transport.close();
    throw err;
  }
}

interface AllocationEvents {
  /** Application data from a peer, via ChannelData (`channel` set) or a Data indication. */
  data: [data: Buffer, peer: TransportAddress, channel: number | null];
}

/**
 * One TURN allocation over UDP: permissions, channels, ChannelData in both directions. Permissions
 * last 300 s and channel bindings 600 s (RFC 8656 §9, §12): callers that keep one longer repeat
 * `createPermission`/`channelBind` (both refresh) and call `refresh()` before `lifetimeSec` runs out.
 */
export class TurnAllocation extends EventEmitter<AllocationEvents> {
  /** The relayed transport address (XOR-RELAYED-ADDRESS): what peers send to. */
  relayed: TransportAddress = { family: 'IPv4', address: '0.0.0.0', port: 0 };
  /** Our address as the server saw it (XOR-MAPPED-ADDRESS). */
  mapped: TransportAddress | null = null;
  /** Granted lifetime, s. */
  lifetimeSec = 0;
  /** Round trip of the authenticated Allocate, ms. */
  rttMs = 0;
  private realm = '';
  private nonce = '';
  private key: Buffer | null = null;
  private nextChannel = MIN_CHANNEL;
  private readonly channels = new Map<number, TransportAddress>();
  private readonly channelByPeer = new Map<string, number>();
  private closed = false;

  /** Use `allocate()`; exported for its type. */
  constructor(
    private readonly transport: StunTransport,
    private readonly username: string,
    private readonly password: string,
    private readonly timeoutMs: number,
  ) {
    super();
    transport.onPacket = (bytes, msg) => this.deliver(bytes, msg);
  }

  /** The local UDP address this allocation's traffic leaves from. */
  get local(): { address: string; port: number } {
    return this.transport.local();
  }

  async allocate(lifetimeSec?: number): Promise<void> {
    const attrs: StunAttribute[] = [{ type: Attr.RequestedTransport, value: REQUESTED_TRANSPORT_UDP }];
    if (lifetimeSec !== undefined) attrs.push({ type: Attr.Lifetime, value: encodeUint32(lifetimeSec) });
    const res = await this.authenticated(Method.Allocate, () => attrs, 'Allocate', true);
    const relayed = decodeXorAddress(attribute(res, Attr.XorRelayedAddress) ?? NONE, res.transactionId);
    if (!relayed) throw new TurnError(null, 'Allocate succeeded without XOR-RELAYED-ADDRESS');
    this.relayed = relayed;
    this.mapped = decodeXorAddress(attribute(res, Attr.XorMappedAddress) ?? NONE, res.transactionId);
    this.lifetimeSec = decodeUint32(attribute(res, Attr.Lifetime) ?? NONE) ?? 0;
  }

  /** Installs a permission for `peer`'s IP (the port is ignored, RFC 8656 §9). 403 when the relay forbids that peer. */
  async createPermission(peer: string | TransportAddress): Promise<void> {
    const address = typeof peer === 'string' ? peer : peer.address;
    const target: TransportAddress = { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port: 0 };
    await this.authenticated(Method.CreatePermission, (id) => [peerAttr(target, id)], 'CreatePermission');
  }

  /** Binds (or refreshes) a channel to `peer`; returns the channel number. Implies a permission. */
  async channelBind(peer: TransportAddress): Promise<number> {
    const key = `${peer.address}|${peer.port}`;
    let channel = this.channelByPeer.get(key);
    if (channel === undefined) {
      if (this.nextChannel > MAX_CHANNEL) throw new TurnError(null, 'no channel numbers left');
      channel = this.nextChannel++;
    }
    const number = channel;
    await this.authenticated(Method.ChannelBind, (id) => [{ type: Attr.ChannelNumber, value: encodeChannelNumber(number) }, peerAttr(peer, id)], 'ChannelBind');
    this.channels.set(number, peer);
    this.channelByPeer.set(key, number);
    return number;
  }

  /** Sends `data` to the peer bound to `channel` (4 bytes of overhead). */
  sendChannel(channel: number, data: Uint8Array): void {
    if (!this.channels.has(channel)) throw new TurnError(null, `channel 0x${channel.toString(16)} is not bound`);
    this.transport.send(encodeChannelData(channel, data));
  }

  /** Sends `data` to `peer` in a Send indication (needs a permission; no channel). */
  send(peer: TransportAddress, data: Uint8Array): void {
    const transactionId = newTransactionId();
    const attributes = [peerAttr(peer, transactionId), { type: Attr.Data, value: Buffer.from(data) }];
    this.transport.send(encodeStun({ method: Method.Send, cls: Class.Indication, transactionId, attributes }, { fingerprint: true }));
  }

  /** Refreshes the allocation (RFC 8656 §8); lifetime 0 releases it. Returns the granted lifetime. */
  async refresh(lifetimeSec = 600): Promise<number> {
    const res = await this.authenticated(Method.Refresh, () => [{ type: Attr.Lifetime, value: encodeUint32(lifetimeSec) }], 'Refresh');
    this.lifetimeSec = decodeUint32(attribute(res, Attr.Lifetime) ?? NONE) ?? lifetimeSec;
    return this.lifetimeSec;
  }

  /** Releases the allocation on the relay (Refresh with LIFETIME 0) and closes the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.refresh(0);
    } catch {
      // Already gone or unreachable: the relay drops the allocation when its lifetime ends anyway.
    } finally {
      this.transport.close();
      this.removeAllListeners();
    }
  }

  /**
   * Runs a request that needs the long-term credential: on 401 (the first challenge) or 438 (stale
   * nonce, RFC 8489 §9.2.5) it takes the new REALM/NONCE and tries again, at most twice.
   */
  private async authenticated(method: number, attrs: (transactionId: Buffer) => StunAttribute[], name: string, measure = false): Promise<StunMessage> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const key = this.key;
      const started = performance.now();
      const res = await this.transport.request(method, (id) => (key ? [...attrs(id), ...this.credentialAttrs()] : attrs(id)), {
        timeoutMs: this.timeoutMs,
        ...(key ? { integrityKey: key } : {}),
        // A success answer to a signed request must carry a valid MESSAGE-INTEGRITY, or it is
        // discarded as if never received (RFC 8489 §9.2.4): nobody on the path can forge one.
        accept: (m) => fingerprintOk(m) && (!key || m.cls === Class.Error || verifyIntegrity(m, key)),
      });
      if (measure && key) this.rttMs = performance.now() - started;
      if (res.cls === Class.Success) return res;
      const err = decodeErrorCode(attribute(res, Attr.ErrorCode) ?? NONE);
      const nonce = attribute(res, Attr.Nonce)?.toString('utf8');
      const realm = attribute(res, Attr.Realm)?.toString('utf8');
      const challenge = (err?.code === 401 && !key) || err?.code === 438;
      if (challenge && nonce) {
        this.nonce = nonce;
        if (realm) this.realm = realm;
        this.key = longTermKey(this.username, this.realm, this.password);
        continue;
      }
      throw errorOf(res, name);
    }
    throw new TurnError(438, `${name}: the relay kept sending new nonces`);
  }

  private credentialAttrs(): StunAttribute[] {
    return [
      { type: Attr.Username, value: Buffer.from(this.username, 'utf8') },
      { type: Attr.Realm, value: Buffer.from(this.realm, 'utf8') },
      { type: Attr.Nonce, value: Buffer.from(this.nonce, 'utf8') },
    ];
  }

  private deliver(bytes: Buffer, msg: StunMessage | null): void {
    if (!msg) {
      const cd = decodeChannelData(bytes);
      const peer = cd && this.channels.get(cd.channel);
      if (cd && peer) this.emit('data', cd.data, peer, cd.channel);
      return;
    }
    if (msg.method === Method.Data && msg.cls === Class.Indication) {
      const peer = decodeXorAddress(attribute(msg, Attr.XorPeerAddress) ?? NONE, msg.transactionId);
      const data = attribute(msg, Attr.Data);
      if (peer && data) this.emit('data', data, peer, null);
    }
  }
}

function peerAttr(peer: TransportAddress, transactionId: Buffer): StunAttribute {
  return { type: Attr.XorPeerAddress, value: encodeXorAddress(peer, transactionId) };
}

/** A FINGERPRINT, when present, must match (RFC 8489 §7.3); a bad one means the datagram is not ours. */
function fingerprintOk(msg: StunMessage): boolean {
  return checkFingerprint(msg) !== 'bad';
}

function errorOf(res: StunMessage, name: string): TurnError {
  const err = decodeErrorCode(attribute(res, Attr.ErrorCode) ?? NONE);
  if (!err) return new TurnError(null, `${name}: unexpected answer`);
  return new TurnError(err.code, `${name} refused: ${err.code} ${err.reason || 'no reason given'}`);
}
