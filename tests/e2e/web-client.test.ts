/**
 * The web client in a real Chromium (issue 3): chat between two users, QR linking of a second
 * device, offline sending, reload from the cache, groups and channels, blocking, revocation.
 * Screenshots of the main screens go to test-output/screenshots/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { eventually, PASSWORD } from '../helpers/server.js';
import { browserTest, newPage, openChat, openDirect, send, shot, signUp, texts, tid, waitForText, waitOnline, logIn } from './browser.js';

test('web client in Chromium', { timeout: 300000 }, async (t) => {
  const { server, browser } = await browserTest(t);
  const a = await newPage(browser, server.url);
  const b = await newPage(browser, server.url);
  let a2: Page | undefined;
  let failed = false;
  // Each step depends on the previous ones: after a failure, later steps are skipped and the
  // pages are photographed for the person reading the failure.
  const step = (name: string, fn: () => Promise<void>) => t.test(name, { skip: failed ? 'an earlier step failed' : false }, async () => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      const pages = [a.page, b.page, ...(a2 ? [a2] : [])];
      await Promise.all(pages.map((p, i) => shot(p, `failed-${name.slice(0, 30).replace(/\W+/g, '-')}-${i}`).catch(() => undefined)));
      throw err;
    }
  });
  let a2Context: Awaited<ReturnType<typeof newPage>>['context'] | undefined;

  await step('sign-up shows the server reason for a weak password and a taken name', async () => {
    await a.page.goto('/');
    await shot(a.page, '01-login');
    await a.page.click(tid('switch-mode'));
    await a.page.fill('input[name=username]', 'alice');
    await a.page.fill('input[name=password]', 'password1');
    await a.page.click(tid('signup-submit'));
    const weak = await a.page.textContent(tid('auth-error'));
    assert.match(weak ?? '', /too easy to guess/);
    await shot(a.page, '02-signup-weak-password');
    await a.page.fill('input[name=password]', PASSWORD);
    await a.page.fill('input[name=displayName]', 'Alice');
    await a.page.click(tid('signup-submit'));
    await a.page.waitForSelector(tid('messenger'));
    await waitOnline(a.page);

    await b.page.goto('/');
    await b.page.click(tid('switch-mode'));
    await b.page.fill('input[name=username]', 'alice');
    await b.page.fill('input[name=password]', PASSWORD);
    await b.page.click(tid('signup-submit'));
    assert.match((await b.page.textContent(tid('auth-error'))) ?? '', /username is taken/);
    await b.page.click(tid('switch-mode'));
    await b.page.fill('input[name=username]', 'alice');
    await b.page.fill('input[name=password]', 'Wrong-password-123!');
    await b.page.click(tid('login-submit'));
    assert.match((await b.page.textContent(tid('auth-error'))) ?? '', /Wrong username or password/);
    await signUp(b.page, 'bob', PASSWORD);
    await waitOnline(b.page);
  });

  await step('two users chat both ways', async () => {
    await openDirect(a.page, 'bob');
    await send(a.page, 'Hi Bob, it is Alice');
    await b.page.waitForSelector(`${tid('chat-row')}[data-title="Alice"]`);
    await b.page.locator(tid('unread-badge')).first().waitFor();
    await openChat(b.page, 'Alice');
    await waitForText(b.page, 'Hi Bob, it is Alice');
    await send(b.page, 'Hello Alice! Bob here.');
    await waitForText(a.page, 'Hello Alice! Bob here.');
    await send(a.page, 'How are you?');
    await waitForText(b.page, 'How are you?');
    assert.deepEqual(await texts(b.page), ['Hi Bob, it is Alice', 'Hello Alice! Bob here.', 'How are you?']);
    // Read receipt: Bob has the chat open, so Alice's last message turns "read".
    await a.page.locator(`${tid('message')}[data-state="read"]`).last().waitFor();
    await shot(a.page, '03-conversation');
  });

  await step('a second device links by QR code and sees history and new messages live', async () => {
    const c = await newPage(browser, server.url);
    a2 = c.page;
    a2Context = c.context;
    await a2.goto('/');
    await a2.click(tid('link-with-device'));
    const payload = (await a2.locator(tid('link-payload')).textContent())?.trim() ?? '';
    assert.match(payload, /^parley:\/\/link\?v=1&/);
    await a2.locator(tid('link-qr')).waitFor();
    await shot(a2, '04-link-qr');

    await a.page.click(tid('open-settings'));
    await a.page.click(tid('settings-link'));
    await a.page.fill(tid('link-code-input'), payload);
    await shot(a.page, '05-link-a-device');
    await a.page.click(tid('link-approve'));
    await a.page.locator(tid('link-approved')).waitFor();

    await a2.waitForSelector(tid('messenger'));
    await waitOnline(a2);
    await openChat(a2, 'Bob');
    await waitForText(a2, 'How are you?');
    assert.deepEqual(await texts(a2), ['Hi Bob, it is Alice', 'Hello Alice! Bob here.', 'How are you?']);
    await send(b.page, 'Fine, thanks. New device?');
    await waitForText(a2, 'Fine, thanks. New device?');
    await a.page.click(tid('settings-back'));
    await a.page.click(tid('settings-back'));
    await openChat(a.page, 'Bob');
    await waitForText(a.page, 'Fine, thanks. New device?');
  });

  await step('messages typed offline are sent once, in order, when the connection returns', async () => {
    await a.context.setOffline(true);
    await a.page.waitForSelector(`${tid('connection-state')}[data-state="offline"]`);
    const batch = ['offline one', 'offline two', 'offline three'];
    for (const m of batch) await send(a.page, m);
    await eventually(async () => (await a.page.locator(`${tid('message')}[data-state="pending"]`).count()) === 3, 10000, 'three pending messages');
    await shot(a.page, '06-offline-outbox');
    await a.context.setOffline(false);
    for (const page of [a.page, b.page, a2!]) {
      await waitForText(page, 'offline three');
      await eventually(async () => (await a.page.locator(`${tid('message')}[data-state="pending"]`).count()) === 0, 15000, 'outbox drained');
      const all = await texts(page);
      for (const m of batch) assert.equal(all.filter((x) => x === m).length, 1, `${m} once`);
      assert.deepEqual(all.slice(-3), batch);
    }
    // And on the server: three messages, no duplicates.
    const bobClient = server.client();
    await bobClient.login({ username: 'bob', password: PASSWORD });
    const chats = await bobClient.chats();
    const history = await bobClient.history(chats.find((c) => c.type === 'direct')!.id, { limit: 50 });
    for (const m of batch) assert.equal(history.filter((h) => h.text === m).length, 1);
  });

  await step('a reload shows the chat list from the cache before the network answers', async () => {
    const page = b.page;
    await page.waitForTimeout(400); // let the cache write settle
    let apiAnswered = 0;
    const until = Date.now() + 60000;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    await page.route('**/api/**', async (route) => {
      await Promise.race([gate, new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())))]);
      await route.continue().catch(() => undefined); // requests of the page being unloaded are already gone
    });
    page.on('response', (r) => { if (r.url().includes('/api/')) apiAnswered++; });
    await page.reload();
    await page.locator(`${tid('chat-row')}[data-title="Alice"]`).waitFor({ timeout: 5000 });
    const preview = await page.locator(`${tid('chat-row')}[data-title="Alice"] ${tid('chat-preview')}`).textContent();
    assert.equal(apiAnswered, 0, 'no API answer before the list showed');
    assert.match(preview ?? '', /offline three/);
    await shot(page, '07-chat-list-from-cache');
    await page.waitForTimeout(1000);
    release();
    await page.unroute('**/api/**');
    await waitOnline(page);
    await openChat(page, 'Alice');
    await send(a.page, 'after reload');
    await waitForText(page, 'after reload');
  });

  await step('groups: create, members, rename, roles; channels: admins post, subscribers read', async () => {
    await a.page.click(tid('new-menu'));
    await a.page.click(tid('new-group'));
    await a.page.fill(tid('dialog-name'), 'Weekend trip');
    await a.page.fill(tid('dialog-members'), 'bob');
    await a.page.click(tid('dialog-submit'));
    await a.page.waitForSelector(`${tid('conversation-title')}:text-is("Weekend trip")`);
    await send(a.page, 'Who brings the tent?');
    await b.page.click(tid('open-settings')).catch(() => undefined);
    await b.page.goto('/');
    await openChat(b.page, 'Weekend trip');
    await waitForText(b.page, 'Who brings the tent?');
    await send(b.page, 'I do');
    await waitForText(a.page, 'I do');
    await a.page.click(tid('open-chat-info'));
    await a.page.locator(`${tid('member')}[data-username="bob"]`).waitFor();
    await a.page.click(`${tid('member')}[data-username="bob"] ${tid('make-admin')}`);
    await a.page.locator(`${tid('member')}[data-username="bob"] .role:text-is("admin")`).waitFor();
    await a.page.fill(tid('rename-input'), 'Mountain trip');
    await a.page.click(tid('rename-submit'));
    await shot(a.page, '08-group-info');
    await a.page.keyboard.press('Escape');
    await b.page.waitForSelector(`${tid('conversation-title')}:text-is("Mountain trip")`);

    await a.page.click(tid('new-menu'));
    await a.page.click(tid('new-channel'));
    await a.page.fill(tid('dialog-name'), 'Parley news');
    await a.page.click(tid('dialog-submit'));
    await a.page.waitForSelector(`${tid('conversation-title')}:text-is("Parley news")`);
    await send(a.page, 'First post');
    await a.page.click(tid('open-chat-info'));
    const link = (await a.page.locator(tid('channel-link')).textContent()) ?? '';
    await a.page.keyboard.press('Escape');
    await b.page.goto(new URL(link).pathname);
    await b.page.waitForSelector(`${tid('conversation-title')}:text-is("Parley news")`);
    await waitForText(b.page, 'First post');
    await b.page.locator(tid('composer-readonly')).waitFor();
    await send(a.page, 'Second post, live');
    await waitForText(b.page, 'Second post, live');
    await shot(b.page, '09-channel-subscriber');

    // Bob leaves the group: it disappears from his list.
    await openChat(b.page, 'Mountain trip');
    await b.page.click(tid('open-chat-info'));
    await b.page.click(tid('leave-chat'));
    await b.page.locator(`${tid('chat-row')}[data-title="Mountain trip"]`).waitFor({ state: 'detached' });
  });

  await step('a blocked user cannot message', async () => {
    await openChat(a.page, 'Bob');
    await a.page.click(tid('open-chat-info'));
    await a.page.click(tid('block-user'));
    await a.page.locator(tid('unblock-user')).waitFor();
    await a.page.keyboard.press('Escape');
    await a.page.locator(tid('composer-readonly')).waitFor();
    await openChat(b.page, 'Alice');
    await send(b.page, 'Can you hear me?');
    const failed = await b.page.locator(tid('message-failed')).first().textContent();
    assert.match(failed ?? '', /cannot message this user/);
    await shot(b.page, '10-blocked');
    const before = (await texts(a.page)).length;
    await a.page.waitForTimeout(300);
    assert.equal((await texts(a.page)).filter((x) => x === 'Can you hear me?').length, 0);
    assert.ok(before > 0);
  });

  await step('a revoked device is logged out', async () => {
    await a.page.click(tid('open-settings'));
    await shot(a.page, '11-settings');
    await a.page.click(tid('settings-devices'));
    await a.page.locator(`${tid('device')}[data-current="true"]`).waitFor();
    assert.equal(await a.page.locator(`${tid('device')}[data-current="true"]`).count(), 1);
    await shot(a.page, '12-devices');
    await a.page.locator(`${tid('device')}[data-current="false"] ${tid('revoke-device')}`).first().click();
    await a2!.waitForSelector(tid('auth-screen'));
    await a2!.locator(tid('logged-out')).waitFor();
    await a.page.locator(`${tid('device')}[data-current="false"]`).waitFor({ state: 'detached' });
    // The revoked device's cache is gone: logging in again starts clean and works.
    await logIn(a2!, 'alice', PASSWORD);
    await waitOnline(a2!);
    await a2Context?.close();
  });
});
