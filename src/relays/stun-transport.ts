import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { lookup } from 'node:dns/promises';
import { Class, decodeStun, encodeStun, newTransactionId, type StunAttribute, type StunMessage } from './stun.js';
import { isChannelData } from './channel-data.js';

export interface ServerAddress {
  host: string;
  port: number;
}

/** A STUN/TURN failure; `code` is the STUN error code (401, 403, 438, …) when the server sent one. */
export class TurnError extends Error {
  constructor(
    readonly code: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'TurnError';
  }
}

interface Pending {
  resolve(msg: StunMessage): void;
  reject(err: Error): void;
  /** Drops a response that fails its integrity check (RFC 8489 §9.2.4: discard, keep waiting). */
  accept(msg: StunMessage): boolean;
  timers: NodeJS.Timeout[];
}

/** RFC 8489 §6.2.1: the first retransmission after RTO (500 ms recommended), doubling each time. */
const INITIAL_RTO_MS = 500;

/**
 * One UDP socket `connect`ed to a STUN/TURN server, running client transactions with
 * retransmission. Connecting makes the kernel drop datagrams from anyone else and turns an ICMP
 * port-unreachable into an error, so a relay nobody listens on fails at once instead of timing out.
 */
export class StunTransport {
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  /** ChannelData and indications (everything that is not a response to our requests). */
  onPacket: (bytes: Buffer, msg: StunMessage | null) => void = () => undefined;

  private constructor(
    private readonly socket: Socket,
    readonly server: ServerAddress & { address: string },
  ) {
    socket.on('message', (bytes) => this.receive(bytes));
    socket.on('error', (err: NodeJS.ErrnoException) => this.failAll(err.code === 'ECONNREFUSED' ? new TurnError(null, 'connection refused (nothing listens there)') : err));
  }

  static async open(server: ServerAddress): Promise<StunTransport> {
    const address = isIPv6(server.host) || /^\d+\.\d+\.\d+\.\d+$/.test(server.host) ? server.host : (await lookup(server.host)).address;
    const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(server.port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new StunTransport(socket, { ...server, address });
  }

  /** The local address of the socket (the client's host candidate, in ICE terms). */
  local(): { address: string; port: number } {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  send(bytes: Buffer): void {
    if (this.closed) return;
    this.socket.send(bytes, (err) => {
      if (err) this.failAll(err);
    });
  }

  /**
   * Sends a request and resolves with its success or error response (error responses resolve:
   * the caller decides on 401/438). Rejects on timeout after retransmissions. `attributes` gets
   * the transaction id because XOR-PEER-ADDRESS of an IPv6 peer is masked with it.
   */
  request(
    method: number,
    attributes: (transactionId: Buffer) => StunAttribute[],
    opts: { integrityKey?: Buffer; timeoutMs: number; accept?: (msg: StunMessage) => boolean },
  ): Promise<StunMessage> {
    if (this.closed) return Promise.reject(new TurnError(null, 'socket closed'));
    const transactionId = newTransactionId();
    const bytes = encodeStun({ method, cls: Class.Request, transactionId, attributes: attributes(transactionId) }, { integrityKey: opts.integrityKey, fingerprint: true });
    const key = transactionId.toString('hex');
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject, accept: opts.accept ?? (() => true), timers: [] };
      this.pending.set(key, p);
      const done = (): void => {
        for (const t of p.timers) clearTimeout(t);
        this.pending.delete(key);
      };
      p.resolve = (m) => {
        done();
        resolve(m);
      };
      p.reject = (e) => {
        done();
        reject(e);
      };
      for (let at = 0, rto = INITIAL_RTO_MS; at < opts.timeoutMs; at += rto, rto *= 2) {
        p.timers.push(setTimeout(() => this.send(bytes), at));
      }
      p.timers.push(setTimeout(() => p.reject(new TurnError(null, `no answer from ${this.server.host}:${this.server.port} within ${opts.timeoutMs} ms`)), opts.timeoutMs));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new TurnError(null, 'socket closed'));
    this.socket.close();
  }

  private receive(bytes: Buffer): void {
    if (isChannelData(bytes)) return this.onPacket(bytes, null);
    const msg = decodeStun(bytes);
    if (!msg) return; // not STUN, or malformed: dropped
    if (msg.cls === Class.Success || msg.cls === Class.Error) {
      const p = this.pending.get(msg.transactionId.toString('hex'));
      if (p && p.accept(msg)) p.resolve(msg);
      return;
    }
    this.onPacket(bytes, msg);
  }

  private failAll(err: Error): void {
    for (const p of [...this.pending.values()]) p.reject(err);
  }
}
