import './errors.js';
import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import { Topics, type Bus } from '../cluster/bus.js';
import type { Presence } from '../cluster/presence.js';
import type { Caller } from '../accounts/sessions.js';
import type { CallEndReason, CallEventMap, CallEventType, CallLogEntry, CallOutcome, CallPeerView } from '../protocol/calls.js';
import type { CallLog } from './call-log.js';
import type { CallMetrics } from './metrics.js';
import { Tombstones } from './tombstones.js';
import type { LiveCall } from './call-state.js';

/** How a call ends: who is told what, and each party's row in the call log. */
export interface Ending {
  /** call.ended to these devices, with their reason (the device that ended the call is not told). */
  notify: Array<[deviceId: number, reason: CallEndReason]>;
  callerOutcome: CallOutcome;
  calleeOutcome: CallOutcome;
}

export interface LiveCallsDeps {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  bus: Bus;
  presence: Presence;
  log: CallLog;
  metrics: CallMetrics;
}

/**
 * The calls ringing or in progress on this node, and how they end: the ring timeout, the disconnect
 * grace (presence), `call.ended` events, the tombstones of ended calls and the call-log rows. Memory
 * only: scale-out needs this table in a shared store (docs/calls.md "Per node").
 */
export class LiveCalls {
  private readonly live = new Map<string, LiveCall>();
  /** Account → its ringing or active call: a caller, or a callee whose devices ring (not a silenced callee). */
  private readonly engaged = new Map<number, string>();
  private readonly tombstones = new Tombstones();
  private readonly offPresence: () => void;
  private closed = false;

  constructor(private readonly deps: LiveCallsDeps) {
    this.offPresence = deps.presence.onChange((c) => this.onPresence(c.deviceId, c.online));
  }

  /** Whether the account is a party of a ringing or active call (silenced callees are not). */
  isEngaged(accountId: number): boolean {
    return this.engaged.has(accountId);
  }

  /** Registers a new ringing call and starts its ring timer. */
  add(call: LiveCall): void {
    this.live.set(call.id, call);
    this.engaged.set(call.caller.peer.accountId, call.id);
    if (!call.silenced) this.engaged.set(call.callee.peer.accountId, call.id);
    call.ringTimer = unref(setTimeout(() => this.timeout(call.id), call.expiresAt - call.startedAt));
    this.deps.metrics.started.inc();
    this.deps.metrics.active.set(this.live.size);
  }

  /** The live call `callId` for a party; an ended one answers call_ended to its parties, anyone else call_not_found. */
  find(callId: string, caller: Caller): LiveCall {
    const call = this.live.get(callId);
    if (call) return call;
    if (this.tombstones.wasParty(callId, caller.accountId, this.deps.clock.now())) throw new AppError('call_ended');
    throw new AppError('call_not_found');
  }

  /** The call was answered: no more ring timeout. */
  answered(call: LiveCall): void {
    this.clearRingTimer(call);
  }

  emit<T extends CallEventType>(deviceId: number, type: T, data: CallEventMap[T]): void {
    this.deps.bus.publish(Topics.deviceEvents(deviceId), { type, data });
  }

  /** Ends the call at once in memory (events out, id tombstoned), then writes both log rows. */
  finish(call: LiveCall, ending: Ending): Promise<CallLogEntry[]> {
    const now = this.deps.clock.now();
    this.live.delete(call.id);
    for (const account of [call.caller.peer.accountId, call.callee.peer.accountId]) {
      if (this.engaged.get(account) === call.id) this.engaged.delete(account);
    }
    this.stopTimers(call);
    this.tombstones.add(call.id, [call.caller.peer.accountId, call.callee.peer.accountId], now);
    this.deps.metrics.ended.inc({ outcome: ending.callerOutcome });
    this.deps.metrics.active.set(this.live.size);
    const durationMs = call.answeredAt === null ? null : Math.max(0, now - call.answeredAt);
    for (const [deviceId, reason] of ending.notify) this.emit(deviceId, 'call.ended', { callId: call.id, reason, durationMs });
    return this.deps.log.write({ callId: call.id, video: call.video, startedAt: call.startedAt, answeredAt: call.answeredAt, endedAt: now }, [
      { accountId: call.caller.peer.accountId, peer: call.callee.peer, direction: 'outgoing', outcome: ending.callerOutcome, silenced: false },
      { accountId: call.callee.peer.accountId, peer: call.caller.peer, direction: 'incoming', outcome: ending.calleeOutcome, silenced: call.silenced },
    ]);
  }

  /** Rows of a call that never rang (callee busy or offline at `calls.start`). */
  async writeUnconnected(call: { callId: string; caller: CallPeerView; callee: CallPeerView; video: boolean; silenced: boolean }, outcome: CallOutcome): Promise<void> {
    const now = this.deps.clock.now();
    this.deps.metrics.ended.inc({ outcome });
    await this.deps.log.write({ callId: call.callId, video: call.video, startedAt: now, answeredAt: null, endedAt: now }, [
      { accountId: call.caller.accountId, peer: call.callee, direction: 'outgoing', outcome, silenced: false },
      { accountId: call.callee.accountId, peer: call.caller, direction: 'incoming', outcome, silenced: call.silenced },
    ]);
  }

  /** Stops every timer; ends nothing in the log (server shutdown). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.offPresence();
    for (const call of this.live.values()) this.stopTimers(call);
  }

  private timeout(callId: string): void {
    const call = this.live.get(callId);
    if (!call || call.state !== 'ringing') return;
    call.ringTimer = null;
    const notify: Ending['notify'] = [[call.callerDevice, 'missed'], ...[...call.rung].map((d): [number, CallEndReason] => [d, 'missed'])];
    this.finishInBackground(call, { notify, callerOutcome: 'missed', calleeOutcome: 'missed' });
  }

  /** A party device's channel closed: after the grace, if still offline, the call ends (connection_lost). */
  private onPresence(deviceId: number, online: boolean): void {
    if (this.closed) return;
    for (const call of this.live.values()) {
      if (online) {
        const t = call.graceTimers.get(deviceId);
        if (t) clearTimeout(t);
        call.graceTimers.delete(deviceId);
        continue;
      }
      // A rung device that went away is simply no longer rung (it could not answer anyway).
      if (call.rung.delete(deviceId)) continue;
      if (deviceId !== call.callerDevice && deviceId !== call.answeredBy) continue;
      if (call.graceTimers.has(deviceId)) continue;
      call.graceTimers.set(deviceId, unref(setTimeout(() => this.lost(call.id, deviceId), this.deps.config.calls.disconnectGraceMs)));
    }
  }

  private lost(callId: string, deviceId: number): void {
    const call = this.live.get(callId);
    if (!call) return;
    call.graceTimers.delete(deviceId);
    if (this.deps.presence.isOnline(deviceId)) return;
    const parties = call.state === 'ringing' ? [call.callerDevice, ...call.rung] : [call.callerDevice, call.answeredBy!];
    const outcome: CallOutcome = call.answeredAt === null ? 'failed' : 'answered';
    this.finishInBackground(call, {
      notify: parties.filter((d) => d !== deviceId).map((d) => [d, 'connection_lost']),
      callerOutcome: outcome,
      calleeOutcome: outcome,
    });
  }

  private finishInBackground(call: LiveCall, ending: Ending): void {
    this.finish(call, ending).catch((err: unknown) => this.deps.logger.warn({ err, callId: call.id }, 'call log write failed'));
  }

  private clearRingTimer(call: LiveCall): void {
    if (call.ringTimer) clearTimeout(call.ringTimer);
    call.ringTimer = null;
  }

  private stopTimers(call: LiveCall): void {
    this.clearRingTimer(call);
    if (call.stepRelease) clearTimeout(call.stepRelease);
    call.stepRelease = null;
    for (const t of call.graceTimers.values()) clearTimeout(t);
    call.graceTimers.clear();
  }
}

function unref<T extends ReturnType<typeof setTimeout>>(t: T): T {
  t.unref?.();
  return t;
}
