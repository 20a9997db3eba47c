import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CloseCodes } from '../../protocol/frames.js';
import type { Services } from '../../app/services.js';
import type { CompiledOperation } from '../operations/index.js';
import { UpdateConnection } from './connection.js';

export const UPDATES_PATH = '/api/v1/updates';

/**
 * Accepts update-channel WebSockets and enforces the keep-alive: the server announces T in
 * `welcome`; a connection silent for T + grace is closed with 4408. One sweep for all
 * connections instead of a timer each keeps idle connections cheap.
 */
export class UpdateChannel {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<UpdateConnection>();
  private readonly sweep: NodeJS.Timeout;
  private readonly sessionCheck: NodeJS.Timeout;

  constructor(
    private readonly services: Services,
    private readonly operations: ReadonlyMap<string, CompiledOperation>,
  ) {
    const { updates } = services.config;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: updates.frameLimitBytes, perMessageDeflate: false, clientTracking: false });
    const sweepEvery = Math.max(50, Math.min(1000, Math.floor(Math.min(updates.helloTimeoutMs, updates.keepAliveMs) / 4)));
    this.sweep = setInterval(() => this.closeSilent(), sweepEvery);
    this.sweep.unref();
    this.sessionCheck = setInterval(() => void this.closeCutOff(), updates.sessionCheckMs);
    this.sessionCheck.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  /** Handles an HTTP upgrade for the update path; returns false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '').split('?')[0];
    if (path !== UPDATES_PATH) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new UpdateConnection(ws, this.services, this.operations, (c) => {
        this.connections.delete(c);
        this.services.metrics.connections.dec();
      }, clientAddress(req, this.services.config.http.trustProxy));
      this.connections.add(conn);
      this.services.metrics.connections.inc();
    });
    return true;
  }

  private closeSilent(): void {
    const now = Date.now();
    const { keepAliveMs, graceMs, helloTimeoutMs } = this.services.config.updates;
    for (const c of this.connections) {
      if (!c.authenticated && now - c.lastActivity > helloTimeoutMs) c.close(CloseCodes.helloTimeout, 'hello_timeout');
      else if (now - c.lastActivity > keepAliveMs + graceMs) c.close(CloseCodes.keepAliveTimeout, 'keepalive_timeout');
    }
  }

  /**
   * Revocations on this node close connections at once through the Bus; this catches the rest
   * (the CLI disabling an account, another node without a shared bus) within sessionCheckMs.
   */
  private async closeCutOff(): Promise<void> {
    const byDevice = new Map<number, UpdateConnection>();
    for (const c of this.connections) if (c.deviceId !== undefined) byDevice.set(c.deviceId, c);
    if (byDevice.size === 0) return;
    try {
      for (const id of await this.services.sessions.cutOff([...byDevice.keys()])) byDevice.get(id)?.close(CloseCodes.revoked, 'device_revoked');
    } catch (err) {
      this.services.logger.warn({ err }, 'session check failed');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    clearInterval(this.sessionCheck);
    for (const c of [...this.connections]) c.close(CloseCodes.goingAway, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** The caller's address as fastify's req.ip would give it (first X-Forwarded-For hop behind a trusted proxy). */
function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const fwd = req.headers['x-forwarded-for'];
  const first = trustProxy ? (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim() : undefined;
  return first || req.socket.remoteAddress || '';
}
