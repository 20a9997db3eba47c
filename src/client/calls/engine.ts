import type { CallAccepted, CallEndReason, CallEventMap, CallPreparation, CallStarted, RelayServer } from '../../protocol/calls.js';
import { commitment, randomNonce, sdpFingerprints } from '../../protocol/call-verification.js';
import { hasVideo, newCall } from './call-view.js';
import { addRemoteCandidate, connect, flushRemoteCandidates, releaseCandidates } from './connection.js';
import { CallEngineError, type EngineHost } from './engine-host.js';
import { attachTracks, sendNoVideo, setCamera, setMuted, switchDevice } from './media-controls.js';
import { refreshRelay, scheduleRefresh } from './relay-refresh.js';
import { chooseRelay, measureRelays, type RelayRtt } from './relay-rtt.js';
import type { MediaDeviceInfoLike, MediaStreamConstraintsLike, MediaStreamLike } from './rtc-types.js';
import { prepareAnswer, type Ringing } from './prepared-answer.js';
import { CallSession } from './session.js';
import { calleeVerification, callerVerification } from './verification.js';
import { readQuality } from './stats.js';
import type { ActiveCall, CallEngineOptions, CallPeer, CallQuality, IncomingCall } from './types.js';

export { CallEngineError } from './engine-host.js';

/** Answered calls that have not connected after this long end as failed. */
const CONNECT_TIMEOUT_MS = 30000;

/**
 * One device's calls (docs/call-engine.md): the only WebRTC code of Parley, shared by the web client
 * and the Node tests. Feed it every `call.*` event (`handleEvent`), read `current` and `incoming`
 * after each `onChange`, and drive it with start / accept / decline / hangup and the media controls.
 *
 * Privacy rules it keeps on the client side (the server enforces them too, docs/calls.md):
 * - gathering policy per call from the server (`relayOnly` → iceTransportPolicy 'relay');
 * - while ringing, the callee may already gather (`prepareAnswer`: its connection applies the
 *   offer, which carries no candidate of the caller, and sets an answer made without tracks), but it
 *   sends no candidate and knows none of the caller's: the only packets it sends go to its relays
 *   (allocations, RTT probes). Its candidates are sent, and the caller's (held by the server) added,
 *   only after `calls.accept` has answered;
 * - the connection is given ONE relay, the one with the lowest measured round trip.
 */
export class CallEngine {
  private currentCall: ActiveCall | null = null;
  private incomingCalls: IncomingCall[] = [];
  private s: CallSession | null = null;
  private readonly ringing = new Map<string, Ringing>();

  /** What the helper modules (connection, media controls, relay refresh) may do to this engine. */
  private readonly host: EngineHost;

  constructor(private readonly o: CallEngineOptions) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host's getter reads the engine's state
    const engine = this;
    this.host = {
      o,
      get view() {
        return engine.currentCall;
      },
      patch: (s, p, evenIfEnded) => this.patch(s, p, evenIfEnded),
      patchQuality: (s, q) => this.patchQuality(s, q),
      fail: (s, err) => this.fail(s, err),
      media: (s, c, asLocal) => this.media(s, c, asLocal),
      log: (...a) => this.log(...a),
    };
  }

  /** The current (or last) call on this device; a new object after every change. */
  get current(): ActiveCall | null {
    return this.currentCall;
  }

  /** Calls ringing on this device, oldest first. */
  get incoming(): readonly IncomingCall[] {
    return this.incomingCalls;
  }

  /** True while a call is being set up or is running on this device. */
  get busy(): boolean {
    return this.s !== null && !this.s.ended;
  }

  /** Wire from UpdateStream's onEvent: `onEvent: (type, data) => engine.handleEvent(type, data)`. */
  handleEvent(type: string, data: unknown): void {
    if (!type.startsWith('call.')) return;
    if (type === 'call.incoming') return this.onIncoming(data as CallEventMap['call.incoming']);
    const callId = (data as { callId?: unknown } | null)?.callId;
    if (typeof callId !== 'string') return;
    if (this.ringing.has(callId)) {
      if (type === 'call.ended') this.dropIncoming(callId);
      return;
    }
    const s = this.s;
    if (!s || s.ended) return;
    // An event may overtake the answer of `calls.start` that tells us our call id.
    if (s.callId === null && s.direction === 'outgoing') return void s.early.push({ type, data });
    if (s.callId === callId) this.dispatch(s, type, data);
  }

  private dispatch(s: CallSession, type: string, data: unknown): void {
    const log = (what: string) => (e: unknown) => this.log(what, e);
    switch (type) {
      case 'call.ringing':
        return this.patch(s, { ringingDevices: (data as CallEventMap['call.ringing']).devices });
      case 'call.accepted':
        return void s.inbox.run(() => this.onAccepted(s, data as CallEventMap['call.accepted'])).catch((e: unknown) => this.fail(s, e));
      case 'call.reveal':
        return void s.inbox.run(() => this.onReveal(s, (data as CallEventMap['call.reveal']).nonce)).catch(log('reveal'));
      case 'call.candidate':
        return void s.inbox.run(() => addRemoteCandidate(this.host, s, (data as CallEventMap['call.candidate']).candidate));
      case 'call.description':
        return void s.inbox.run(() => s.renegotiation?.onRemote((data as CallEventMap['call.description']).description) ?? Promise.resolve()).catch(log('description'));
      case 'call.ended': {
        const d = data as CallEventMap['call.ended'];
        // The other side's connection failed first and said so: it is this call's failure too.
        if (d.reason === 'failed') return this.finish(s, 'failed', { code: 'connection_failed', message: 'no network path to the other party (failed on their side)' });
        return this.finish(s, d.reason);
      }
    }
  }

  // ---- outgoing ----

  /**
   * Calls `peer`: policy check and relays (calls.prepare) → relay RTTs → RTCPeerConnection with the
   * chosen relay → microphone (and camera) → offer with the verification commitment (calls.start) →
   * trickle candidates once the call id is known. Rejects with the API error (e.g. call_not_allowed)
   * after putting it on `current.error`.
   */
  async start(peer: CallPeer, opts: { video: boolean }): Promise<ActiveCall> {
    if (this.busy) throw new CallEngineError('call_in_progress', 'a call is already in progress on this device');
    const s = new CallSession('outgoing');
    this.begin(s, newCall(peer, 'outgoing', 'preparing', opts.video));
    try {
      const prep = (await this.o.api('calls.prepare', { calleeId: peer.accountId })) as CallPreparation;
      if (s.ended) return this.currentCall!;
      this.patch(s, { relayOnly: prep.relayOnly });
      await this.chooseRelayFor(s, prep.relays);
      if (s.ended) return this.currentCall!;
      const pc = connect(this.host, s, prep.relayOnly);
      this.startTimers(s);
      const stream = await this.media(s, { audio: true, video: opts.video });
      if (s.ended) return this.currentCall!;
      for (const t of stream.getTracks()) pc.addTrack(t, stream);
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      s.offerSdp = offer.sdp ?? '';
      s.nonce = randomNonce();
      const commit = await commitment(sdpFingerprints(s.offerSdp), s.nonce);
      if (s.ended) return this.currentCall!;
      const started = (await this.o.api('calls.start', { calleeId: peer.accountId, video: opts.video, offer: { type: 'offer', sdp: s.offerSdp }, commitment: commit })) as CallStarted;
      s.callId = started.callId;
      if (s.ended) {
        // Hung up while calls.start was on its way: end it on the server too.
        void this.o.api('calls.hangup', { callId: started.callId }).catch(() => undefined);
        return this.currentCall!;
      }
      this.patch(s, { callId: started.callId, phase: 'ringing', ringingDevices: started.ringing });
      releaseCandidates(this.host, s);
      for (const e of s.early.splice(0)) this.handleEvent(e.type, e.data);
      return this.currentCall!;
    } catch (err) {
      this.fail(s, err);
      throw err;
    }
  }

  private async onAccepted(s: CallSession, d: CallEventMap['call.accepted']): Promise<void> {
    const pc = s.pc;
    if (s.direction !== 'outgoing' || !pc || s.answered) return;
    s.answered = true;
    s.answerSdp = d.answer.sdp;
    this.patch(s, { phase: 'connecting', answeredAt: Date.now() });
    await pc.setRemoteDescription(d.answer);
    if (pc.connectionState === 'connected') this.patch(s, { phase: 'active' });
    await flushRemoteCandidates(this.host, s);
    // Open the commitment now that the answer (and so the callee's fingerprint) is fixed.
    void s.out.run(() => this.o.api('calls.reveal', { callId: s.callId, nonce: s.nonce })).catch((e: unknown) => this.log('reveal', e));
    this.patch(s, { verification: await callerVerification(s, d.nonce) });
    if (s.refreshDue) void refreshRelay(this.host, s);
  }

  // ---- incoming ----

  private onIncoming(d: CallEventMap['call.incoming']): void {
    if (this.ringing.has(d.callId) || this.s?.callId === d.callId) return;
    // Only a device that could answer at once prepares (no call of its own, no other ring to choose from).
    const prepare = !this.busy && this.ringing.size === 0;
    const probe = this.measure(d.relays);
    // Forget a ring whose end never reached us (channel dropped): a little after the server's timeout.
    const expiry = setTimeout(() => this.dropIncoming(d.callId), Math.max(0, d.expiresAt - Date.now()) + 10_000);
    const ring: Ringing = { event: d, probe, expiry, prepared: null };
    this.ringing.set(d.callId, ring);
    if (prepare) ring.prepared = prepareAnswer(this.host, d, (session) => this.chooseRelayFor(session, d.relays, probe));
    this.incomingCalls = [...this.incomingCalls, { callId: d.callId, from: d.from, video: d.video, relayOnly: d.relayOnly, expiresAt: d.expiresAt, receivedAt: Date.now() }];
    this.o.onChange();
  }

  private dropIncoming(callId: string): void {
    const r = this.ringing.get(callId);
    if (!r) return;
    clearTimeout(r.expiry);
    this.ringing.delete(callId);
    // Declined, cancelled, answered elsewhere, missed: the connection made while ringing goes too.
    r.prepared?.session.dispose();
    this.incomingCalls = this.incomingCalls.filter((c) => c.callId !== callId);
    this.o.onChange();
  }

  /**
   * Answers a ringing call. If the answer was prepared while ringing (`prepareAnswer`), media is
   * taken and put on its transceivers (replaceTrack, no renegotiation); otherwise the connection is
   * created only now (relay policy from the event), the offer applied, media added and the answer
   * made. Either way the callee's candidates are held until `calls.accept` has answered, then the
   * caller's held candidates (in its result) are added.
   */
  async accept(callId: string, opts: { video: boolean }): Promise<ActiveCall> {
    const r = this.ringing.get(callId);
    if (!r) throw new CallEngineError('no_such_call', 'this call is not ringing on this device');
    if (this.busy) throw new CallEngineError('call_in_progress', 'a call is already in progress on this device');
    // A prepared connection that ended on its own while ringing (it should not) is replaced by a fresh one.
    const prepared = r.prepared && !r.prepared.session.ended ? r.prepared : null;
    if (!prepared) r.prepared?.session.dispose();
    r.prepared = null;
    this.dropIncoming(callId);
    const d = r.event;
    const s = prepared?.session ?? new CallSession('incoming');
    s.callId = callId;
    s.commitment = d.commitment;
    s.offerSdp = d.offer.sdp;
    this.begin(s, {
      ...newCall(d.from, 'incoming', 'connecting', d.video || opts.video),
      callId,
      relayOnly: d.relayOnly,
      cameraOff: !opts.video,
      remoteStream: s.remoteStream,
      remoteVideo: hasVideo(s.remoteStream),
      connection: s.pc?.connectionState ?? 'new',
    });
    try {
      let renegotiate = false;
      if (prepared) {
        const err = await prepared.ready;
        if (err) throw err;
        if (s.ended) return this.currentCall!;
        this.showRelay(s);
        this.startTimers(s);
        const stream = await this.media(s, { audio: true, video: opts.video });
        if (s.ended) return this.currentCall!;
        renegotiate = await attachTracks(s, stream);
        if (d.video && !opts.video) sendNoVideo(s);
      } else {
        await this.chooseRelayFor(s, d.relays, r.probe);
        const pc = connect(this.host, s, d.relayOnly);
        this.startTimers(s);
        await pc.setRemoteDescription(d.offer);
        const stream = await this.media(s, { audio: true, video: opts.video });
        if (s.ended) return this.currentCall!;
        for (const t of stream.getTracks()) pc.addTrack(t, stream);
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        s.answerSdp = answer.sdp ?? '';
      }
      s.nonce = randomNonce();
      if (s.ended) return this.currentCall!;
      // The candidates gathered while ringing go with the answer, so the server can hand both sides
      // each other's at the same moment (docs/calls.md "Candidates in step"); later ones trickle.
      const mine = s.candidateOutbox.splice(0);
      const accepted = (await this.o.api('calls.accept', { callId, answer: { type: 'answer', sdp: s.answerSdp }, nonce: s.nonce, candidates: mine })) as CallAccepted;
      s.answered = true;
      this.patch(s, { answeredAt: Date.now() });
      await s.inbox.run(async () => {
        for (const c of accepted.candidates) await addRemoteCandidate(this.host, s, c);
      });
      releaseCandidates(this.host, s);
      if (s.pendingReveal !== null) await s.inbox.run(() => this.onReveal(s, s.pendingReveal!));
      if (s.refreshDue) void refreshRelay(this.host, s);
      // A track the offer had no section for (video accepted on a voice call) needs a new offer.
      if (renegotiate) void s.renegotiation?.request().catch((e: unknown) => this.log('renegotiation', e));
      return this.currentCall!;
    } catch (err) {
      this.fail(s, err);
      throw err;
    }
  }

  /** The caller opened its commitment: check it, then show the code (or the mismatch). */
  private async onReveal(s: CallSession, callerNonce: string): Promise<void> {
    if (s.direction !== 'incoming') return;
    if (!s.answerSdp || !s.nonce) return void (s.pendingReveal = callerNonce);
    s.pendingReveal = null;
    const verification = await calleeVerification(s, callerNonce);
    if (verification.status === 'mismatch') this.log('verification: the caller commitment does not match the offer received (rewritten on the way)');
    this.patch(s, { verification });
  }

  /** Declines a ringing call (on every device of this account); `busy` tells the caller we are busy. */
  async decline(callId: string, busy = false): Promise<void> {
    const known = this.ringing.has(callId);
    this.dropIncoming(callId);
    if (known) await this.o.api('calls.decline', { callId, busy });
  }

  // ---- both ----

  /** Ends the current call (cancels it while it is still ringing). */
  async hangup(): Promise<void> {
    const s = this.s;
    if (!s || s.ended) return;
    const phase = this.currentCall?.phase;
    this.finish(s, s.direction === 'outgoing' && (phase === 'preparing' || phase === 'ringing') ? 'cancelled' : 'hangup');
    if (s.callId) await this.o.api('calls.hangup', { callId: s.callId }).catch((e: unknown) => this.log('hangup', e));
  }

  /** Forgets an ended call (`current` becomes null). */
  dismiss(): void {
    if (this.s && !this.s.ended) return;
    this.currentCall = null;
    this.o.onChange();
  }

  /** Hangs up and stops every timer (the page or test is going away). */
  async close(): Promise<void> {
    await this.hangup();
    for (const id of [...this.ringing.keys()]) this.dropIncoming(id);
  }

  setMuted(muted: boolean): void {
    setMuted(this.host, this.live(), muted);
  }

  /** Camera on/off (a call without video gets a track and renegotiates; media-controls.ts). */
  async setCamera(on: boolean): Promise<void> {
    await setCamera(this.host, this.live(), on);
  }

  /** Switches microphone or camera without renegotiating (RTCRtpSender.replaceTrack). */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    await switchDevice(this.host, this.live(), kind, deviceId);
  }

  /** Microphones, cameras and speakers (empty where the platform cannot list them). */
  async devices(): Promise<MediaDeviceInfoLike[]> {
    return (await this.o.rtc.enumerateDevices?.()) ?? [];
  }

  // ---- internals ----

  private begin(s: CallSession, call: ActiveCall): void {
    this.s = s;
    this.currentCall = call;
    this.o.onChange();
  }

  private live(): CallSession {
    const s = this.s;
    if (!s || s.ended) throw new CallEngineError('no_call', 'no call in progress');
    return s;
  }

  private patch(s: CallSession, p: Partial<ActiveCall>, evenIfEnded = false): void {
    if (this.s !== s || !this.currentCall || (s.ended && !evenIfEnded)) return;
    this.currentCall = { ...this.currentCall, ...p };
    this.o.onChange();
  }

  private patchQuality(s: CallSession, q: Partial<CallQuality>): void {
    if (this.s !== s || !this.currentCall) return;
    this.patch(s, { quality: { ...this.currentCall.quality, ...q } });
  }

  private log(...args: unknown[]): void {
    this.o.log?.('[calls]', ...args);
  }

  /** Probes every relay: relay-only gathering, so no packet goes to anyone but the relays. */
  private measure(relays: RelayServer[]): Promise<RelayRtt[]> {
    return measureRelays(this.o.rtc, relays, this.o.relayProbeTimeoutMs);
  }

  /**
   * Gives the session the relay with the lowest round trip (relay-rtt.ts). The connection waits for
   * the measurement only when there is a choice to make: with one relay (or none) it starts at once
   * and the probe only fills the quality panel. A cached choice was tried and dropped: the round trip
   * changes with the network (another Wi-Fi, a VPN), and a stale one picks the far relay.
   * `probe`: a measurement already under way (the callee's, started when it rang).
   */
  private async chooseRelayFor(s: CallSession, relays: RelayServer[], probe?: Promise<RelayRtt[]>): Promise<void> {
    const running = probe ?? this.measure(relays);
    const rtts = relays.length > 1 ? await running : [];
    s.relays = relays;
    s.relayRtts = rtts;
    const best = chooseRelay(rtts);
    s.relay = relays.find((r) => r.id === best?.id) ?? relays[0] ?? null;
    s.relayReceivedAt = Date.now();
    this.showRelay(s);
    if (relays.length <= 1) {
      void running.then((measured) => {
        s.relayRtts = measured;
        this.showRelay(s);
      });
    }
  }

  /** The relay choice and RTTs on `quality` (only for the current call: a prepared answer has none yet). */
  private showRelay(s: CallSession): void {
    this.patchQuality(s, { relayId: s.relay?.id ?? null, relayRtts: s.relayRtts });
  }

  /** Stats and credential refresh: from dial or accept (a connection prepared while ringing has neither yet). */
  private startTimers(s: CallSession): void {
    s.statsTimer = setInterval(() => void this.sampleStats(s), this.o.statsIntervalMs ?? 1000);
    scheduleRefresh(this.host, s);
  }

  private async media(s: CallSession, constraints: MediaStreamConstraintsLike, asLocal = true): Promise<MediaStreamLike> {
    let stream: MediaStreamLike;
    try {
      stream = await this.o.rtc.getUserMedia(constraints);
    } catch (err) {
      throw new CallEngineError('media_unavailable', `microphone or camera unavailable: ${(err as Error)?.message ?? String(err)}`);
    }
    if (s.ended) {
      for (const t of stream.getTracks()) t.stop();
      return stream;
    }
    if (asLocal) {
      s.localStream = stream;
      this.patch(s, { localStream: stream });
    }
    return stream;
  }

  private async sampleStats(s: CallSession): Promise<void> {
    if (s.ended || !s.pc) return;
    // Answered but never connected (no path, and ICE did not say 'failed'): end it rather than hang in "connecting".
    const answeredAt = this.currentCall?.answeredAt;
    if (answeredAt != null && this.currentCall?.phase === 'connecting' && Date.now() - answeredAt > CONNECT_TIMEOUT_MS) {
      return this.fail(s, new CallEngineError('connection_failed', 'the call was answered but no media path formed'));
    }
    try {
      const q = readQuality(await s.pc.getStats());
      this.patchQuality(s, { ...q, relayId: s.relay?.id ?? null, relayRtts: s.relayRtts });
    } catch (e) {
      this.log('stats', e);
    }
  }

  private finish(s: CallSession, reason: CallEndReason, error: ActiveCall['error'] = null): void {
    if (s.ended) return;
    s.dispose();
    this.patch(s, { phase: 'ended', endReason: reason, endedAt: Date.now(), connection: 'closed', ...(error ? { error } : {}) }, true);
  }

  private fail(s: CallSession, err: unknown): void {
    if (s.ended) return;
    const e = err as { code?: unknown; message?: unknown; data?: unknown };
    const error = {
      code: typeof e?.code === 'string' ? e.code : 'failed',
      message: typeof e?.message === 'string' ? e.message : String(err),
      ...(e?.data && typeof e.data === 'object' ? { data: e.data as Record<string, unknown> } : {}),
    };
    this.log('call failed', error.code, error.message);
    this.finish(s, 'failed', error);
    // A call the server knows about must not ring on or stay up without us.
    // Answered: the other side learns it failed (reason 'failed'), not that we hung up.
    if (s.callId && (s.direction === 'outgoing' || s.answered)) void this.o.api('calls.hangup', { callId: s.callId, ...(s.answered ? { reason: 'failed' } : {}) }).catch(() => undefined);
  }
}
