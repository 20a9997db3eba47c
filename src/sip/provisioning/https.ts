import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { AppError } from '../../kernel/errors.js';
import type { AddressBans } from '../../shield/address-bans.js';
import type { SipDirectory } from '../directory.js';
import { renderProvisioning, type ProvisioningTarget } from './templates.js';
import { listenOn } from '../transport/listen.js';

/**
 * Auto-provisioning over HTTPS (issue 5): `GET /provision/<token>` returns the phone's
 * configuration once. Unknown, used or expired tokens answer 404 and count as a failure toward
 * the address's ban; banned addresses are cut off before the TLS handshake.
 */
export class ProvisioningServer {
  private server: Server | undefined;
  port = 0;

  /** The HTTPS server, for upgrades to SIP over WebSocket (RFC 7118) on the same port. */
  get httpServer(): Server | undefined {
    return this.server;
  }

  constructor(
    private readonly directory: SipDirectory,
    private readonly bans: AddressBans,
    private readonly target: () => ProvisioningTarget,
    private readonly onError: (err: unknown) => void,
  ) {}

  async listen(host: string, port: number, tls: { cert: Buffer; key: Buffer }): Promise<void> {
    const server = createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, (req, res) => {
      const address = req.socket.remoteAddress ?? '';
      const m = /^\/provision\/([A-Za-z0-9_-]{20,128})$/.exec(req.url ?? '');
      const reply = (status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
        res.end(body);
      };
      if (req.method !== 'GET' || !m) {
        void this.bans.fail(address, 'provisioning_failures').catch(this.onError);
        reply(404, 'not found\n');
        return;
      }
      this.directory.redeem(m[1]!).then(
        (device) => {
          const file = renderProvisioning(device.vendor, device, this.target());
          reply(200, file.body, file.contentType, { 'content-disposition': `attachment; filename="${file.filename}"` });
        },
        (err: unknown) => {
          if (!(err instanceof AppError)) this.onError(err);
          void this.bans.fail(address, 'provisioning_failures').catch(this.onError);
          reply(404, 'not found\n');
        },
      );
    });
    server.on('connection', (socket: Socket) => {
      if (socket.remoteAddress && this.bans.isBanned(socket.remoteAddress)) socket.destroy();
    });
    server.on('tlsClientError', () => undefined);
    this.server = server;
    this.port = await listenOn(server, host, port);
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
