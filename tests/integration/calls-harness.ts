import { randomBytes } from 'node:crypto';
import type { ParleyClient } from '../../src/client/index.js';
import type { CallEventMap, CallEventType, CallStarted, CandidateInit, CallAccepted, CallSettingsView, CallPreparation, CallLogEntry } from '../../src/protocol/calls.js';
import { PASSWORD, eventually, type TestServer } from '../helpers/server.js';
import { Device } from '../helpers/recorder.js';
import { sdp, type SdpSample } from './calls-fixtures.js';

/** One logged-in device of an account with its update channel open (so it is online and ringable). */
export interface CallDevice {
  client: ParleyClient;
  /** The account. */
  id: number;
  name: string;
  deviceId: number;
  device: Device;
}

/** A sample by name, or the given text as it is. */
function sdpOf(nameOrText: string): string {
  return /^(offer|answer)-[a-z-]+$/.test(nameOrText) ? sdp(nameOrText as SdpSample) : nameOrText;
}

/** 64 hex characters: a commitment or a nonce of call verification. */
export const hex32 = (): string => randomBytes(32).toString('hex');

/**
 * Accounts, devices and call helpers over one test server, for the calls suites. Every call goes
 * through the public API (HTTP) and every server → device message is read from the device's own
 * update channel, as a client would.
 */
export class CallWorld {
  private n = 0;
  private readonly open: Device[] = [];
  private barrierAccount: CallDevice | undefined;
  private barriers = 0;

  constructor(readonly t: TestServer, readonly prefix: string) {}

  /** A fresh account with one connected device. */
  async user(tag = 'u'): Promise<CallDevice> {
    const name = `${this.prefix}${tag}_${++this.n}`;
    const u = await this.t.user(name);
    return this.attach(u.client, u.session.account.id, name, u.session.deviceId);
  }

  /** Another device of the same account, logged in and connected. */
  async device(of: CallDevice, opts: { connect?: boolean } = {}): Promise<CallDevice> {
    const c = this.t.client();
    const s = await c.login({ username: of.name, password: PASSWORD, deviceName: `${of.name}-${++this.n}` });
    if (opts.connect === false) return { client: c, id: of.id, name: of.name, deviceId: s.deviceId, device: undefined as unknown as Device };
    return this.attach(c, of.id, of.name, s.deviceId);
  }

  /** Closes the device's channel and waits until the server saw it go offline. */
  async disconnect(u: CallDevice): Promise<void> {
    u.device.close();
    await eventually(() => !this.t.server.services.presence.isOnline(u.deviceId), 10000, 'device offline on the server');
  }

  /** Disconnects the device, then connects it again (a new channel of the same device). */
  async reconnect(u: CallDevice): Promise<CallDevice> {
    await this.disconnect(u);
    return this.attach(u.client, u.id, u.name, u.deviceId);
  }

  private async attach(client: ParleyClient, id: number, name: string, deviceId: number): Promise<CallDevice> {
    const device = await Device.connect(client);
    this.open.push(device);
    return { client, id, name, deviceId, device };
  }

  settings(u: CallDevice, patch: Partial<CallSettingsView>): Promise<CallSettingsView> {
    return u.client.call('calls.updateSettings', patch);
  }

  prepare(u: CallDevice, callee: CallDevice): Promise<CallPreparation> {
    return u.client.call('calls.prepare', { calleeId: callee.id });
  }

  start(u: CallDevice, callee: CallDevice | number, opts: { offer?: SdpSample | string; video?: boolean; commitment?: string } = {}): Promise<CallStarted> {
    const offerSdp = sdpOf(opts.offer ?? 'offer-audio');
    return u.client.call('calls.start', {
      calleeId: typeof callee === 'number' ? callee : callee.id, video: opts.video ?? false,
      offer: { type: 'offer', sdp: offerSdp }, commitment: opts.commitment ?? hex32(),
    });
  }

  /** `candidates`: the callee's candidates sent with the answer ("candidates in step"); omitted: the older form. */
  accept(u: CallDevice, callId: string, opts: { answer?: SdpSample | string; nonce?: string; candidates?: string[] } = {}): Promise<CallAccepted> {
    const answerSdp = sdpOf(opts.answer ?? 'answer-audio');
    const candidates = opts.candidates?.map((candidate) => ({ candidate, sdpMid: '0', sdpMLineIndex: 0 }));
    return u.client.call('calls.accept', { callId, answer: { type: 'answer', sdp: answerSdp }, nonce: opts.nonce ?? hex32(), ...(candidates ? { candidates } : {}) });
  }

  candidate(u: CallDevice, callId: string, candidate: string | CandidateInit): Promise<{ ok: true; dropped?: true }> {
    const init = typeof candidate === 'string' ? { candidate, sdpMid: '0', sdpMLineIndex: 0 } : candidate;
    return u.client.call('calls.candidate', { callId, candidate: init });
  }

  hangup(u: CallDevice, callId: string): Promise<{ ok: true }> {
    return u.client.call('calls.hangup', { callId });
  }

  log(u: CallDevice, opts: { beforeId?: number; limit?: number } = {}): Promise<CallLogEntry[]> {
    return u.client.call('calls.log', opts);
  }

  /** Events of `type` (for `callId` when given) the device received so far. */
  events<T extends CallEventType>(u: CallDevice, type: T, callId?: string): Array<CallEventMap[T]> {
    return u.device.events
      .filter((e) => e.type === type && (callId === undefined || (e.data as { callId?: string }).callId === callId))
      .map((e) => e.data as CallEventMap[T]);
  }

  /** Waits for the first event of `type` (for `callId`) matching `match`. */
  async event<T extends CallEventType>(u: CallDevice, type: T, callId?: string, match: (d: CallEventMap[T]) => boolean = () => true): Promise<CallEventMap[T]> {
    await u.device.until(() => this.events(u, type, callId).some(match), `${type} on ${u.name}/${u.deviceId}`);
    return this.events(u, type, callId).find(match)!;
  }

  /** Waits for the call.log update of `callId` on the device. */
  async logUpdate(u: CallDevice, callId: string): Promise<CallLogEntry> {
    const d = await u.device.next('call.log', (x) => x.entry.callId === callId);
    return d.entry;
  }

  /**
   * Proves a negative without sleeping: a `contact` update to `u`'s account goes through the same
   * ordered bus and the same WebSocket as the device events, so once it arrived, every event
   * published to the device before it has arrived too.
   */
  async barrier(u: CallDevice): Promise<void> {
    this.barrierAccount ??= await this.user('barrier');
    const name = `barrier ${++this.barriers}`;
    await u.client.call('contacts.add', { accountId: this.barrierAccount.id, name });
    await u.device.next('contact', (c) => c.name === name);
  }

  close(): void {
    for (const d of this.open) d.close();
  }
}
