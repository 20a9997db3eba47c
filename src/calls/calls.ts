import './errors.js';
import '../accounts/errors.js';
import type { Registry } from 'prom-client';
import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import { randomToken } from '../kernel/ids.js';
import type { Bus } from '../cluster/bus.js';
import type { Presence } from '../cluster/presence.js';
import type { Db, Dialect } from '../storage/database.js';
import type { UpdateLog } from '../updates/update-log.js';
import type { RelayPool } from '../relays/types.js';
import type { Caller } from '../accounts/sessions.js';
import type {
  CallAccepted, CallLogEntry, CallPeerView, CallPreparation, CallSettingsView, CallStarted, CandidateInit, RelayServer, SessionDescriptionInit,
} from '../protocol/calls.js';
import { CallSettings, type CallSettingsPatch } from './settings.js';
import { CallLog } from './call-log.js';
import { CallMetrics } from './metrics.js';
import { LiveCalls, type Ending } from './live-calls.js';
import { refusal, relayOnly, silenced, type CallFacts } from './policy.js';
import { sanitizeCandidate, sanitizeSdp, type DropReason, type SanitizedCandidate } from './sanitize.js';
import { notThisDevice, roleOf, type CallSide, type LiveCall } from './call-state.js';
import { StartLimit } from './start-limit.js';

export interface CallsDeps {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  bus: Bus;
  presence: Presence;
  db: Db;
  dialect: Dialect;
  updates: UpdateLog;
  relays: RelayPool;
  registry: Registry;
}

export interface StartParams {
  calleeId: number;
  video: boolean;
  offer: SessionDescriptionInit;
  commitment: string;
}

/**
 * How long an answered call's caller candidates wait for the callee's first candidate before they go
 * to the callee anyway (a callee that sends none still gets them; gathering takes ~50–100 ms).
 */
const HELD_RELEASE_MS = 1000;

/**
 * Call signaling (issue 4, docs/calls.md): policy, ringing, the no-leak-before-answer hold, candidate
 * sanitising and forwarding, timeouts, disconnects and the call log. The server is the enforcer:
 * every candidate and description passes sanitize.ts with the sending side's relay-only decision,
 * whatever its client did. Live calls are in this node's memory (scale-out needs the bus and a shared
 * store for them; docs/calls.md); only the log is persisted.
 */
export class Calls {
  readonly settings: CallSettings;
  readonly log: CallLog;
  private readonly metrics: CallMetrics;
  private readonly live: LiveCalls;
  private readonly startLimit: StartLimit;

  constructor(readonly deps: CallsDeps) {
    this.settings = new CallSettings(deps.db, deps.clock, deps.updates);
    this.log = new CallLog(deps.db, deps.updates, deps.clock);
    this.metrics = new CallMetrics(deps.registry);
    this.live = new LiveCalls({ ...deps, log: this.log, metrics: this.metrics });
    this.startLimit = new StartLimit(deps.config.calls.maxStartsPerMinute);
  }

  // ---- settings, relays, log ------------------------------------------------------------------

  getSettings(caller: Caller): Promise<CallSettingsView> {
    return this.settings.get(caller.accountId);
  }

  updateSettings(caller: Caller, patch: CallSettingsPatch): Promise<CallSettingsView> {
    return this.settings.update(caller.accountId, patch);
  }

  /** Fresh credentials for the healthy relays (RTT probes, refresh during long calls). */
  relays(): { relays: RelayServer[] } {
    return { relays: this.deps.relays.offer() };
  }

  history(caller: Caller, opts: { beforeId?: number; limit?: number }): Promise<CallLogEntry[]> {
    return this.log.list(caller.accountId, { ...(opts.beforeId !== undefined ? { beforeId: opts.beforeId } : {}), limit: Math.min(opts.limit ?? 50, 100) });
  }

  /** Deletes call-log rows past calls.logRetentionDays (main.ts's hourly prune). */
  sweep(): Promise<number> {
    return this.log.sweep(this.deps.config.calls.logRetentionDays);
  }

  // ---- setting up -----------------------------------------------------------------------------

  /** Policy check and how the caller must gather for a call to `calleeId`. */
  async prepare(caller: Caller, calleeId: number): Promise<CallPreparation> {
    this.assertEnabled();
    const { facts } = await this.check(caller, calleeId);
    const mine = relayOnly(facts.caller, facts.callerHasCallee);
    const relays = this.deps.relays.offer();
    this.assertRelays(relays, mine || relayOnly(facts.callee, facts.calleeHasCaller));
    return { relayOnly: mine, relays };
  }

  async start(caller: Caller, p: StartParams): Promise<CallStarted> {
    this.assertEnabled();
    this.assertReady(caller);
    // Counted before the policy check, so probing who accepts calls costs attempts too.
    this.startLimit.take(caller.accountId, this.deps.clock.now());
    const { facts, callerView, calleeView } = await this.check(caller, p.calleeId);
    const callerRelayOnly = relayOnly(facts.caller, facts.callerHasCallee);
    const calleeRelayOnly = relayOnly(facts.callee, facts.calleeHasCaller);
    this.assertRelays(this.deps.relays.offer(), callerRelayOnly || calleeRelayOnly);
    const { config, clock } = this.deps;
    // The offer ringing devices see: no candidate, no address (they have not answered; docs/calls.md).
    const offer = sanitizeSdp(p.offer.sdp, { maxBytes: config.calls.maxSdpBytes, maxCandidates: config.calls.maxCandidates, relayOnly: callerRelayOnly, extractCandidates: true });
    this.countDropped(offer.dropped);

    // From here on nothing awaits until the call is registered, so two starts cannot both pass the busy checks.
    this.assertReady(caller);
    const callId = randomToken(16);
    const now = clock.now();
    const isSilenced = silenced(facts);
    const attempt = { callId, caller: callerView, callee: calleeView, video: p.video, silenced: isSilenced };
    if (this.live.isEngaged(p.calleeId)) {
      this.metrics.refused.inc({ reason: 'busy' });
      await this.live.writeUnconnected(attempt, 'busy');
      throw new AppError('callee_busy');
    }
    const devices = this.deps.presence.devices(p.calleeId);
    if (devices.length === 0) {
      this.metrics.refused.inc({ reason: 'unavailable' });
      await this.live.writeUnconnected(attempt, 'missed');
      throw new AppError('callee_unavailable');
    }

    const side = (peer: CallPeerView, ro: boolean, candidates: number): CallSide => ({ peer, relayOnly: ro, candidates });
    const call: LiveCall = {
      id: callId, state: 'ringing', video: p.video,
      caller: side(callerView, callerRelayOnly, offer.received), callee: side(calleeView, calleeRelayOnly, 0),
      callerDevice: caller.deviceId, rung: new Set(isSilenced ? [] : devices), answeredBy: null, silenced: isSilenced,
      held: offer.candidates, startedAt: now, answeredAt: null, expiresAt: now + config.calls.ringTimeoutMs,
      ringTimer: null, graceTimers: new Map(), stepRelease: null,
    };
    this.live.add(call);

    for (const deviceId of call.rung) {
      this.live.emit(deviceId, 'call.incoming', {
        callId, from: callerView, video: p.video, offer: { type: 'offer', sdp: offer.sdp }, relayOnly: calleeRelayOnly,
        // Credentials per device: two devices of one account get unlinkable relay usernames.
        relays: this.deps.relays.offer(), commitment: p.commitment, expiresAt: call.expiresAt,
      });
    }
    this.live.emit(caller.deviceId, 'call.ringing', { callId, devices: call.rung.size });
    return { callId, ringing: call.rung.size, expiresAt: call.expiresAt };
  }

  /**
   * A rung device answers: the caller gets the (sanitised) answer; the held caller candidates go to
   * this device only. With `candidates` (the callee's, gathered while ringing; possibly none yet) the
   * two sides' candidates cross in step (docs/calls.md "Candidates in step"): the callee's go to the
   * caller now, and the caller's come back in this result if the callee sent any, else with the
   * callee's first trickled candidate.
   */
  accept(caller: Caller, p: { callId: string; answer: SessionDescriptionInit; nonce: string; candidates?: CandidateInit[] }): CallAccepted {
    const call = this.live.find(p.callId, caller);
    const role = roleOf(call, caller);
    if (call.state === 'active') throw new AppError('call_already_answered');
    if (role.kind !== 'callee' || role.device !== 'rung') throw new AppError('call_not_rung');
    const { config, clock } = this.deps;
    const answer = sanitizeSdp(p.answer.sdp, { maxBytes: config.calls.maxSdpBytes, maxCandidates: config.calls.maxCandidates, relayOnly: call.callee.relayOnly, extractCandidates: false });
    this.countDropped(answer.dropped);
    // Checked before anything changes: the call must not be half answered when this refuses.
    if (p.candidates && answer.received + p.candidates.length > config.calls.maxCandidates) throw new AppError('too_many_candidates', { max: config.calls.maxCandidates });
    const mine = p.candidates?.map((c) => sanitizeCandidate(c, call.callee.relayOnly));
    call.callee.candidates = answer.received + (mine?.length ?? 0);

    call.state = 'active';
    call.answeredBy = caller.deviceId;
    call.answeredAt = clock.now();
    this.live.answered(call);
    for (const other of call.rung) if (other !== caller.deviceId) this.live.emit(other, 'call.ended', { callId: call.id, reason: 'answered_elsewhere', durationMs: null });
    call.rung.clear();
    this.live.emit(call.callerDevice, 'call.accepted', { callId: call.id, answer: { type: 'answer', sdp: answer.sdp }, nonce: p.nonce });
    if (mine !== undefined) {
      let sent = 0;
      for (const c of mine) if (this.forwardToCaller(call, c)) sent++;
      if (sent === 0) {
        call.stepRelease = setTimeout(() => this.releaseHeld(call), HELD_RELEASE_MS);
        call.stepRelease.unref?.();
        return { candidates: [] };
      }
    }
    const candidates = call.held;
    call.held = [];
    return { candidates };
  }

  /** Sends one of the answering callee's sanitised candidates to the caller device; false (counted) when dropped. */
  private forwardToCaller(call: LiveCall, s: SanitizedCandidate): boolean {
    if (!s.ok) {
      this.countDropped([s.reason]);
      return false;
    }
    this.live.emit(call.callerDevice, 'call.candidate', { callId: call.id, candidate: s.candidate });
    return true;
  }

  /** The caller's held candidates to the answering device (in step with the callee's first, or on the timer). */
  private releaseHeld(call: LiveCall): void {
    if (call.stepRelease) clearTimeout(call.stepRelease);
    call.stepRelease = null;
    if (call.answeredBy === null) return;
    for (const candidate of call.held.splice(0)) this.live.emit(call.answeredBy, 'call.candidate', { callId: call.id, candidate });
  }

  /** A rung device declines (or answers busy): the call ends for everyone. */
  async decline(caller: Caller, p: { callId: string; busy?: boolean }): Promise<{ ok: true }> {
    const call = this.live.find(p.callId, caller);
    const role = roleOf(call, caller);
    if (call.state === 'active') throw new AppError('call_already_answered');
    if (role.kind !== 'callee' || role.device !== 'rung') throw new AppError('call_not_rung');
    await this.declineBy(call, caller.deviceId, p.busy === true);
    return { ok: true };
  }

  /** The caller opens its commitment once answered (call verification, src/protocol/call-verification.ts). */
  reveal(caller: Caller, p: { callId: string; nonce: string }): { ok: true } {
    const call = this.live.find(p.callId, caller);
    if (roleOf(call, caller).kind !== 'caller') throw new AppError('call_not_found');
    if (call.answeredBy === null) throw new AppError('call_not_answered');
    this.live.emit(call.answeredBy, 'call.reveal', { callId: call.id, nonce: p.nonce });
    return { ok: true };
  }

  /**
   * A trickled candidate. The caller's are held while ringing and go to the answering device only;
   * the callee's are refused before answering (no leak before answer) and go to the caller device only.
   */
  candidate(caller: Caller, p: { callId: string; candidate: CandidateInit }): { ok: true; dropped?: true } {
    const call = this.live.find(p.callId, caller);
    const role = roleOf(call, caller);
    let from: CallSide;
    if (role.kind === 'caller') {
      from = call.caller;
    } else {
      if (call.state === 'ringing') {
        this.metrics.candidatesDropped.inc({ reason: 'not_answered' });
        throw new AppError(role.device === 'rung' ? 'call_not_answered' : 'call_not_rung');
      }
      if (role.device !== 'answering') throw notThisDevice(call);
      from = call.callee;
    }
    if (role.kind === 'callee') {
      this.countCandidate(from);
      if (!this.forwardToCaller(call, sanitizeCandidate(p.candidate, from.relayOnly))) return { ok: true, dropped: true };
      if (call.stepRelease) this.releaseHeld(call);
      return { ok: true };
    }
    this.countCandidate(from);
    const s = sanitizeCandidate(p.candidate, from.relayOnly);
    if (!s.ok) {
      this.countDropped([s.reason]);
      return { ok: true, dropped: true };
    }
    if (call.answeredBy === null || call.stepRelease) call.held.push(s.candidate);
    else this.live.emit(call.answeredBy, 'call.candidate', { callId: call.id, candidate: s.candidate });
    return { ok: true };
  }

  /** Renegotiation during an active call (ICE restart, adding video): sanitised like the first description. */
  describe(caller: Caller, p: { callId: string; description: SessionDescriptionInit }): { ok: true } {
    const call = this.live.find(p.callId, caller);
    const role = roleOf(call, caller);
    if (role.kind === 'callee' && role.device !== 'answering' && call.state === 'active') throw notThisDevice(call);
    if (call.state !== 'active' || call.answeredBy === null) throw new AppError('call_not_answered');
    const from = role.kind === 'caller' ? call.caller : call.callee;
    const { config } = this.deps;
    const d = sanitizeSdp(p.description.sdp, { maxBytes: config.calls.maxSdpBytes, maxCandidates: config.calls.maxCandidates, relayOnly: from.relayOnly, extractCandidates: false });
    this.countDropped(d.dropped);
    // A new description starts a new ICE generation (RFC 8445 §9): its candidates get a fresh budget.
    from.candidates = d.received;
    const to = role.kind === 'caller' ? call.answeredBy : call.callerDevice;
    this.live.emit(to, 'call.description', { callId: call.id, description: { type: p.description.type, sdp: d.sdp } });
    return { ok: true };
  }

  /**
   * Caller while ringing: cancelled; a rung callee device while ringing: declined; either party while
   * active: hangup. `reason: 'failed'` from a party of an answered call: its media path never formed
   * or was lost for good (the call engine gave up), so the other side hears `failed`, not `hangup`,
   * and both log rows say failed.
   */
  async hangup(caller: Caller, p: { callId: string; reason?: 'failed' }): Promise<{ ok: true }> {
    const call = this.live.find(p.callId, caller);
    const role = roleOf(call, caller);
    const failed = p.reason === 'failed';
    const outcome = failed ? 'failed' : 'answered';
    if (role.kind === 'caller') {
      if (call.state === 'ringing') {
        // The callee did not cancel anything: for them it is a missed call (shown on all their devices).
        await this.live.finish(call, { notify: [...call.rung].map((d) => [d, 'cancelled']), callerOutcome: 'cancelled', calleeOutcome: 'missed' });
      } else {
        await this.live.finish(call, { notify: [[call.answeredBy!, failed ? 'failed' : 'hangup']], callerOutcome: outcome, calleeOutcome: outcome });
      }
      return { ok: true };
    }
    if (call.state === 'ringing') {
      if (role.device !== 'rung') throw notThisDevice(call);
      await this.declineBy(call, caller.deviceId, false);
      return { ok: true };
    }
    if (role.device !== 'answering') throw notThisDevice(call);
    await this.live.finish(call, { notify: [[call.callerDevice, failed ? 'failed' : 'hangup']], callerOutcome: outcome, calleeOutcome: outcome });
    return { ok: true };
  }

  /** Stops timers (ring timeouts, disconnect grace); ends nothing in the log. */
  close(): void {
    this.live.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  private assertEnabled(): void {
    if (!this.deps.config.calls.enabled) throw new AppError('unavailable', { reason: 'calls_disabled' });
  }

  /** The caller device has a live update channel (it must receive call.ringing/accepted) and is in no call. */
  private assertReady(caller: Caller): void {
    if (!this.deps.presence.isOnline(caller.deviceId)) {
      this.metrics.refused.inc({ reason: 'device_offline' });
      throw new AppError('device_offline');
    }
    if (this.live.isEngaged(caller.accountId)) {
      this.metrics.refused.inc({ reason: 'in_progress' });
      throw new AppError('call_in_progress');
    }
  }

  private assertRelays(relays: RelayServer[], needed: boolean): void {
    if (needed && relays.length === 0) {
      this.metrics.refused.inc({ reason: 'relays_unavailable' });
      throw new AppError('relays_unavailable');
    }
  }

  /** The callee exists and is enabled, and the policy allows the call. */
  private async check(caller: Caller, calleeId: number): Promise<{ facts: CallFacts; callerView: CallPeerView; calleeView: CallPeerView }> {
    const rows = await this.deps.db
      .selectFrom('accounts')
      .select(['id', 'username', 'display_name', 'disabled'])
      .where('id', 'in', [caller.accountId, calleeId])
      .execute();
    const view = (id: number): CallPeerView | null => {
      const r = rows.find((x) => x.id === id);
      return r && r.disabled === 0 ? { accountId: r.id, username: r.username, displayName: r.display_name } : null;
    };
    const callerView = view(caller.accountId);
    const calleeView = view(calleeId);
    if (!calleeView || !callerView) throw new AppError('account_not_found');
    const facts = await this.settings.facts(caller.accountId, calleeId);
    const reason = refusal(facts);
    if (reason) {
      // Nothing rings and nothing is logged at the callee: a refused call leaves no trace there.
      this.metrics.refused.inc({ reason });
      throw new AppError('call_not_allowed', { reason });
    }
    return { facts, callerView, calleeView };
  }

  private async declineBy(call: LiveCall, deviceId: number, busy: boolean): Promise<void> {
    const notify: Ending['notify'] = [[call.callerDevice, busy ? 'busy' : 'declined']];
    for (const d of call.rung) if (d !== deviceId) notify.push([d, 'declined_elsewhere']);
    const outcome = busy ? 'busy' : 'declined';
    await this.live.finish(call, { notify, callerOutcome: outcome, calleeOutcome: outcome });
  }

  private countCandidate(side: CallSide): void {
    side.candidates++;
    if (side.candidates > this.deps.config.calls.maxCandidates) throw new AppError('too_many_candidates', { max: this.deps.config.calls.maxCandidates });
  }

  private countDropped(reasons: DropReason[]): void {
    for (const reason of reasons) this.metrics.candidatesDropped.inc({ reason });
  }
}
