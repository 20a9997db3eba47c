/**
 * Calls in the web client (issue 4): two Chromium instances with fake microphone and camera call
 * each other through the UI, over a server running its managed coturn on loopback.
 * - A calls B, whose two devices ring; B accepts on one banner, the other stops ringing; audio
 *   bytes arrive on both sides, both show the same 4 verification emoji, the path is shown.
 * - A video call accepted with video: each side shows the other's picture; mute and camera off.
 * - B declines: A reads "Declined". B lets a call ring out: a missed call (in red) in B's call log.
 * - B turns on "Protect my IP address in calls": A's next call is relayed on B's side (the path
 *   says Relay and getStats' selected local candidate is a relay candidate) and audio still flows.
 * - B lets nobody call: A is refused with the reason, in words.
 *
 * Chromium flags: fake devices without a permission prompt, and host candidates as plain addresses
 * (not mDNS names, which nothing resolves here) so the direct path can form on this machine.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { CHROMIUM, CHROMIUM_ARGS, logIn, missingPrerequisite, newPage, openChat, openDirect, send, shot, signUp, tid, waitForText, waitOnline } from './browser.js';

const CALL_ARGS = [
  ...CHROMIUM_ARGS,
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
];
/** Long enough to click Accept on a busy machine; the missed-call step waits for it once. */
const RING_TIMEOUT_MS = 12000;

interface PcStats {
  audioBytes: number;
  local: string | null;
  remote: string | null;
}

/** getStats() of the page's connected RTCPeerConnection (window.parley.calls.peerConnections). */
async function pcStats(page: Page): Promise<PcStats | null> {
  return page.evaluate(async () => {
    type Stat = { id: string; type: string; [k: string]: unknown };
    const calls = (globalThis as unknown as { parley: { calls: { peerConnections: Array<{ connectionState: string; getStats(): Promise<{ forEach(cb: (s: Stat) => void): void }> }> } } }).parley.calls;
    const pc = calls.peerConnections.find((p) => p.connectionState === 'connected');
    if (!pc) return null;
    const byId = new Map<string, Stat>();
    (await pc.getStats()).forEach((s) => byId.set(s.id, s));
    let audioBytes = 0;
    let pairId: string | undefined;
    for (const s of byId.values()) {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') audioBytes += Number(s.bytesReceived ?? 0);
      if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pairId = s.selectedCandidatePairId;
    }
    const pair = pairId ? byId.get(pairId) : undefined;
    const type = (id: unknown) => (typeof id === 'string' ? (byId.get(id)?.candidateType as string | undefined) ?? null : null);
    return { audioBytes, local: type(pair?.localCandidateId), remote: type(pair?.remoteCandidateId) };
  });
}

/** Inbound audio bytes on `page` keep growing (media really flows, not just a connected state). */
async function audioFlows(page: Page, who: string): Promise<PcStats> {
  let first: PcStats | null = null;
  await eventually(async () => (first = await pcStats(page)) !== null && first.audioBytes > 0, 20000, `${who}: first inbound audio bytes`);
  const start = first!.audioBytes;
  let later: PcStats | null = null;
  await eventually(async () => (later = await pcStats(page)) !== null && later.audioBytes > start + 1000, 20000, `${who}: inbound audio bytes growing`);
  return later!;
}

/** Waits until the call screen shows how the call ended (the card stays a few seconds, or until closed). */
async function endedWith(page: Page, attrs: string, text: RegExp): Promise<void> {
  await page.locator(`${tid('call-state')}[data-phase="ended"]${attrs}`, { hasText: text }).waitFor();
}

/** Closes the ended call's card (it also goes by itself after a few seconds). */
async function closeCallScreen(page: Page): Promise<void> {
  await page.locator(tid('call-close')).click({ timeout: 3000 }).catch(() => undefined);
  await page.locator(tid('call-screen')).waitFor({ state: 'detached' });
}

async function emojiCode(page: Page): Promise<string> {
  const el = page.locator(`${tid('call-emoji')}[data-status="ready"]`);
  await el.waitFor();
  return (await el.getAttribute('data-code')) ?? '';
}

/** A calls B from the open conversation; B accepts on the banner; both reach the active phase. */
async function callAndAnswer(a: Page, b: Page): Promise<void> {
  await a.click(tid('call-start-voice'));
  await a.locator(`${tid('call-state')}[data-phase="ringing"]`).waitFor();
  await b.locator(tid('call-incoming')).waitFor();
  await b.click(tid('call-accept'));
  await b.locator(tid('call-incoming')).waitFor({ state: 'detached' });
  await a.locator(`${tid('call-state')}[data-phase="active"]`).waitFor({ timeout: 30000 });
  await b.locator(`${tid('call-state')}[data-phase="active"]`).waitFor({ timeout: 30000 });
}

async function hangUp(a: Page, b: Page): Promise<void> {
  await a.click(tid('call-hangup'));
  await endedWith(a, '[data-reason="hangup"]', /Call ended/);
  await endedWith(b, '[data-reason="hangup"]', /Call ended/);
  await Promise.all([closeCallScreen(a), closeCallScreen(b)]);
}

async function openCallSettings(page: Page): Promise<void> {
  await page.click(tid('open-settings'));
  await page.click(tid('settings-privacy'));
  await page.locator(`${tid('call-privacy')} ${tid('call-protect-ip')}`).waitFor();
}

async function leaveSettings(page: Page): Promise<void> {
  await page.click(tid('settings-back'));
  await page.click(tid('settings-back'));
}

test('calls in the web client: direct call with emoji, decline, missed, protected IP over the relay, refusal', { timeout: 420000 }, async (t) => {
  const missing = missingPrerequisite() ?? (existsSync('/usr/bin/turnserver') ? undefined : '/usr/bin/turnserver is missing: apt-get install coturn (npm test installs it as root)');
  assert.equal(missing, undefined, `call browser tests cannot run: ${missing}`);
  const server: TestServer = await startTestServer('sqlite', {
    calls: { ringTimeoutMs: RING_TIMEOUT_MS },
    relays: { managed: { enabled: true, listenIp: '127.0.0.1', relayIp: '127.0.0.1', port: 0, allowLoopbackPeers: true } },
  });
  // Two browsers, as two people on two machines would have.
  const browsers: Browser[] = [];
  t.after(async () => {
    for (const br of browsers) await br.close().catch(() => undefined);
    await server.close();
  });
  for (let i = 0; i < 2; i++) browsers.push(await chromium.launch({ executablePath: CHROMIUM, args: CALL_ARGS }));
  const a = await newPage(browsers[0]!, server.url);
  const b = await newPage(browsers[1]!, server.url);
  // Bob's second device (another profile in his browser): it rings too, and stops when he answers on the first.
  const b2 = await newPage(browsers[1]!, server.url);
  for (const side of [a, b, b2]) await side.context.grantPermissions(['microphone', 'camera']);
  const pages = [a.page, b.page, b2.page];
  let failed = false;
  const step = (name: string, fn: (st: TestContext) => Promise<void>) => t.test(name, { skip: failed ? 'an earlier step failed' : false }, async (st) => {
    try {
      await fn(st);
    } catch (err) {
      failed = true;
      await Promise.all(pages.map((p, i) => shot(p, `calls-failed-${name.slice(0, 30).replace(/\W+/g, '-')}-${i}`).catch(() => undefined)));
      throw err;
    }
  });

  await step('two users with a direct chat', async () => {
    await signUp(a.page, 'alice', PASSWORD);
    await signUp(b.page, 'bob', PASSWORD);
    await logIn(b2.page, 'bob', PASSWORD);
    await waitOnline(a.page);
    await waitOnline(b.page);
    await waitOnline(b2.page);
    await openDirect(a.page, 'bob');
    await send(a.page, 'Can I call you?');
    await b.page.waitForSelector(`${tid('chat-row')}[data-title="Alice"]`);
    await openChat(b.page, 'Alice');
    await waitForText(b.page, 'Can I call you?');
    assert.equal(await a.page.locator(tid('call-start-video')).count(), 1, 'a direct chat has a video call button');
  });

  await step('A calls B: both of B\'s devices ring; B accepts on one, the other stops; audio both ways, the same 4 emoji, the path shown', async () => {
    await a.page.click(tid('call-start-voice'));
    await a.page.locator(`${tid('call-state')}[data-phase="ringing"]`).waitFor();
    await b.page.locator(tid('call-incoming')).waitFor();
    await b2.page.locator(tid('call-incoming')).waitFor();
    assert.equal(await b2.page.evaluate(() => (globalThis as unknown as { parley: { calls: { ringing: boolean } } }).parley.calls.ringing), true, 'the second device rings');
    await shot(b.page, 'calls-incoming');
    await b.page.click(tid('call-accept'));
    await b.page.locator(tid('call-incoming')).waitFor({ state: 'detached' });
    await b2.page.locator(tid('call-incoming')).waitFor({ state: 'detached' });
    assert.equal(await b2.page.evaluate(() => (globalThis as unknown as { parley: { calls: { ringing: boolean } } }).parley.calls.ringing), false, 'the ring stopped on the other device');
    assert.equal(await b2.page.locator(tid('call-screen')).count(), 0, 'the other device shows no call');
    await a.page.locator(`${tid('call-state')}[data-phase="active"]`).waitFor({ timeout: 30000 });
    await b.page.locator(`${tid('call-state')}[data-phase="active"]`).waitFor({ timeout: 30000 });
    const [sa, sb] = await Promise.all([audioFlows(a.page, 'A'), audioFlows(b.page, 'B')]);
    const [ea, eb] = await Promise.all([emojiCode(a.page), emojiCode(b.page)]);
    assert.equal([...new Intl.Segmenter().segment(ea)].length, 4, `4 emoji: ${ea}`);
    assert.equal(ea, eb, 'both sides show the same verification emoji');
    for (const [page, s] of [[a.page, sa], [b.page, sb]] as const) {
      const path = page.locator(tid('call-path'));
      await eventually(async () => ['direct', 'relay'].includes((await path.getAttribute('data-path')) ?? ''), 10000, 'the path type');
      const shown = await path.getAttribute('data-path');
      const expected = s.local === 'relay' || s.remote === 'relay' ? 'relay' : 'direct';
      assert.equal(shown, expected, `the path shown (${shown}) matches getStats (${s.local} ↔ ${s.remote})`);
      assert.match((await path.textContent()) ?? '', shown === 'relay' ? /Relay/ : /Direct/);
    }
    // The quality panel opens with its numbers and the measured relay.
    await a.page.click(tid('call-quality-toggle'));
    await a.page.locator(`${tid('call-relay-rtts')} li`).first().waitFor();
    await shot(a.page, 'calls-active-caller');
    await shot(b.page, 'calls-active-callee');
    await hangUp(a.page, b.page);
  });

  await step('a video call accepted with video: each side sees the other; mute and camera off', async () => {
    await a.page.click(tid('call-start-video'));
    await b.page.locator(`${tid('call-incoming')}[data-video="true"]`).waitFor();
    await b.page.click(tid('call-accept-video'));
    for (const p of [a.page, b.page]) {
      await p.locator(`${tid('call-state')}[data-phase="active"]`).waitFor({ timeout: 30000 });
      const remote = p.locator(tid('call-remote-video'));
      await remote.waitFor();
      await eventually(async () => (await remote.evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth)) > 0, 20000, 'the remote picture');
      await p.locator(tid('call-local-video')).waitFor();
    }
    await shot(a.page, 'calls-video');
    await b.page.click(tid('call-mute'));
    await b.page.locator(`${tid('call-mute')}[aria-pressed="true"]`).waitFor();
    const micEnabled = await b.page.evaluate(() => {
      const c = (globalThis as unknown as { parley: { calls: { current: { localStream: { getAudioTracks(): Array<{ enabled: boolean }> } } } } }).parley.calls.current;
      return c.localStream.getAudioTracks().map((tr) => tr.enabled);
    });
    assert.deepEqual(micEnabled, [false], 'muting disables the microphone track');
    await a.page.click(tid('call-camera'));
    await a.page.locator(`${tid('call-camera')}[aria-pressed="true"]`).waitFor();
    await a.page.locator(tid('call-local-video')).waitFor({ state: 'detached' });
    await hangUp(a.page, b.page);
  });

  await step('B declines: A reads "Declined"', async () => {
    await a.page.click(tid('call-start-voice'));
    await b.page.locator(tid('call-incoming')).waitFor();
    await b.page.click(tid('call-decline'));
    await b.page.locator(tid('call-incoming')).waitFor({ state: 'detached' });
    await endedWith(a.page, '[data-reason="declined"]', /Declined/);
    await closeCallScreen(a.page);
  });

  await step('a call B does not answer rings out and shows as missed in B\'s call log', async () => {
    await a.page.click(tid('call-start-voice'));
    await b.page.locator(tid('call-incoming')).waitFor();
    // Nobody answers: the server ends it after the ring timeout, the banner goes by itself.
    await b.page.locator(tid('call-incoming')).waitFor({ state: 'detached', timeout: RING_TIMEOUT_MS + 20000 });
    await endedWith(a.page, '[data-reason="missed"]', /No answer/);
    await closeCallScreen(a.page);
    await b.page.click(tid('open-settings'));
    await b.page.click(tid('settings-calls'));
    const missed = b.page.locator(`${tid('call-log-row')}[data-outcome="missed"][data-direction="incoming"]`);
    await missed.first().waitFor();
    const color = await missed.first().locator(tid('call-log-detail')).evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    assert.equal(color, 'rgb(229, 57, 53)', 'a missed call is shown in red');
    // The answered and declined calls are there too, newest first.
    const outcomes = await b.page.locator(tid('call-log-row')).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')));
    assert.deepEqual(outcomes, ['missed', 'declined', 'answered', 'answered']);
    await shot(b.page, 'calls-log');
    await b.page.click(tid('settings-back'));
    await b.page.click(tid('settings-back'));
  });

  await step('B protects its IP: A\'s call is relayed on B\'s side and audio flows', async () => {
    // Bob's other device has the same settings page open: the change shows there too (call.settings update).
    await openCallSettings(b2.page);
    assert.equal(await b2.page.isChecked(tid('call-protect-ip')), false);
    await openCallSettings(b.page);
    await b.page.click(tid('call-protect-ip'));
    await b.page.locator(tid('call-settings-saved')).waitFor();
    assert.equal(await b.page.isChecked(tid('call-protect-ip')), true);
    await eventually(() => b2.page.isChecked(tid('call-protect-ip')), 10000, 'Bob\'s other device shows protection on');
    await shot(b.page, 'calls-privacy-settings');
    await leaveSettings(b.page);
    await leaveSettings(b2.page);
    await openChat(b.page, 'Alice');
    await callAndAnswer(a.page, b.page);
    const [, sb] = await Promise.all([audioFlows(a.page, 'A'), audioFlows(b.page, 'B')]);
    assert.equal(sb.local, 'relay', `B's selected local candidate is a relay candidate (got ${sb.local})`);
    const path = b.page.locator(tid('call-path'));
    await eventually(async () => (await path.getAttribute('data-path')) === 'relay', 10000, 'B shows the Relay path');
    assert.match((await path.textContent()) ?? '', /Relay/);
    const [ea, eb] = await Promise.all([emojiCode(a.page), emojiCode(b.page)]);
    assert.equal(ea, eb, 'the relayed call verifies too');
    await shot(b.page, 'calls-relayed-callee');
    await hangUp(b.page, a.page);
  });

  await step('B lets nobody call: A is refused with the reason', async () => {
    await openCallSettings(b.page);
    await b.page.selectOption(tid('call-who-can-call'), 'nobody');
    await b.page.locator(tid('call-settings-saved')).waitFor();
    await leaveSettings(b.page);
    await a.page.click(tid('call-start-voice'));
    await endedWith(a.page, '[data-error="call_not_allowed"]', /You cannot call this person: they do not accept calls/);
    assert.equal(await b.page.locator(tid('call-incoming')).count(), 0, 'nothing rang at B');
    await closeCallScreen(a.page);
  });
});
