import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULT_SIP_LIMITS } from '../parser/index.js';
import type { Flow, SipReceiver } from './flow.js';

/**
 * SIP over secure WebSocket (RFC 7118) for browser phones: `wss://host:<provisioningPort>/sip` with
 * the `sip` subprotocol (§4). Each WebSocket message carries exactly one SIP message (§5), so no
 * Content-Length framing is needed; banned addresses are refused before the upgrade.
 */
export class WebSocketTransport {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: DEFAULT_SIP_LIMITS.maxMessageBytes, handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false) });
  private nextId = 1;

  constructor(private readonly receiver: SipReceiver, private readonly localPort: () => number) {}

  /** Handles upgrades on an existing HTTPS server (the provisioning listener). */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const address = req.socket.remoteAddress ?? '';
      const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      if (this.receiver.isBanned(address) || req.url !== '/sip' || !protocols.includes('sip')) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, address, req.socket.remotePort ?? 0));
    });
  }

  private accept(ws: WebSocket, address: string, port: number): void {
    const flow: Flow = {
      id: `wss:${this.nextId++}`,
      transport: 'WSS',
      address,
      port,
      localPort: this.localPort(),
      send: (bytes) => {
        if (ws.readyState === ws.OPEN) ws.send(bytes.toString('utf8'));
      },
      isOpen: () => ws.readyState === ws.OPEN,
    };
    ws.on('message', (data: Buffer) => {
      if (this.receiver.isBanned(address)) {
        ws.terminate();
        return;
      }
      this.receiver.receive(Buffer.isBuffer(data) ? data : Buffer.from(data), flow);
    });
    ws.on('error', () => ws.terminate());
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
