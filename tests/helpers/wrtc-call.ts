import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket, { WebSocketServer } from 'ws';
import { CallEngine, UpdateStream, type CallEngineOptions, type ParleyClient, type RtcPlatform, type RTCPeerConnectionCtor, type RTCPeerConnectionLike, type MediaStreamLike, type MediaStreamTrackLike } from '../../src/client/index.js';
import { NodeWebSocket } from './server.js';

/**
 * Node-side calls for tests and benchmarks: a ParleyClient's update stream feeding a CallEngine
 * that runs on @roamhq/wrtc (real ICE, DTLS-SRTP and Opus RTP), with a synthetic microphone
 * (a tone, so "audio arrived" means a non-zero sample: TESTING.md pitfalls).
 */

const require = createRequire(import.meta.url);

interface WrtcModule {
  RTCPeerConnection: RTCPeerConnectionCtor;
  MediaStream: new (tracks?: MediaStreamTrackLike[]) => MediaStreamLike;
  nonstandard: {
    RTCAudioSource: new () => { createTrack(): MediaStreamTrackLike; onData(d: { samples: Int16Array; sampleRate: number }): void };
    RTCAudioSink: new (track: MediaStreamTrackLike) => { ondata: ((d: { samples: Int16Array }) => void) | null; stop(): void };
    RTCVideoSource: new () => { createTrack(): MediaStreamTrackLike; onFrame(f: { width: number; height: number; data: Uint8Array }): void };
  };
}

let wrtcModule: WrtcModule | undefined;
export function wrtc(): WrtcModule {
  exitBeforeWrtcTeardown();
  return (wrtcModule ??= require('@roamhq/wrtc') as WrtcModule);
}

const hardExit = (code: number): never => process.exit(code);

/**
 * @roamhq/wrtc 0.10 crashes (SIGSEGV, exit 139) in its native destructors when a process that made
 * media tracks ends naturally, which fails a test file that passed. Exiting from the 'exit' event
 * skips that teardown and keeps the exit code. The listener is moved to the end on every use, so
 * the 'exit' listeners registered before it (coturn reapers) still run.
 */
function exitBeforeWrtcTeardown(): void {
  process.off('exit', hardExit);
  process.on('exit', hardExit);
}

/** Synthetic media sources: a 440 Hz tone (10 ms Opus frames at 48 kHz) and grey 160×120 video at 10 fps. */
export class FakeMedia {
  private readonly timers = new Set<ReturnType<typeof setInterval>>();
  /** Every track made; a wrtc track that is never stopped keeps the process alive. */
  private readonly tracks: MediaStreamTrackLike[] = [];

  getUserMedia = async (constraints: { audio?: unknown; video?: unknown }): Promise<MediaStreamLike> => {
    const w = wrtc();
    const tracks: MediaStreamTrackLike[] = [];
    if (constraints.audio) tracks.push(this.tone());
    if (constraints.video) tracks.push(this.camera());
    this.tracks.push(...tracks);
    return new w.MediaStream(tracks);
  };

  private tone(): MediaStreamTrackLike {
    const source = new (wrtc().nonstandard.RTCAudioSource)();
    const track = source.createTrack();
    let phase = 0;
    const timer = setInterval(() => {
      if (track.readyState === 'ended') return this.stop(timer);
      const samples = new Int16Array(480);
      for (let i = 0; i < samples.length; i++) samples[i] = Math.round(Math.sin(((phase + i) * 2 * Math.PI * 440) / 48000) * 8000);
      phase += samples.length;
      source.onData({ samples, sampleRate: 48000 });
    }, 10);
    this.timers.add(timer);
    return track;
  }

  private camera(): MediaStreamTrackLike {
    const source = new (wrtc().nonstandard.RTCVideoSource)();
    const track = source.createTrack();
    const data = new Uint8Array(160 * 120 * 1.5).fill(128);
    const timer = setInterval(() => {
      if (track.readyState === 'ended') return this.stop(timer);
      source.onFrame({ width: 160, height: 120, data });
    }, 100);
    this.timers.add(timer);
    return track;
  }

  private stop(timer: ReturnType<typeof setInterval>): void {
    clearInterval(timer);
    this.timers.delete(timer);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    for (const t of this.tracks.splice(0)) if (t.readyState !== 'ended') t.stop();
  }
}

export type CallEvent = { type: string; data: Record<string, unknown> };

export interface CallDeviceOptions {
  /** Update channel URL instead of the client's (e.g. a test MITM proxy). */
  wsUrl?: string;
  engine?: Partial<Pick<CallEngineOptions, 'forceIceTransportPolicy' | 'statsIntervalMs' | 'relayProbeTimeoutMs' | 'refreshAt'>>;
  /** Print the engine's log lines with this prefix. */
  logPrefix?: string;
}

/**
 * One device in a call test: its update stream (every `call.*` event recorded in `events`), a
 * CallEngine on wrtc, every RTCPeerConnection it made and every local candidate they gathered.
 */
export class CallDevice {
  readonly events: CallEvent[] = [];
  readonly peerConnections: RTCPeerConnectionLike[] = [];
  /** Every candidate gathered by this device's connections (relay probes included). */
  readonly localCandidates: string[] = [];
  /** The other party's candidates this device got in `calls.accept` results (held by the server while ringing). */
  readonly acceptedCandidates: string[] = [];
  /** Operations the engine called that the server refused (a clean call has none). */
  readonly apiErrors: Array<{ method: string; code: string }> = [];
  readonly engine: CallEngine;
  readonly stream: UpdateStream;
  readonly media = new FakeMedia();
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  private sinks: Array<{ stop(): void }> = [];

  private constructor(readonly client: ParleyClient, opts: CallDeviceOptions) {
    const platform: RtcPlatform = { RTCPeerConnection: this.recordingPeerConnection(), getUserMedia: this.media.getUserMedia, MediaStream: wrtc().MediaStream };
    this.engine = new CallEngine({
      api: async (method, params) => {
        try {
          const result = await this.stream.call(method, params);
          if (method === 'calls.accept') for (const c of (result as { candidates: Array<{ candidate: string }> }).candidates) this.acceptedCandidates.push(c.candidate);
          return result;
        } catch (err) {
          this.apiErrors.push({ method, code: (err as { code?: string }).code ?? String(err) });
          throw err;
        }
      },
      rtc: platform,
      onChange: () => this.check(),
      ...(opts.logPrefix ? { log: (...a: unknown[]) => console.log(opts.logPrefix, ...a) } : {}),
      ...opts.engine,
    });
    const onEvent = (type: string, data: unknown): void => {
      if (type.startsWith('call.')) this.events.push({ type, data: data as Record<string, unknown> });
      this.engine.handleEvent(type, data);
      this.check();
    };
    if (opts.wsUrl) {
      if (!client.token) throw new Error('log in first');
      this.stream = new UpdateStream({ url: opts.wsUrl, token: client.token, WebSocket: NodeWebSocket, onEvent });
    } else {
      this.stream = client.connect({ onEvent });
    }
  }

  static async connect(client: ParleyClient, opts: CallDeviceOptions = {}): Promise<CallDevice> {
    const d = new CallDevice(client, opts);
    await d.stream.synced();
    return d;
  }

  private recordingPeerConnection(): RTCPeerConnectionCtor {
    const Base = wrtc().RTCPeerConnection;
    const { peerConnections, localCandidates } = this;
    // A constructor function returning the real object: `new` hands that object back.
    function Recording(configuration: ConstructorParameters<RTCPeerConnectionCtor>[0]): RTCPeerConnectionLike {
      const pc = new Base(configuration);
      peerConnections.push(pc);
      pc.addEventListener('icecandidate', (ev) => {
        if (ev.candidate?.candidate) localCandidates.push(ev.candidate.candidate);
      });
      return pc;
    }
    return Recording as unknown as RTCPeerConnectionCtor;
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }

  /** Waits until `test` holds (checked on every event and engine change, and every 200 ms). */
  until(test: (d: CallDevice) => boolean, what: string, timeoutMs = 20000): Promise<void> {
    if (test(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const poll = setInterval(() => this.check(), 200);
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}; call ${JSON.stringify(summary(this))}`));
      }, timeoutMs);
      this.waiters.push({
        test: () => test(this),
        resolve: () => {
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        },
      });
    });
  }

  eventsOf(type: string): Array<Record<string, unknown>> {
    return this.events.filter((e) => e.type === type).map((e) => e.data);
  }

  /** Resolves at the first non-zero sample of the remote audio track (silence comes before any RTP). */
  async firstAudio(timeoutMs = 20000): Promise<void> {
    await this.until((d) => (d.engine.current?.remoteStream?.getAudioTracks().length ?? 0) > 0, 'a remote audio track', timeoutMs);
    const track = this.engine.current!.remoteStream!.getAudioTracks()[0]!;
    const sink = new (wrtc().nonstandard.RTCAudioSink)(track);
    this.sinks.push(sink);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no audio sample arrived')), timeoutMs);
      sink.ondata = (d) => {
        if (!d.samples.some((x) => x !== 0)) return;
        clearTimeout(timer);
        sink.ondata = null;
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    await this.engine.close().catch(() => undefined);
    for (const s of this.sinks.splice(0)) s.stop();
    for (const pc of this.peerConnections) pc.close();
    this.media.close();
    this.stream.close();
  }
}

function summary(d: CallDevice): unknown {
  const c = d.engine.current;
  return c ? { phase: c.phase, connection: c.connection, endReason: c.endReason, error: c.error, path: c.quality.path, bytes: c.quality.bytesReceived, events: d.events.map((e) => e.type) } : { events: d.events.map((e) => e.type) };
}

/** This machine's interface addresses other than 127.0.0.1 (the test relay's): a protected side's host addresses. */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i): i is NonNullable<typeof i> => !!i)
    .map((i) => i.address.replace(/%.*$/, ''))
    .filter((a) => a !== '127.0.0.1');
}

/** Addresses in SDP text or candidate strings: candidate address and raddr, c=, o=, a=rtcp: (RFC 8866, RFC 8839). */
export function addressesIn(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^a=/, '');
    let m = /^candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ \S+(?: raddr (\S+))?/.exec(line);
    if (m) {
      out.add(m[1]!);
      if (m[2]) out.add(m[2]);
      continue;
    }
    m = /^(?:c=IN|o=.* IN|rtcp:\d+ IN) IP[46] (\S+)/.exec(line);
    if (m) out.add(m[1]!);
  }
  return [...out];
}

/** Everything a device received about the other party: SDPs and candidates (events and `calls.accept` results), as text. */
export function receivedSignaling(d: CallDevice): string[] {
  const texts: string[] = [...d.acceptedCandidates];
  for (const e of d.events) {
    const data = e.data as { offer?: { sdp: string }; answer?: { sdp: string }; candidate?: { candidate: string }; description?: { sdp: string } };
    for (const x of [data.offer?.sdp, data.answer?.sdp, data.candidate?.candidate, data.description?.sdp]) if (x !== undefined) texts.push(x);
  }
  return texts;
}

/**
 * A WebSocket man in the middle for the update channel: forwards both ways and lets the test
 * rewrite every frame the server sends (e.g. a fingerprint in `call.incoming`).
 */
export async function startWsProxy(targetUrl: string, rewrite: (frame: string) => string): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (client) => {
    const upstream = new WebSocket(targetUrl);
    const queued: string[] = [];
    upstream.on('open', () => {
      for (const m of queued.splice(0)) upstream.send(m);
    });
    client.on('message', (m) => (upstream.readyState === WebSocket.OPEN ? upstream.send(m.toString()) : queued.push(m.toString())));
    upstream.on('message', (m) => client.readyState === WebSocket.OPEN && client.send(rewrite(m.toString())));
    const end = () => {
      client.close();
      upstream.close();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  const port = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/api/v1/updates`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** A free UDP port on 127.0.0.1 (bound and released; good enough for one test's coturn). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Sends STUN Binding requests (RFC 5389 §6) until one is answered. */
async function waitForStun(port: number, timeoutMs: number): Promise<void> {
  const sock = createSocket('udp4');
  const txid = randomBytes(12);
  const req = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), txid]);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('coturn did not answer STUN')), timeoutMs);
      const tick = setInterval(() => sock.send(req, port, '127.0.0.1'), 100);
      sock.on('message', (m) => {
        if (m.length >= 20 && m.subarray(8, 20).equals(txid)) {
          clearTimeout(timer);
          clearInterval(tick);
          resolve();
        }
      });
      sock.send(req, port, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}

export interface TestRelay {
  /** A `relays.external` entry for the test config. */
  entry: { id: string; region: string; urls: string[]; secret: string };
  /** Kills coturn (SIGKILL: every allocation is gone) and starts it again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A coturn of the test's own on 127.0.0.1 (free port, loopback peers allowed: both call ends run on
 * this machine), configured as an external relay. Used where the test needs a relay it controls.
 */
export async function startTestRelay(id = 'test', region = 'local'): Promise<TestRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-turn-'));
  const secret = randomBytes(24).toString('hex');
  const port = await freeUdpPort();
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(
    conf,
    [
      'listening-ip=127.0.0.1', `listening-port=${port}`, 'relay-ip=127.0.0.1', 'realm=parley', 'use-auth-secret', `static-auth-secret=${secret}`,
      'fingerprint', 'no-cli', 'no-tls', 'no-dtls', 'no-tcp', 'no-tcp-relay', 'no-multicast-peers', 'allow-loopback-peers', 'no-software-attribute',
      `userdb=${join(dir, 'turndb')}`, `pidfile=${join(dir, 'turnserver.pid')}`, 'log-file=stdout', 'simple-log', '',
    ].join('\n'),
    { mode: 0o600 },
  );
  let child = spawn('turnserver', ['-c', conf], { stdio: 'ignore' });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  try {
    await waitForStun(port, 10000);
  } catch (e) {
    kill();
    throw e;
  }
  return {
    entry: { id, region, urls: [`turn:127.0.0.1:${port}?transport=udp`], secret },
    async restart() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      kill();
      await exited;
      child = spawn('turnserver', ['-c', conf], { stdio: 'ignore' });
      await waitForStun(port, 10000);
    },
    async close() {
      process.off('exit', kill);
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) kill();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
