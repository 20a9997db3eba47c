import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { frameStream, DEFAULT_SIP_LIMITS } from '../parser/index.js';
import type { Flow, SipReceiver } from './flow.js';
import { listenOn } from './listen.js';

const CRLF = Buffer.from('\r\n');
/** A connection that sends nothing useful for this long is closed (RFC 5626 keep-alives come every ~2 min). */
const IDLE_MS = 300_000;

/**
 * SIP over TCP or TLS (RFC 3261 §18.3, §26.2): messages framed by Content-Length; CRLFCRLF pings
 * answered with a CRLF pong (RFC 5626 §3.5.1). A banned address is cut off at `connection`, before
 * the TLS handshake costs anything.
 */
export class StreamTransport {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private nextId = 1;
  port = 0;

  constructor(
    private readonly receiver: SipReceiver,
    private readonly kind: 'TCP' | 'TLS',
    private readonly tls?: { cert: string | Buffer; key: string | Buffer },
  ) {}

  async listen(host: string, port: number): Promise<void> {
    const server = this.kind === 'TLS'
      ? createTlsServer({ cert: this.tls!.cert, key: this.tls!.key, minVersion: 'TLSv1.2' }, (s) => this.attach(s))
      : createTcpServer((s) => this.attach(s));
    // Runs for the raw TCP socket before any TLS work.
    server.on('connection', (raw: Socket) => {
      if (raw.remoteAddress && this.receiver.isBanned(raw.remoteAddress)) raw.destroy();
    });
    server.on('tlsClientError', (_err: Error, s: TLSSocket) => s.destroy());
    server.on('error', () => undefined);
    this.server = server;
    this.port = await listenOn(server, host, port);
  }

  private attach(socket: Socket): void {
    if (socket.destroyed) return;
    this.sockets.add(socket);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const flow: Flow = {
      id: `${this.kind.toLowerCase()}:${this.nextId++}`,
      transport: this.kind,
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      localPort: this.port,
      send: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      isOpen: () => !socket.destroyed,
    };
    let buffer: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      if (this.receiver.isBanned(flow.address)) {
        socket.destroy();
        return;
      }
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        const frame = frameStream(buffer, DEFAULT_SIP_LIMITS);
        if (frame.kind === 'need_more') break;
        if (frame.kind === 'error') {
          // The stream can't be re-synchronised after a framing error (§18.3): close it.
          socket.destroy();
          return;
        }
        const bytes = buffer.subarray(0, frame.length);
        buffer = buffer.subarray(frame.length);
        if (frame.kind === 'keepalive') {
          if (bytes.length >= 4) flow.send(CRLF);
          continue;
        }
        this.receiver.receive(Buffer.from(bytes), flow);
        if (socket.destroyed) return;
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
