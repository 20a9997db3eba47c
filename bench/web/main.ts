/**
 * `npm run bench:web` (issue 3): initial JS gzip size of the web client, navigation → chat list
 * usable with a warm cache on loopback, and frames dropped while scrolling a 10,000-message chat
 * in Chromium. Prints its figures; the last stdout line is one JSON object.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/kernel/config.js';
import { startServer } from '../../src/main.js';
import { ParleyClient, randomId } from '../../src/client/index.js';
import { launch, WEB_BUILD, missingPrerequisite } from '../../tests/e2e/browser.js';

const MESSAGES = Number(process.argv[2] ?? 10000);
const RUNS = 7;
const PASSWORD = 'q8Zr!v3Lp0w-bench';
const log = (line: string) => process.stdout.write(`${line}\n`);

function initialJsGzip(): { bytes: number; files: string[] } {
  const html = readFileSync(WEB_BUILD, 'utf8');
  const files = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g)].map((m) => (m[1] ?? m[2])!);
  const bytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(WEB_BUILD, '..', f)), { level: 9 }).length, 0);
  return { bytes, files };
}

async function main(): Promise<void> {
  const missing = missingPrerequisite();
  if (missing) throw new Error(missing);
  const js = initialJsGzip();
  log(`initial JS: ${js.files.join(', ')} = ${(js.bytes / 1024).toFixed(1)} KB gzip (target ≤ 250 KB)`);

  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-web-'));
  const server = await startServer(loadConfig({ env: {}, file: null, overrides: { dataDir, http: { host: '127.0.0.1', port: 0 }, accounts: { registration: 'open', argon2MemoryKiB: 8192, argon2Iterations: 1 }, log: { level: 'silent' },
    // Seeding thousands of messages from one new account is exactly what the abuse shield stops: off here.
    shield: { enabled: false, limits: { messagesPerSecond: 1_000_000, messagesPerMinute: 1_000_000 } }, sip: { enabled: false }, relays: { managed: { enabled: false } } } }));
  const browser = await launch();
  try {
    const alice = new ParleyClient({ baseUrl: server.url });
    await alice.register({ username: 'alice', password: PASSWORD, displayName: 'Alice' });
    const bob = new ParleyClient({ baseUrl: server.url });
    const bobSession = await bob.register({ username: 'bob', password: PASSWORD, displayName: 'Bob', deviceName: 'bench browser', platform: 'web' });
    const chat = await alice.openDirect(bobSession.account.id);
    // A few more chats so the list is not trivially short.
    for (let i = 0; i < 20; i++) {
      const other = new ParleyClient({ baseUrl: server.url });
      const s = await other.register({ username: `friend${i}`, password: PASSWORD });
      const c = await other.openDirect(bobSession.account.id);
      await other.send(c.id, `hello from friend ${i}`);
      void s;
    }
    let t = Date.now();
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < MESSAGES) {
        const i = next++;
        await alice.send(chat.id, `message ${i} ${i % 7 === 0 ? 'a somewhat longer line of text that wraps onto a second line in the bubble, like real chats do now and then' : ''}`, { randomId: randomId() });
      }
    }));
    log(`seeded ${MESSAGES} messages in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1200, height: 800 } });
    await context.addInitScript(`
      localStorage.setItem('parley.session', ${JSON.stringify(JSON.stringify(bobSession))});
      new MutationObserver((_, obs) => {
        if (document.querySelector('[data-testid="chat-row"]')) { window.__chatListAt = performance.now(); obs.disconnect(); }
      }).observe(document, { childList: true, subtree: true });
    `);
    const page = await context.newPage();
    await page.goto('/');
    await page.waitForSelector('[data-testid="connection-state"][data-state="online"]');
    await page.waitForSelector(`[data-testid="chat-row"][data-chat-id="${chat.id}"]`);
    await page.waitForTimeout(500); // cache written
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await page.goto('/');
      await page.waitForSelector('[data-testid="chat-row"]');
      times.push(await page.evaluate('window.__chatListAt') as number);
      await page.waitForSelector('[data-testid="connection-state"][data-state="online"]');
    }
    times.sort((a, b) => a - b);
    const usableMs = times[Math.floor(times.length / 2)]!;
    log(`navigation → chat list (warm cache), median of ${RUNS}: ${usableMs.toFixed(0)} ms (runs: ${times.map((x) => x.toFixed(0)).join(', ')}; target ≤ 1000 ms)`);

    // Load the whole history into the open chat, then scroll it and count late frames.
    await page.click(`[data-testid="chat-row"][data-chat-id="${chat.id}"]`);
    await page.waitForSelector('[data-testid="message-list"]');
    t = Date.now();
    await page.evaluate(`(async () => { const s = window.parley; while (!s.historyDone.has(${chat.id})) await s.loadOlder(${chat.id}); })()`);
    const loaded = await page.evaluate(`window.parley.messages.get(${chat.id}).length`) as number;
    log(`loaded ${loaded} messages into the conversation in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    await page.waitForTimeout(500);
    const scroll = await page.evaluate(`new Promise((resolve) => {
      const el = document.querySelector('[data-testid="message-list"]');
      const frames = 600, step = 120;
      let n = 0, last = performance.now(), dropped = 0, worst = 0;
      const deltas = [];
      function tick(now) {
        const d = now - last; last = now;
        if (n > 0) { deltas.push(d); worst = Math.max(worst, d); dropped += Math.max(0, Math.round(d / (1000 / 60)) - 1); }
        el.scrollTop = Math.max(0, el.scrollTop - step);
        if (++n <= frames) requestAnimationFrame(tick);
        else resolve({ frames, dropped, worstMs: Math.round(worst), domRows: el.querySelectorAll('[data-vkey]').length, scrolledPx: frames * step });
      }
      requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
    })`) as { frames: number; dropped: number; worstMs: number; domRows: number; scrolledPx: number };
    log(`scrolled ${scroll.scrolledPx} px over ${scroll.frames} frames of a ${loaded}-message chat: ${scroll.dropped} frames dropped (worst frame ${scroll.worstMs} ms, ${scroll.domRows} rows in the DOM)`);
    log('reproduce: npm run bench:web');
    log(JSON.stringify({ bench: 'web', initialJsGzipBytes: js.bytes, chatListUsableMsWarm: Math.round(usableMs), scrollMessages: loaded, scrollFrames: scroll.frames, droppedFrames: scroll.dropped, worstFrameMs: scroll.worstMs, domRows: scroll.domRows }));
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
