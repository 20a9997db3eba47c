import { decodeServerFrame, encodeClientFrame, type ServerFrame } from '../protocol/frames.js';
import type { Update, ChannelUpdate, EphemeralMap } from '../protocol/updates.js';
import { ApiError } from './errors.js';

/** The browser WebSocket API; Node callers pass the `ws` package's class. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketFactory = new (url: string) => WebSocketLike;

/** An ephemeral event as a `[type, data]` pair whose two halves narrow together. */
export type EphemeralEvent = { [K in keyof EphemeralMap]: [type: K, data: EphemeralMap[K]] }[keyof EphemeralMap];

export type StreamState = 'connecting' | 'syncing' | 'online' | 'closed';

export interface UpdateStreamOptions {
  url: string;
  token: string;
  WebSocket: WebSocketFactory;
  /** Last pts this device processed; omitted: start from now. */
  pts?: number;
  onUpdate?(u: Update): void;
  onChannel?(u: ChannelUpdate): void;
  /** Ephemeral events; `(type, data)` narrow together (`if (type === 'typing') data.chatId`). */
  onEvent?(...event: EphemeralEvent): void;
  /** The server said the device is too far behind: reload state, then continue from `pts`. */
  onResync?(pts: number): void;
  onState?(state: StreamState, detail?: { code?: number; reason?: string }): void;
  /** Reconnect after a drop (default true). Close codes for revoked/unauthorized never reconnect. */
  reconnect?: boolean;
}

const FINAL_CLOSE = new Set([4401, 4403]);

/**
 * A device's update channel: authenticates with hello, resumes from its last pts, pings when
 * idle (half the server's keep-alive T), reconnects with backoff and resumes where it stopped.
 */
export class UpdateStream {
  pts: number | undefined;
  state: StreamState = 'connecting';
  keepAliveMs = 30000;
  private ws: WebSocketLike | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private lastSent = 0;
  private nextCallId = 1;
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private attempts = 0;
  private stopped = false;
  private syncedWaiters: Array<() => void> = [];

  constructor(private readonly opts: UpdateStreamOptions) {
    this.pts = opts.pts;
    this.open();
  }

  /** Resolves once the channel has replayed what was missed and is live. */
  synced(): Promise<void> {
    if (this.state === 'online') return Promise.resolve();
    return new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  /** Calls an API operation over the update channel. */
  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (!this.ws || this.state === 'connecting' || this.state === 'closed') return Promise.reject(new ApiError('not_connected', 'update channel is not connected', 0));
    const id = this.nextCallId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.sendFrame({ op: 'call', id, method, params });
    });
  }

  close(): void {
    this.stopped = true;
    this.setState('closed');
    this.teardown();
    this.ws?.close(1000, 'bye');
  }

  /** Drops the connection as a network failure would (tests); reconnects if enabled. */
  drop(): void {
    this.ws?.close(4000, 'client drop');
  }

  private open(): void {
    this.setState('connecting');
    const ws = new this.opts.WebSocket(this.opts.url);
    this.ws = ws;
    ws.onopen = () => {
      this.sendFrame(this.pts === undefined ? { op: 'hello', token: this.opts.token } : { op: 'hello', token: this.opts.token, pts: this.pts });
    };
    // After close() (or once replaced) a socket may still hand over frames it had buffered; the
    // caller already stored its pts and may resume elsewhere, so delivering them would duplicate.
    ws.onmessage = (ev) => {
      if (this.ws === ws && !this.stopped) this.onFrame(String(ev.data));
    };
    ws.onerror = () => undefined;
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.teardown();
      if (this.stopped) return;
      const final = FINAL_CLOSE.has(ev.code) || this.opts.reconnect === false;
      this.setState(final ? 'closed' : 'connecting', { code: ev.code, reason: ev.reason });
      if (final) {
        this.stopped = true;
        return;
      }
      const delay = Math.min(5000, 100 * 2 ** Math.min(this.attempts++, 6)) * (0.5 + Math.random() / 2);
      setTimeout(() => !this.stopped && this.open(), delay);
    };
  }

  private onFrame(text: string): void {
    const decoded = decodeServerFrame(text);
    if (!decoded.ok) return;
    const f: ServerFrame = decoded.value;
    switch (f.op) {
      case 'welcome':
        this.keepAliveMs = f.keepAliveMs;
        this.pts ??= f.pts;
        this.attempts = 0;
        this.setState('syncing');
        this.startPings();
        return;
      case 'update': {
        const { op: _op, ...u } = f;
        this.pts = u.pts;
        this.opts.onUpdate?.(u as Update);
        return;
      }
      case 'synced':
        this.pts = f.pts;
        this.setState('online');
        for (const w of this.syncedWaiters.splice(0)) w();
        return;
      case 'resync':
        this.pts = f.pts;
        this.opts.onResync?.(f.pts);
        return;
      case 'channel': {
        const { op: _op, ...u } = f;
        this.opts.onChannel?.(u as ChannelUpdate);
        return;
      }
      case 'event':
        this.opts.onEvent?.(...([f.type, f.data] as EphemeralEvent));
        return;
      case 'result':
        this.calls.get(f.id)?.resolve(f.result);
        this.calls.delete(f.id);
        return;
      case 'error':
        if (f.id !== undefined) {
          this.calls.get(f.id)?.reject(new ApiError(f.error.code, f.error.message, 0, f.error.data));
          this.calls.delete(f.id);
        }
        return;
      case 'pong':
        return;
    }
  }

  private startPings(): void {
    clearInterval(this.pingTimer);
    const every = Math.max(250, Math.floor(this.keepAliveMs / 4));
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastSent >= this.keepAliveMs / 2) this.sendFrame({ op: 'ping' });
    }, every);
  }

  private sendFrame(frame: Parameters<typeof encodeClientFrame>[0]): void {
    if (this.ws && this.ws.readyState === 1) {
      this.ws.send(encodeClientFrame(frame));
      this.lastSent = Date.now();
    }
  }

  private teardown(): void {
    clearInterval(this.pingTimer);
    for (const c of this.calls.values()) c.reject(new ApiError('connection_lost', 'update channel closed before the answer', 0));
    this.calls.clear();
  }

  private setState(state: StreamState, detail?: { code?: number; reason?: string }): void {
    this.state = state;
    this.opts.onState?.(state, detail);
  }
}
