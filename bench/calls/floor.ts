/**
 * The floor of call setup in the WebRTC stack itself, with Parley out of the picture: two
 * RTCPeerConnections in one process (@roamhq/wrtc) or in one Chromium page, offer/answer and
 * candidates handed over directly (no server, no network between them), through the same coturn as
 * the calls. Timed from createOffer to 'connected' (ICE + DTLS, a data channel) at both ends; direct (policy 'all',
 * host pair) vs relayed (policy 'relay' on both sides, relay ↔ relay). Whatever ratio this shows is
 * what libwebrtc itself costs a relayed call on loopback (its ~50 ms gathering step before a relay
 * candidate, and the next check round when the first relayed check meets no TURN permission yet),
 * so it is the bound any client built on it can reach.
 */
import { existsSync } from 'node:fs';
import type { RelayServer } from '../../src/protocol/calls.js';
import type { RTCPeerConnectionCtor } from '../../src/client/index.js';
import { wrtc } from '../../tests/helpers/wrtc-call.js';

export interface FloorResult {
  directMs: number[];
  relayedMs: number[];
}

type Policy = 'all' | 'relay';
interface IceServer { urls: string[]; username: string; credential: string }

/** The in-page (or in-process) call: the same code runs in Node on wrtc and in Chromium via evaluate. */
async function oneCall(ice: IceServer, policy: Policy): Promise<number> {
  // A browser global in the page; the bench installs wrtc's in Node.
  const Pc = (globalThis as unknown as { RTCPeerConnection: RTCPeerConnectionCtor }).RTCPeerConnection;
  const cfg = { iceServers: [ice], iceTransportPolicy: policy };
  const a = new Pc(cfg);
  const b = new Pc(cfg);
  const t0 = performance.now();
  a.addEventListener('icecandidate', (e) => void (e.candidate?.candidate && b.addIceCandidate(e.candidate).catch(() => undefined)));
  b.addEventListener('icecandidate', (e) => void (e.candidate?.candidate && a.addIceCandidate(e.candidate).catch(() => undefined)));
  const connected = Promise.all([a, b].map((pc) => new Promise<void>((resolve) => {
    pc.addEventListener('connectionstatechange', () => pc.connectionState === 'connected' && resolve());
  })));
  // Something to negotiate: a data channel needs ICE and DTLS like media does (SCTP over DTLS).
  a.createDataChannel('floor');
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
  await Promise.race([connected, new Promise((_, reject) => setTimeout(() => reject(new Error(`${policy} floor call did not connect in 10 s`)), 10_000))]);
  const ms = performance.now() - t0;
  a.close();
  b.close();
  return ms;
}

function iceFor(relay: RelayServer): IceServer {
  return { urls: relay.urls, username: relay.username, credential: relay.credential };
}

/**
 * `n` calls per mode in this Node process on wrtc (after one warm-up call per mode). Each call gets
 * a fresh credential, as a Parley call does: coturn's per-user quota counts allocations per username.
 */
export async function wrtcFloor(freshRelay: () => RelayServer, n: number): Promise<FloorResult> {
  const g = globalThis as unknown as { RTCPeerConnection?: unknown };
  const saved = g.RTCPeerConnection;
  g.RTCPeerConnection = wrtc().RTCPeerConnection;
  try {
    const out: FloorResult = { directMs: [], relayedMs: [] };
    for (const [policy, into] of [['all', out.directMs], ['relay', out.relayedMs]] as const) {
      await oneCall(iceFor(freshRelay()), policy);
      for (let i = 0; i < n; i++) into.push(await oneCall(iceFor(freshRelay()), policy));
    }
    return out;
  } finally {
    g.RTCPeerConnection = saved;
  }
}

/** The same in one headless Chromium page (Debian's /usr/bin/chromium); null when it is not installed. */
export async function chromiumFloor(freshRelay: () => RelayServer, pageUrl: string, n: number): Promise<FloorResult | null> {
  if (!existsSync('/usr/bin/chromium')) return null;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(pageUrl);
    // The function's source is sent to the page; it uses only browser globals.
    await page.evaluate(`globalThis.__floorCall = ${oneCall.toString()}`);
    const out: FloorResult = { directMs: [], relayedMs: [] };
    const call = (policy: Policy): Promise<number> =>
      page.evaluate(({ ice, policy }) => (globalThis as unknown as { __floorCall: (ice: IceServer, p: Policy) => Promise<number> }).__floorCall(ice, policy), { ice: iceFor(freshRelay()), policy });
    for (const [policy, into] of [['all', out.directMs], ['relay', out.relayedMs]] as const) {
      await call(policy);
      for (let i = 0; i < n; i++) into.push(await call(policy));
    }
    return out;
  } finally {
    await browser.close();
  }
}
