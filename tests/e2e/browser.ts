import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Chromium from Debian, flags from docs/testing (no first-run or background network chatter). */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const WEB_BUILD = join(process.cwd(), 'dist', 'web', 'index.html');
export const SHOTS = join(process.cwd(), 'test-output', 'screenshots');

/** Why the browser tests cannot run here, or undefined when they can. */
export function missingPrerequisite(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing: apt-get install chromium (npm test installs it as root)`;
  if (!existsSync(WEB_BUILD)) return `${WEB_BUILD} is missing: run npm run build:web (npm test builds it first)`;
  return undefined;
}

/**
 * Common set-up of a browser test: fails clearly when Chromium or the web build is missing, starts a
 * server on a fresh SQLite store and a Chromium, and closes both (after `extraTeardown`) when `t` ends.
 */
export async function browserTest(t: TestContext, extraTeardown?: () => Promise<void>): Promise<{ server: TestServer; browser: Browser }> {
  const missing = missingPrerequisite();
  assert.equal(missing, undefined, `browser tests cannot run: ${missing}`);
  const server = await startTestServer('sqlite');
  const browser = await launch();
  t.after(async () => {
    await extraTeardown?.();
    await browser.close();
    await server.close();
  });
  return { server, browser };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export async function newPage(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1200, height: 760 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  page.on('crash', () => process.stderr.write('[page crashed]\n'));
  page.on('close', () => process.stderr.write('[page closed]\n'));
  return { context, page };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const tid = (id: string) => `[data-testid="${id}"]`;
export { tid };

export async function signUp(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.click(tid('switch-mode'));
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.fill('input[name=displayName]', username[0]!.toUpperCase() + username.slice(1));
  await page.click(tid('signup-submit'));
  await page.waitForSelector(tid('messenger'));
}

export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click(tid('login-submit'));
  await page.waitForSelector(tid('messenger'));
}

export async function waitOnline(page: Page): Promise<void> {
  await page.waitForSelector(`${tid('connection-state')}[data-state="online"]`);
}

/** Opens (creating if needed) the direct chat with `username` from the new-chat menu. */
export async function openDirect(page: Page, username: string): Promise<void> {
  await page.click(tid('new-menu'));
  await page.click(tid('new-direct'));
  await page.fill(tid('dialog-name'), username);
  await page.click(tid('dialog-submit'));
  await page.waitForSelector(tid('conversation'));
}

export async function openChat(page: Page, title: string): Promise<void> {
  await page.click(`${tid('chat-row')}[data-title="${title}"]`);
  await page.waitForSelector(`${tid('conversation-title')}:text-is("${title}")`);
}

export async function send(page: Page, text: string): Promise<void> {
  await page.fill(tid('composer-input'), text);
  await page.press(tid('composer-input'), 'Enter');
}

export async function waitForText(page: Page, text: string): Promise<void> {
  await page.locator(tid('message-text'), { hasText: text }).first().waitFor();
}

/** Texts of the messages currently rendered in the open conversation, top to bottom. */
export async function texts(page: Page): Promise<string[]> {
  const rows = page.locator(`${tid('message')}`);
  const out: Array<{ top: number; text: string }> = [];
  for (const row of await rows.all()) {
    const box = await row.boundingBox();
    out.push({ top: box?.y ?? 0, text: (await row.locator(tid('message-text')).textContent()) ?? '' });
  }
  return out.sort((a, b) => a.top - b.top).map((r) => r.text);
}
