import type { CallEngine } from '../../../src/client/calls/engine.js';
import type { ActiveCall, CallOperation, CallPeer, IncomingCall } from '../../../src/client/calls/types.js';
import type { CallEventMap, CallEventType, CallLogEntry, CallSettingsView } from '../../../src/protocol/calls.js';
import type { CallsHost, CallsView } from './host.js';
import { browserPlatform } from './platform.js';
import { Ringer } from './ringer.js';
import { callErrorText } from './errors.js';

const LOG_PAGE = 50;
/** How long the "how the call ended" card stays up before it goes away by itself. */
const ENDED_CARD_MS = 5000;

/**
 * The web client's calls: the one CallEngine of this device (src/client/calls: all WebRTC lives
 * there; this class only feeds it events and the browser's RTCPeerConnection/getUserMedia), the
 * ring, the call log, device choice, and errors worded for the user. Screens read its fields and
 * re-render on the store's notifications. Tests reach it as `window.parley.calls` (the engine as
 * `window.parley.calls.engine`).
 *
 * The engine is a chunk of its own, fetched right after start so the first paint does not wait for
 * it; call events that arrive before it has loaded are queued and handed to it in order.
 */
export class CallsState implements CallsView {
  engine: CallEngine | null = null;
  /** Every RTCPeerConnection the engine made that is not closed yet (tests read getStats of the live one). */
  peerConnections: RTCPeerConnection[] = [];
  log: CallLogEntry[] = [];
  /** The privacy settings as the last `call.settings` update said (null: none seen since this page loaded). */
  settings: CallSettingsView | null = null;
  logLoaded = false;
  logDone = false;
  logError: string | undefined;
  /** An action failed (accept, decline, device switch): shown until dismissed. */
  error: string | undefined;
  /** True between the call button and the engine's first state (calls.prepare under way). */
  starting = false;
  devices: MediaDeviceInfo[] = [];
  /** audiooutput chosen for the remote audio (HTMLMediaElement.setSinkId), '' = default. */
  sinkId = '';
  private endedTimer: ReturnType<typeof setTimeout> | undefined;
  private endedFor: ActiveCall | null = null;
  private readonly ringer = new Ringer();
  private loadingLog = false;
  private engineLoad: Promise<CallEngine> | undefined;
  private queued: Array<[type: string, data: unknown]> = [];

  constructor(private readonly host: CallsHost) {
    setTimeout(() => void this.load().catch(() => undefined), 0);
  }

  /** The engine, loading its chunk first if needed; a failed fetch (offline at start) is retried on the next use. */
  load(): Promise<CallEngine> {
    if (this.engineLoad) return this.engineLoad;
    const loading = import('../../../src/client/calls/engine.js').then(({ CallEngine }) => {
      const engine = new CallEngine({
        api: (method: CallOperation, params: Record<string, unknown>) => this.host.client.call(method, params),
        rtc: browserPlatform((pc) => {
          this.peerConnections = this.peerConnections.filter((p) => p.connectionState !== 'closed');
          this.peerConnections.push(pc);
        }),
        onChange: () => this.changed(),
      });
      if (this.engineLoad !== loading) return engine; // reset while loading: that engine is not ours any more
      this.engine = engine;
      for (const [type, data] of this.queued.splice(0)) engine.handleEvent(type, data);
      this.host.emit();
      return engine;
    });
    this.engineLoad = loading;
    loading.catch(() => {
      if (this.engineLoad === loading) this.engineLoad = undefined;
    });
    return loading;
  }

  /** The call on screen: running, or ended and its card not closed yet (engine.dismiss). */
  get current(): ActiveCall | null {
    return this.engine?.current ?? null;
  }

  get incoming(): readonly IncomingCall[] {
    return this.engine?.incoming ?? [];
  }

  /** The ring is sounding (tests check that it stops when another device answered). */
  get ringing(): boolean {
    return this.ringer.ringing;
  }

  /** Whether the call buttons may start a call now. */
  get idle(): boolean {
    return !this.starting && !this.engine?.busy;
  }

  // ---- wiring from the store ---------------------------------------------------------------

  handleEvent<K extends CallEventType>(type: K, data: CallEventMap[K]): void {
    if (this.engine) return this.engine.handleEvent(type, data);
    this.queued.push([type, data]);
    void this.load().catch(() => undefined);
  }

  /** A `call.settings` update: this account's call privacy settings changed (on any of its devices). */
  onSettings(settings: CallSettingsView): void {
    this.settings = settings;
    this.host.emit();
  }

  /** A `call.log` update: a call of this account ended (on any of its devices). */
  onLogEntry(entry: CallLogEntry): void {
    if (this.logLoaded || this.log.length) {
      this.log = [entry, ...this.log.filter((e) => e.id !== entry.id)].sort((a, b) => b.id - a.id);
    }
    const recent = Date.now() - entry.endedAt < 60_000;
    if (recent && entry.direction === 'incoming' && entry.outcome === 'missed') {
      this.host.showToast(`${this.host.t('call_missed')}: ${entry.peer.displayName || entry.peer.username}`);
    }
    this.host.emit();
  }

  /** Logged out: end whatever runs and forget this account's calls. */
  reset(): void {
    // A fresh engine for the next account; the old one hangs up (the server also ends a call whose channel closed).
    void this.engine?.close().catch(() => undefined);
    this.engine = null;
    this.engineLoad = undefined;
    this.queued = [];
    this.ringer.stop();
    clearTimeout(this.endedTimer);
    void this.load().catch(() => undefined);
    this.log = [];
    this.logLoaded = false;
    this.logDone = false;
    this.error = undefined;
  }

  // ---- actions -------------------------------------------------------------------------------

  async start(peer: CallPeer, video: boolean): Promise<void> {
    if (!this.idle) return;
    this.error = undefined;
    this.starting = true;
    this.host.emit();
    try {
      await (await this.load()).start(peer, { video });
    } catch (err) {
      // The engine keeps the refusal on `current.error` when it got that far; otherwise show it here.
      if (!this.engine?.current?.error) this.fail(err);
    } finally {
      this.starting = false;
      this.host.emit();
    }
  }

  async accept(callId: string, video: boolean): Promise<void> {
    this.error = undefined;
    this.ringer.stop();
    try {
      await (await this.load()).accept(callId, { video });
    } catch (err) {
      if (!this.engine?.current?.error) this.fail(err);
    }
    this.host.emit();
  }

  async decline(callId: string): Promise<void> {
    try {
      await (await this.load()).decline(callId);
    } catch (err) {
      this.fail(err);
    }
  }

  async hangup(): Promise<void> {
    try {
      await this.engine?.hangup();
    } catch (err) {
      this.fail(err);
    }
  }

  toggleMute(): void {
    const c = this.engine?.current;
    try {
      if (c) this.engine?.setMuted(!c.muted);
    } catch (err) {
      this.fail(err);
    }
  }

  toggleCamera(): void {
    const c = this.engine?.current;
    if (c) void this.engine?.setCamera(c.cameraOff).catch((err: unknown) => this.fail(err));
  }

  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    try {
      await this.engine?.switchDevice(kind, deviceId);
    } catch (err) {
      this.fail(err);
    }
  }

  setSpeaker(deviceId: string): void {
    this.sinkId = deviceId;
    this.host.emit();
  }

  /** Microphones, cameras and speakers; labels are only filled once the page has media access. */
  async loadDevices(): Promise<void> {
    try {
      this.devices = await navigator.mediaDevices.enumerateDevices();
      this.host.emit();
    } catch {
      this.devices = [];
    }
  }

  /** Closes the "call ended" card. */
  dismiss(): void {
    this.engine?.dismiss();
    this.host.emit();
  }

  clearError(): void {
    this.error = undefined;
    this.host.emit();
  }

  errorText(err: unknown): string {
    return callErrorText(this.host, err);
  }

  // ---- call log ------------------------------------------------------------------------------

  async loadLog(more = false): Promise<void> {
    if (this.loadingLog || (more && this.logDone)) return;
    this.loadingLog = true;
    try {
      const beforeId = more ? this.log[this.log.length - 1]?.id : undefined;
      const page = await this.host.client.call<CallLogEntry[]>('calls.log', { limit: LOG_PAGE, ...(beforeId ? { beforeId } : {}) });
      const byId = new Map((more ? this.log : []).map((e) => [e.id, e] as const));
      // Rows that arrived as updates while the page was loading stay.
      for (const e of more ? page : [...page, ...this.log]) byId.set(e.id, e);
      this.log = [...byId.values()].sort((a, b) => b.id - a.id);
      this.logDone = page.length < LOG_PAGE;
      this.logLoaded = true;
      this.logError = undefined;
    } catch (err) {
      if (!this.host.handleAuthError(err)) this.logError = callErrorText(this.host, err);
    } finally {
      this.loadingLog = false;
      this.host.emit();
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private fail(err: unknown): void {
    if (this.host.handleAuthError(err)) return;
    this.error = callErrorText(this.host, err);
    this.host.emit();
  }

  private changed(): void {
    const c = this.current;
    // Ring while a call is waiting on this device and no call of ours is being set up or running;
    // the ring stops as soon as the engine drops the call (answered or declined elsewhere, cancelled).
    if (this.incoming.length && (!c || c.phase === 'ended')) this.ringer.start();
    else this.ringer.stop();
    if (c && c.phase === 'ended' && !(this.endedFor && sameCall(this.endedFor, c))) {
      this.endedFor = c;
      clearTimeout(this.endedTimer);
      this.endedTimer = setTimeout(() => {
        const now = this.current;
        if (now && now.phase === 'ended' && sameCall(now, c)) this.dismiss();
      }, ENDED_CARD_MS);
    }
    this.host.emit();
  }
}

/** The engine replaces ActiveCall objects on every change: a call is the same call by id, or by start time before it has one. */
function sameCall(a: ActiveCall, b: ActiveCall): boolean {
  return a.callId !== null && b.callId !== null ? a.callId === b.callId : a.startedAt === b.startedAt;
}
