import './errors.js';
import type { WebSocket } from 'ws';
import { Topics } from '../../cluster/bus.js';
import { AppError, toErrorBody } from '../../kernel/errors.js';
import { decodeClientFrame, encodeServerFrame, CloseCodes, type ServerFrame, type ClientFrame } from '../../protocol/frames.js';
import type { Update, ChannelUpdate, EphemeralMap } from '../../protocol/updates.js';
import type { Services } from '../../app/services.js';
import type { Caller } from '../../accounts/sessions.js';
import { validateParams, type CompiledOperation } from '../operations/index.js';

const REPLAY_BATCH = 1000;
/** Calls one device may have in flight; more are refused (rate_limited) instead of queueing without bound. */
export const MAX_CALLS_IN_FLIGHT = 32;
/** Past this many unsent bytes the device is not reading: close, it will resume from its pts. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * One device's update channel (docs/protocol.md). Exactly-once, in-order delivery: live updates
 * that arrive during replay are buffered; anything at or below the delivered pts is dropped as a
 * duplicate; a gap (an update whose predecessor has not been pushed yet) is filled from the log,
 * which already holds it because updates are persisted before they are published.
 */
export class UpdateConnection {
  lastActivity: number;
  private caller: Caller | undefined;
  private helloStarted = false;
  private lastPts = 0;
  private live = false;
  private readonly buffered: Update[] = [];
  private readonly pending = new Map<number, Update>();
  private filling = false;
  private readonly unsubscribers: Array<() => void> = [];
  private readonly channelSubs = new Map<number, () => void>();
  private closed = false;
  private callsInFlight = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly services: Services,
    private readonly operations: ReadonlyMap<string, CompiledOperation>,
    private readonly onClose: (c: UpdateConnection) => void,
    /** The device's address, for the shield's network facts; never stored. */
    private readonly ip = '',
  ) {
    this.lastActivity = Date.now();
    ws.on('message', (data, isBinary) => this.onFrame(isBinary ? null : data.toString()));
    ws.on('close', () => this.cleanup());
    ws.on('error', () => this.cleanup());
  }

  get authenticated(): boolean {
    return this.caller !== undefined;
  }

  get deviceId(): number | undefined {
    return this.caller?.deviceId;
  }

  /** Closes with a code from the error registry (or a raw close code). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.close(code, reason.slice(0, 120));
    this.cleanup();
  }

  private send(frame: ServerFrame): void {
    if (this.closed) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.close(CloseCodes.slowConsumer, 'slow_consumer');
      return;
    }
    this.ws.send(encodeServerFrame(frame));
  }

  private onFrame(text: string | null): void {
    this.lastActivity = Date.now();
    if (text === null) return this.close(CloseCodes.badFrame, 'bad_frame: binary frames are not accepted');
    const decoded = decodeClientFrame(text);
    if (!decoded.ok) return this.close(CloseCodes.badFrame, `${decoded.code}: ${decoded.message}`);
    const frame = decoded.value;
    if (!this.caller) {
      if (frame.op !== 'hello') return this.close(CloseCodes.unauthorized, 'hello_required');
      // A second hello while the first is still authenticating would subscribe and welcome twice.
      if (this.helloStarted) return this.close(CloseCodes.badFrame, 'bad_frame: hello sent twice');
      this.helloStarted = true;
      void this.hello(frame).catch((err) => this.fail(err));
      return;
    }
    switch (frame.op) {
      case 'hello':
        return this.close(CloseCodes.badFrame, 'bad_frame: hello sent twice');
      case 'ping':
        return this.send(frame.id === undefined ? { op: 'pong' } : { op: 'pong', id: frame.id });
      case 'call':
        void this.call(frame);
        return;
    }
  }

  private async hello(frame: Extract<ClientFrame, { op: 'hello' }>): Promise<void> {
    const caller = await this.services.sessions.authenticate(frame.token);
    // A banned account gets no update channel: 4403 account_banned (it reads the notice over HTTP).
    await this.services.shield.assertNotBanned(caller.accountId);
    if (this.closed) return;
    this.caller = caller;
    const { bus } = this.services;
    // Subscribe before reading the log: nothing committed in between can be missed.
    this.unsubscribers.push(bus.subscribe(Topics.account(caller.accountId), (m) => this.onAccountMessage(m)));
    this.unsubscribers.push(bus.subscribe(Topics.device(caller.deviceId), () => this.close(CloseCodes.revoked, 'device_revoked')));
    // Call signaling addressed to this device only (ephemeral, no pts; docs/calls.md).
    this.unsubscribers.push(bus.subscribe(Topics.deviceEvents(caller.deviceId), (m) => this.onDeviceEvent(m)));
    for (const chatId of await this.services.chats.channelIds(caller.accountId)) this.followChannel(chatId);
    void this.services.sessions.touch(caller.deviceId).catch(() => undefined);

    const pts = await this.services.updates.currentPts(this.services.database.db, caller.accountId);
    // A device without a pts starts from now (it loads state over the API first).
    this.lastPts = frame.pts ?? pts;
    this.send({ op: 'welcome', accountId: caller.accountId, deviceId: caller.deviceId, keepAliveMs: this.services.config.updates.keepAliveMs, pts });
    await this.replay();
    if (this.closed) return;
    // Online (ringable, able to place calls) once live; the cleanup marks it offline when the channel closes.
    this.unsubscribers.push(this.services.presence.online(caller.accountId, caller.deviceId));
    this.send({ op: 'synced', pts: this.lastPts });
    this.live = true;
    for (const u of this.buffered.splice(0)) this.deliver(u);
  }

  /** Sends everything after lastPts from the log, or tells the device to resync. */
  private async replay(): Promise<void> {
    const { updates, database } = this.services;
    for (;;) {
      const diff = await updates.difference(database.db, this.caller!.accountId, this.lastPts, REPLAY_BATCH);
      if (this.closed) return;
      if (diff.tooLong) {
        this.lastPts = diff.pts;
        this.send({ op: 'resync', pts: diff.pts });
        return;
      }
      for (const u of diff.updates) this.push(u);
      if (diff.updates.length < REPLAY_BATCH) return;
    }
  }

  private onAccountMessage(message: unknown): void {
    const m = message as { ephemeral?: string; data?: unknown } & Partial<Update>;
    if (m.ephemeral === 'banned') return this.close(CloseCodes.revoked, 'account_banned');
    if (m.ephemeral === 'typing') return this.send({ op: 'event', type: 'typing', data: m.data as { chatId: number; accountId: number } });
    if (typeof m.pts !== 'number') return;
    if (!this.live) this.buffered.push(m as Update);
    else this.deliver(m as Update);
  }

  private onDeviceEvent(message: unknown): void {
    const m = message as { type: keyof EphemeralMap; data: EphemeralMap[keyof EphemeralMap] };
    this.send({ op: 'event', type: m.type, data: m.data });
  }

  private deliver(u: Update): void {
    if (u.pts <= this.lastPts) return;
    if (u.pts === this.lastPts + 1 && !this.filling) {
      this.push(u);
      this.drainPending();
      return;
    }
    this.pending.set(u.pts, u);
    void this.fillGap();
  }

  private drainPending(): void {
    for (let next = this.pending.get(this.lastPts + 1); next; next = this.pending.get(this.lastPts + 1)) {
      this.pending.delete(next.pts);
      this.push(next);
    }
    for (const pts of this.pending.keys()) if (pts <= this.lastPts) this.pending.delete(pts);
  }

  /** An update arrived ahead of its predecessor: read the missing ones from the log. */
  private async fillGap(): Promise<void> {
    if (this.filling) return;
    this.filling = true;
    try {
      while (!this.closed && this.pending.size > 0) {
        this.drainPending();
        if (this.pending.size === 0) break;
        const diff = await this.services.updates.difference(this.services.database.db, this.caller!.accountId, this.lastPts, REPLAY_BATCH);
        if (diff.tooLong) {
          this.lastPts = diff.pts;
          this.pending.clear();
          this.send({ op: 'resync', pts: diff.pts });
          break;
        }
        for (const u of diff.updates) if (u.pts === this.lastPts + 1) this.push(u);
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.filling = false;
    }
  }

  private push(u: Update): void {
    this.lastPts = u.pts;
    this.send({ op: 'update', ...u });
    this.services.metrics.updatesPushed.inc();
    this.trackChannels(u);
  }

  /** Joining or leaving a channel changes which channel topics this device follows. */
  private trackChannels(u: Update): void {
    if (u.type === 'chat.updated' && u.data.chat.type === 'channel') this.followChannel(u.data.chat.id);
    if (u.type === 'chat.member' && u.data.accountId === this.caller?.accountId && (u.data.change === 'left' || u.data.change === 'removed')) {
      this.channelSubs.get(u.data.chatId)?.();
      this.channelSubs.delete(u.data.chatId);
    }
  }

  private followChannel(chatId: number): void {
    if (this.channelSubs.has(chatId) || this.closed) return;
    this.channelSubs.set(chatId, this.services.bus.subscribe(Topics.channel(chatId), (m) => this.send({ op: 'channel', ...(m as ChannelUpdate) })));
  }

  private async call(frame: Extract<ClientFrame, { op: 'call' }>): Promise<void> {
    const compiled = this.operations.get(frame.method);
    this.callsInFlight++;
    try {
      if (this.callsInFlight > MAX_CALLS_IN_FLIGHT) throw new AppError('rate_limited', { maxInFlight: MAX_CALLS_IN_FLIGHT });
      if (!compiled || !compiled.op.auth) throw new AppError('unknown_operation', { method: frame.method });
      const params = validateParams(compiled, frame.params);
      const result = await compiled.op.handler({ services: this.services, caller: this.caller!, ip: this.ip }, params as never);
      this.services.metrics.requests.inc({ op: compiled.op.name, outcome: 'ok' });
      this.send({ op: 'result', id: frame.id, result });
    } catch (err) {
      const { body, known } = toErrorBody(err);
      if (!known) this.services.logger.error({ err, op: frame.method }, 'update channel call failed');
      this.services.metrics.requests.inc({ op: compiled?.op.name ?? 'unknown', outcome: body.error.code });
      this.send({ op: 'error', id: frame.id, error: body.error });
    } finally {
      this.callsInFlight--;
    }
  }

  private fail(err: unknown): void {
    const { wsClose, body, known } = toErrorBody(err);
    if (!known) this.services.logger.error({ err }, 'update channel failed');
    this.close(wsClose, body.error.code);
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribers.splice(0)) off();
    for (const off of this.channelSubs.values()) off();
    this.channelSubs.clear();
    this.buffered.length = 0;
    this.pending.clear();
    if (this.ws.readyState === this.ws.OPEN) this.ws.terminate();
    this.onClose(this);
  }
}
