import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Flow, SipReceiver } from './flow.js';

/** SIP over UDP (RFC 3261 §18): off by default; one datagram is one message. */
export class UdpTransport {
  private socket: Socket | undefined;
  port = 0;

  constructor(private readonly receiver: SipReceiver) {}

  async listen(host: string, port: number): Promise<void> {
    // Large kernel buffers (capped by net.core.rmem_max) so bursts are queued rather than dropped.
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20, lookup: literalLookup });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      // Banned sources cost one Map lookup: no parsing, no answer (issue 5).
      if (this.receiver.isBanned(rinfo.address)) return;
      this.receiver.receive(msg, this.flow(rinfo.address, rinfo.port));
    });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.port = socket.address().port;
  }

  /** A flow to any address:port over our socket (answers go to the rport/source, RFC 3581). */
  flow(address: string, port: number): Flow {
    const socket = this.socket!;
    const localPort = this.port;
    return {
      id: `udp:${address}:${port}`,
      transport: 'UDP',
      address,
      port,
      localPort,
      send: (bytes) => socket.send(bytes, port, address),
      isOpen: () => true,
    };
  }

  async close(): Promise<void> {
    const s = this.socket;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

/**
 * dgram resolves the destination of every send, and dns.lookup answers even an IP literal through
 * process.nextTick, one extra tick per datagram. We only ever send to socket source addresses and
 * Via/rport addresses, nearly always literals: answer those at once, anything else through DNS.
 */
function literalLookup(hostname: string, options: LookupOneOptions | number, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}
