import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { ParleyClient, type RTCPeerConnectionLike, type WebSocketFactory } from '../../src/client/index.js';
import type { CallSettingsView } from '../../src/protocol/calls.js';
import { CallDevice } from './wrtc-call.js';
import type { Topology } from './netns.js';

/**
 * A call party in its own process, so that it can run inside a network namespace:
 *
 *   ip netns exec <ns> node dist/tests/helpers/call-agent.js --url http://10.77.3.2:8080 --username alice
 *
 * It registers the user, opens the update channel and drives the shared call engine
 * (src/client/calls, on @roamhq/wrtc with a sine-tone microphone: tests/helpers/wrtc-call.ts).
 * Commands arrive on stdin as JSON lines `{"id":1,"cmd":"call","accountId":7}`; stdout carries JSON
 * lines: `{"type":"ready",…}`, `{"type":"reply","id":1,"ok":true,"result":…}` and every call event
 * as `{"type":"event","event":"call.incoming","data":…}`. The test side is `CallAgent` below.
 */

const AGENT_PATH = fileURLToPath(import.meta.url);
const PASSWORD = 'Tr0ub4dor&3-horse-staple';

export type AgentCommand =
  | { cmd: 'settings'; settings: Partial<CallSettingsView> }
  /** `protectIp` given: set that setting first (the brief's `call <accountId> {protect}`). */
  | { cmd: 'call'; accountId: number; video?: boolean; protectIp?: boolean }
  | { cmd: 'waitIncoming'; timeoutMs?: number }
  | { cmd: 'answer'; callId?: string }
  | { cmd: 'waitActive'; timeoutMs?: number }
  | { cmd: 'firstAudio'; timeoutMs?: number }
  | { cmd: 'stats' }
  | { cmd: 'hangup' }
  | { cmd: 'waitEnded'; timeoutMs?: number }
  | { cmd: 'quit' };

export interface CandidateView {
  type: string | null;
  address: string | null;
  port: number | null;
}

export interface AgentStats {
  phase: string | null;
  connection: string | null;
  endReason: string | null;
  error: unknown;
  relayOnly: boolean | null;
  quality: {
    path: string | null;
    localCandidateType: string | null;
    remoteCandidateType: string | null;
    audioBytesReceived: number;
    bytesReceived: number;
    relayId: string | null;
    relayRtts: { id: string; region: string; rttMs: number | null }[];
  } | null;
  /** The selected candidate pair of the call's connection, with addresses (from getStats). */
  selected: { local: CandidateView; remote: CandidateView } | null;
  /** Candidates this device gathered (relay probes included). */
  localCandidates: string[];
  /** The other party's candidates this device received: in `calls.accept` results and `call.candidate` events. */
  remoteCandidates: string[];
  /** Every call.* event type received, in order. */
  events: string[];
}

// ---------------------------------------------------------------- the agent process

function write(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The call's RTCPeerConnection: the newest one not closed (relay RTT probes are closed right away). */
function callConnection(d: CallDevice): RTCPeerConnectionLike | null {
  for (let i = d.peerConnections.length - 1; i >= 0; i--) {
    const pc = d.peerConnections[i]!;
    if (pc.signalingState !== 'closed') return pc;
  }
  return null;
}

async function selectedPair(d: CallDevice): Promise<AgentStats['selected']> {
  const pc = callConnection(d);
  if (!pc) return null;
  const byId = new Map<string, Record<string, unknown>>();
  (await pc.getStats()).forEach((s) => byId.set(s.id, s));
  let pair: Record<string, unknown> | undefined;
  for (const s of byId.values()) if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pair = byId.get(s.selectedCandidatePairId);
  pair ??= [...byId.values()].find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  if (!pair) return null;
  const view = (id: unknown): CandidateView => {
    const c = typeof id === 'string' ? byId.get(id) : undefined;
    const address = (c?.address ?? c?.ip) as string | undefined;
    return { type: (c?.candidateType as string | undefined) ?? null, address: address ?? null, port: (c?.port as number | undefined) ?? null };
  };
  return { local: view(pair.localCandidateId), remote: view(pair.remoteCandidateId) };
}

async function stats(d: CallDevice): Promise<AgentStats> {
  const c = d.engine.current;
  const fromEvents = d.eventsOf('call.candidate').map((e) => (e.candidate as { candidate: string }).candidate);
  return {
    phase: c?.phase ?? null,
    connection: c?.connection ?? null,
    endReason: c?.endReason ?? null,
    error: c?.error ?? null,
    relayOnly: c?.relayOnly ?? null,
    quality: c
      ? {
          path: c.quality.path,
          localCandidateType: c.quality.localCandidateType,
          remoteCandidateType: c.quality.remoteCandidateType,
          audioBytesReceived: c.quality.audioBytesReceived,
          bytesReceived: c.quality.bytesReceived,
          relayId: c.quality.relayId,
          relayRtts: c.quality.relayRtts,
        }
      : null,
    selected: c && c.phase !== 'ended' ? await selectedPair(d).catch(() => null) : null,
    localCandidates: [...d.localCandidates],
    remoteCandidates: [...d.acceptedCandidates, ...fromEvents],
    events: d.events.map((e) => e.type),
  };
}

async function runCommand(client: ParleyClient, d: CallDevice, c: AgentCommand): Promise<unknown> {
  switch (c.cmd) {
    case 'settings':
      return client.updateCallSettings(c.settings);
    case 'call': {
      if (c.protectIp !== undefined) await client.updateCallSettings({ protectIp: c.protectIp });
      const call = await d.engine.start({ accountId: c.accountId }, { video: c.video ?? false });
      return { callId: call.callId, phase: call.phase, relayOnly: call.relayOnly };
    }
    case 'waitIncoming': {
      await d.until((x) => x.engine.incoming.length > 0, 'an incoming call', c.timeoutMs ?? 30000);
      const i = d.engine.incoming[0]!;
      return { callId: i.callId, from: i.from, relayOnly: i.relayOnly };
    }
    case 'answer': {
      const callId = c.callId ?? d.engine.incoming[0]?.callId;
      if (!callId) throw new Error('no incoming call to answer');
      const call = await d.engine.accept(callId, { video: false });
      return { callId: call.callId, phase: call.phase, relayOnly: call.relayOnly };
    }
    case 'waitActive':
      await d.until((x) => x.engine.current?.phase === 'active', 'an active call', c.timeoutMs ?? 30000);
      return stats(d);
    case 'firstAudio':
      await d.firstAudio(c.timeoutMs ?? 30000);
      return stats(d);
    case 'stats':
      return stats(d);
    case 'hangup':
      await d.engine.hangup();
      return stats(d);
    case 'waitEnded':
      await d.until((x) => x.engine.current?.phase === 'ended', 'the end of the call', c.timeoutMs ?? 30000);
      return stats(d);
    case 'quit':
      return null;
  }
}

async function agentMain(): Promise<void> {
  const url = arg('url');
  const username = arg('username');
  if (!url || !username) throw new Error('usage: call-agent --url <parley url> --username <name> [--log]');
  const client = new ParleyClient({ baseUrl: url, WebSocket: WebSocket as unknown as WebSocketFactory });
  const session = await client.register({ username, password: PASSWORD, deviceName: `${username}-agent` });
  const device = await CallDevice.connect(client, process.argv.includes('--log') ? { logPrefix: `[${username}]` } : {});
  // Forward every call event as it is recorded (the device keeps them in order).
  let forwarded = 0;
  const forward = setInterval(() => {
    for (; forwarded < device.events.length; forwarded++) {
      const e = device.events[forwarded]!;
      write({ type: 'event', event: e.type, data: e.data });
    }
  }, 50);
  write({ type: 'ready', accountId: session.account.id, username });

  const quit = async (code: number): Promise<never> => {
    clearInterval(forward);
    await device.close().catch(() => undefined);
    // process.exit skips @roamhq/wrtc's native teardown, which can crash (wrtc-call.ts).
    process.exit(code);
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('close', () => void quit(0));
  lines.on('line', (line) => {
    let c: AgentCommand & { id?: number };
    try {
      c = JSON.parse(line) as AgentCommand & { id?: number };
    } catch {
      return write({ type: 'reply', id: null, ok: false, error: `not JSON: ${line}` });
    }
    runCommand(client, device, c).then(
      (result) => {
        write({ type: 'reply', id: c.id ?? null, ok: true, result });
        if (c.cmd === 'quit') void quit(0);
      },
      (err: unknown) => write({ type: 'reply', id: c.id ?? null, ok: false, error: (err as Error).message ?? String(err) }),
    );
  });
}

// ---------------------------------------------------------------- the test side

/** Drives one agent process from a test: `send` a command and await its reply; `events` as they come. */
export class CallAgent {
  readonly events: { event: string; data: Record<string, unknown> }[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private stderr = '';

  private constructor(private readonly child: ChildProcess, readonly name: string, readonly accountId: number) {}

  /** Starts an agent in `host`'s namespace, registered as `username` on the Parley at `url`. */
  static async start(t: Topology, host: string, opts: { url: string; username: string; log?: boolean; readyTimeoutMs?: number }): Promise<CallAgent> {
    const child = t.exec(host, process.execPath, [AGENT_PATH, '--url', opts.url, '--username', opts.username, ...(opts.log ? ['--log'] : [])], { stdio: ['pipe', 'pipe', 'pipe'] });
    let agent: CallAgent | null = null;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (agent) agent.stderr = stderr;
      if (opts.log) process.stderr.write(`[${opts.username} stderr] ${d.toString()}`);
    });
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent ${opts.username} not ready; stderr: ${stderr}`)), opts.readyTimeoutMs ?? 60000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`agent ${opts.username} exited (${code}); stderr: ${stderr}`));
        agent?.failAll(new Error(`agent ${opts.username} exited (${code}); stderr: ${stderr}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (opts.log) process.stderr.write(`[${opts.username}] ${line.slice(0, 500)}\n`);
        let msg: { type: string; id?: number; ok?: boolean; result?: unknown; error?: string; accountId?: number; event?: string; data?: Record<string, unknown> };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          return; // a stray log line
        }
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve(msg.accountId!);
        } else if (msg.type === 'event' && agent) {
          agent.events.push({ event: msg.event!, data: msg.data ?? {} });
        } else if (msg.type === 'reply' && agent && typeof msg.id === 'number') {
          const p = agent.pending.get(msg.id);
          agent.pending.delete(msg.id);
          if (msg.ok) p?.resolve(msg.result);
          else p?.reject(new Error(`${opts.username}: ${msg.error}`));
        }
      });
    });
    const accountId = await ready;
    agent = new CallAgent(child, opts.username, accountId);
    agent.stderr = stderr;
    return agent;
  }

  send<T = unknown>(command: AgentCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  }

  stats(): Promise<AgentStats> {
    return this.send<AgentStats>({ cmd: 'stats' });
  }

  /** Everything the agent wrote to stderr (for failure messages). */
  get errors(): string {
    return this.stderr;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Asks the agent to quit and waits for it (killed after 5 s). */
  async quit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end(`${JSON.stringify({ id: 0, cmd: 'quit' })}\n`);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- Parley itself in a namespace

const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface NamespacedServer {
  url: string;
  /** Everything the server wrote to stderr (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Runs `parley serve` inside `host`'s namespace the way an operator would: a config file (SQLite in
 * `dataDir`, HTTP on the host's address) plus `overrides` (e.g. `relays`). Test settings as in
 * testConfig: open registration, cheap argon2, no SIP listeners, shield off.
 */
export async function startNamespacedServer(t: Topology, host: string, dataDir: string, overrides: { relays?: unknown; port?: number } = {}): Promise<NamespacedServer> {
  const ip = t.host(host).ip;
  const config = {
    dataDir,
    http: { host: ip, port: overrides.port ?? 8080 },
    accounts: { registration: 'open', argon2MemoryKiB: 8192, argon2Iterations: 1 },
    log: { level: 'warn' },
    sip: { enabled: false, host: ip, tlsPort: 0, provisioningPort: 0 },
    shield: { enabled: false, limits: { messagesPerSecond: 1_000_000, messagesPerMinute: 1_000_000, loginsPerAccountHour: 1_000_000 } },
    relays: overrides.relays ?? { managed: { enabled: false } },
  };
  const file = join(dataDir, 'parley.netns.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const env: Record<string, string> = {};
  // The caller's PARLEY_* settings would be merged in (and unknown ones rejected): leave them out.
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PARLEY_')) env[k] = v;
  env.PARLEY_CONFIG = file;
  const child = t.exec(host, process.execPath, [CLI_PATH, 'serve'], { env });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parley serve in ${host} did not start; stderr: ${err}`)), 60000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Parley is running: open (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`parley serve in ${host} exited early; stderr: ${err}`));
    });
  });
  return {
    url,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  agentMain().catch((err: unknown) => {
    process.stderr.write(`call-agent: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
