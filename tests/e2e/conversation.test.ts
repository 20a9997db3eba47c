/**
 * Conversation features of the web client in a real Chromium (issue 3): reply, edit, delete for me
 * and for everyone, forward, typing indicator, drafts following the user to another device,
 * languages, and password change from Settings. Screenshots go to test-output/screenshots/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { eventually, PASSWORD } from '../helpers/server.js';
import { browserTest, logIn, newPage, openChat, openDirect, send, shot, signUp, tid, waitForText, waitOnline } from './browser.js';

const NEW_PASSWORD = 'glacier-Mango-47-quietly';

/** The message bubble whose text is exactly `text` (a reply quote holding the text does not match). */
function message(page: Page, text: string): Locator {
  return page.locator(tid('message')).filter({ has: page.locator(`${tid('message-text')}:text-is(${JSON.stringify(text)})`) });
}

/** Opens the action menu of a sent (not pending) message by right-clicking it. */
async function menuOf(page: Page, text: string): Promise<void> {
  const m = message(page, text);
  await m.and(page.locator('[data-state]:not([data-state="pending"])')).waitFor();
  await m.locator('.bubble').click({ button: 'right' });
  await page.locator(tid('message-menu')).waitFor();
}

test('web client conversation features in Chromium', { timeout: 300000 }, async (t) => {
  const { server, browser } = await browserTest(t);
  const a = await newPage(browser, server.url);
  const b = await newPage(browser, server.url);
  const a2 = await newPage(browser, server.url);
  let failed = false;
  const step = (name: string, fn: () => Promise<void>) => t.test(name, { skip: failed ? 'an earlier step failed' : false }, async () => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      const pages = [a.page, b.page, a2.page];
      await Promise.all(pages.map((p, i) => shot(p, `conv-failed-${name.slice(0, 30).replace(/\W+/g, '-')}-${i}`).catch(() => undefined)));
      throw err;
    }
  });
  const bob = server.client();
  let directId = 0;

  await step('two users open a direct chat', async () => {
    await signUp(a.page, 'alice', PASSWORD);
    await signUp(b.page, 'bob', PASSWORD);
    await waitOnline(a.page);
    await waitOnline(b.page);
    await openDirect(a.page, 'bob');
    await send(a.page, 'Hi Bob');
    await b.page.waitForSelector(`${tid('chat-row')}[data-title="Alice"]`);
    await openChat(b.page, 'Alice');
    await waitForText(b.page, 'Hi Bob');
    await bob.login({ username: 'bob', password: PASSWORD });
    directId = (await bob.chats()).find((c) => c.type === 'direct')!.id;
  });

  await step('reply: the answer quotes the message it replies to, on both sides', async () => {
    await send(b.page, 'Lunch at noon?');
    await waitForText(a.page, 'Lunch at noon?');
    await menuOf(a.page, 'Lunch at noon?');
    await a.page.click(tid('menu-reply'));
    await a.page.locator(tid('composer-context'), { hasText: 'Lunch at noon?' }).waitFor();
    await shot(a.page, 'c01-replying');
    await send(a.page, 'Yes, see you there');
    await a.page.locator(tid('composer-context')).waitFor({ state: 'detached' });
    for (const page of [a.page, b.page]) {
      await message(page, 'Yes, see you there').locator('.reply-quote', { hasText: 'Lunch at noon?' }).waitFor();
    }
    const history = await bob.history(directId);
    const question = history.find((m) => m.text === 'Lunch at noon?')!;
    assert.equal(history.find((m) => m.text === 'Yes, see you there')?.replyToId, question.id);
    await shot(b.page, 'c02-reply-received');
  });

  await step('edit: the new text and the edited mark reach the other user', async () => {
    await menuOf(a.page, 'Yes, see you there');
    await a.page.click(tid('menu-edit'));
    await a.page.locator(tid('composer-context')).waitFor();
    // The text to edit lands in the box on the next render, so wait for it rather than read once.
    await eventually(async () => (await a.page.inputValue(tid('composer-input'))) === 'Yes, see you there', 15000, 'the message text in the composer');
    await send(a.page, 'Yes, see you at 12:30');
    for (const page of [a.page, b.page]) {
      const edited = message(page, 'Yes, see you at 12:30');
      await edited.locator('.edited').waitFor();
      await message(page, 'Yes, see you there').waitFor({ state: 'detached' });
    }
    // Edited in place: still one message, still a reply.
    const history = await bob.history(directId);
    assert.equal(history.filter((m) => m.text.startsWith('Yes, see you')).length, 1);
    assert.ok(history.find((m) => m.text === 'Yes, see you at 12:30')?.editedAt);
    await shot(b.page, 'c03-edited');
  });

  await step('delete for me hides a message on my side only', async () => {
    await send(b.page, 'Bring an umbrella');
    await waitForText(a.page, 'Bring an umbrella');
    await menuOf(a.page, 'Bring an umbrella');
    await a.page.click(tid('menu-delete-me'));
    await message(a.page, 'Bring an umbrella').waitFor({ state: 'detached' });
    // Bob still has it, in his browser and on the server.
    assert.equal(await message(b.page, 'Bring an umbrella').count(), 1);
    assert.equal((await bob.history(directId)).filter((m) => m.text === 'Bring an umbrella').length, 1);
    // And Alice's reload does not bring it back.
    await a.page.reload();
    await a.page.locator(tid('conversation')).waitFor();
    await waitForText(a.page, 'Yes, see you at 12:30');
    // The cache is written shortly after a change; once caught up with the server it must be gone.
    await waitOnline(a.page);
    await eventually(async () => (await message(a.page, 'Bring an umbrella').count()) === 0, 15000, 'the hidden message to stay hidden after reload');
  });

  await step('delete for everyone removes the message on both sides', async () => {
    await waitOnline(a.page);
    await send(a.page, 'Oops, wrong chat');
    await waitForText(b.page, 'Oops, wrong chat');
    await menuOf(a.page, 'Oops, wrong chat');
    await shot(a.page, 'c04-message-menu');
    await a.page.click(tid('menu-delete-all'));
    for (const page of [a.page, b.page]) await message(page, 'Oops, wrong chat').waitFor({ state: 'detached' });
    assert.equal((await bob.history(directId)).filter((m) => m.text === 'Oops, wrong chat').length, 0);
  });

  await step('forward: a message goes to another chat marked as forwarded', async () => {
    await a.page.click(tid('new-menu'));
    await a.page.click(tid('new-group'));
    await a.page.fill(tid('dialog-name'), 'Lunch crew');
    await a.page.fill(tid('dialog-members'), 'bob');
    await a.page.click(tid('dialog-submit'));
    await a.page.waitForSelector(`${tid('conversation-title')}:text-is("Lunch crew")`);
    await openChat(a.page, 'Bob');
    await menuOf(a.page, 'Lunch at noon?');
    await a.page.click(tid('menu-forward'));
    await a.page.click(`${tid('forward-target')}[data-title="Lunch crew"]`);
    await a.page.waitForSelector(`${tid('conversation-title')}:text-is("Lunch crew")`);
    await message(a.page, 'Lunch at noon?').locator('.fwd').waitFor();
    await b.page.waitForSelector(`${tid('chat-row')}[data-title="Lunch crew"]`);
    await openChat(b.page, 'Lunch crew');
    const fwd = message(b.page, 'Lunch at noon?').locator('.fwd');
    await fwd.waitFor();
    assert.match((await fwd.textContent()) ?? '', /Forwarded · Bob/);
    await shot(b.page, 'c05-forwarded');
  });

  await step('typing: the other user sees "is typing…" while I type', async () => {
    await openChat(a.page, 'Bob');
    await openChat(b.page, 'Alice');
    await a.page.fill(tid('composer-input'), 'Let me think');
    await b.page.locator(`${tid('conversation-status')}.typing`, { hasText: 'Alice is typing…' }).waitFor();
    await shot(b.page, 'c06-typing');
    await a.page.fill(tid('composer-input'), '');
  });

  await step("a draft typed on one device appears on the user's other device", async () => {
    // Chat views carry their last message: logging in asks for no history until a chat is opened.
    const historyCalls: string[] = [];
    const onRequest = (r: { url(): string; method(): string }) => { if (r.method() === 'GET' && /\/api\/v1\/chats\/\d+\/messages/.test(r.url())) historyCalls.push(r.url()); };
    a2.page.on('request', onRequest);
    await logIn(a2.page, 'alice', PASSWORD);
    await waitOnline(a2.page);
    // The preview skips the message Alice deleted for herself and the one deleted for everyone.
    await a2.page.locator(`${tid('chat-row')}[data-title="Bob"] ${tid('chat-preview')}`, { hasText: 'You: Yes, see you at 12:30' }).waitFor();
    await a2.page.locator(`${tid('chat-row')}[data-title="Lunch crew"] ${tid('chat-preview')}`, { hasText: 'Lunch at noon?' }).waitFor();
    assert.deepEqual(historyCalls, [], 'no per-chat history call after login');
    a2.page.off('request', onRequest);
    await a.page.fill(tid('composer-input'), 'Remember the map');
    await a2.page.locator(`${tid('chat-row')}[data-title="Bob"] ${tid('chat-preview')}`, { hasText: 'Draft: Remember the map' }).waitFor();
    await shot(a2.page, 'c07-draft-in-list');
    await openChat(a2.page, 'Bob');
    await eventuallyValue(a2.page, 'Remember the map');
    // Sending it from the first device clears the draft and delivers the message to both devices.
    await a.page.press(tid('composer-input'), 'Enter');
    await waitForText(a2.page, 'Remember the map');
    await waitForText(b.page, 'Remember the map');
  });

  await step('switching language changes the visible labels (Italian, French, German)', async () => {
    const page = b.page;
    await page.click(tid('open-settings'));
    const heading = page.locator(`${tid('settings')} h2`);
    const expected: Array<[string, string, string, string]> = [
      ['it', 'Impostazioni', 'Profilo', 'Esci'],
      ['fr', 'Paramètres', 'Profil', 'Se déconnecter'],
      ['de', 'Einstellungen', 'Profil', 'Abmelden'],
    ];
    for (const [lang, settings, profile, logout] of expected) {
      await page.selectOption(tid('language-select'), lang);
      await page.locator(`${tid('settings')} h2:text-is("${settings}")`).waitFor();
      assert.equal((await page.textContent(tid('settings-profile')))?.trim(), profile);
      assert.equal((await page.textContent(tid('logout')))?.trim(), logout);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      await shot(page, `c08-settings-${lang}`);
    }
    assert.equal(await heading.textContent(), 'Einstellungen');
    // The choice survives a reload and applies to the conversation too.
    await page.click(tid('settings-back'));
    await openChat(page, 'Alice');
    assert.equal(await page.getAttribute(tid('composer-input'), 'placeholder'), 'Nachricht');
    await page.reload();
    await page.locator(tid('composer-input')).waitFor();
    assert.equal(await page.getAttribute(tid('composer-input'), 'placeholder'), 'Nachricht');
    assert.equal(await page.getAttribute(tid('chat-search'), 'placeholder'), 'Suchen');
    await shot(page, 'c09-conversation-de');
    await page.click(tid('open-settings'));
    await page.selectOption(tid('language-select'), 'en');
    await page.locator(`${tid('settings')} h2:text-is("Settings")`).waitFor();
    await page.click(tid('settings-back'));
  });

  await step('password change through Settings: errors shown, other device logged out, new password works', async () => {
    const page = a.page;
    await page.click(tid('open-settings'));
    await page.click(tid('settings-profile'));
    await page.fill(tid('current-password'), 'Wrong-password-123!');
    await page.fill(tid('new-password'), NEW_PASSWORD);
    await page.click(tid('password-submit'));
    await page.locator(tid('password-error'), { hasText: 'The current password is wrong' }).waitFor();
    await page.fill(tid('current-password'), PASSWORD);
    await page.fill(tid('new-password'), 'password1');
    await page.click(tid('password-submit'));
    await page.locator(tid('password-error'), { hasText: 'too easy to guess' }).waitFor();
    await shot(page, 'c10-password-weak');
    await page.fill(tid('new-password'), NEW_PASSWORD);
    await page.click(tid('password-submit'));
    await page.locator(tid('password-changed'), { hasText: 'Devices logged out: 1' }).waitFor();
    assert.equal(await page.locator(tid('password-error')).count(), 0);
    await shot(page, 'c11-password-changed');
    // The other device is logged out at once; this one keeps working.
    await a2.page.waitForSelector(tid('auth-screen'));
    await a2.page.locator(tid('logged-out')).waitFor();
    await page.click(tid('settings-back'));
    await page.click(tid('settings-back'));
    await openChat(page, 'Bob');
    await send(page, 'Still here after the change');
    await b.page.locator(`${tid('chat-row')}[data-title="Alice"] ${tid('chat-preview')}`, { hasText: 'Still here after the change' }).waitFor();
    // The old password no longer logs in; the new one does.
    await a2.page.fill('input[name=username]', 'alice');
    await a2.page.fill('input[name=password]', PASSWORD);
    await a2.page.click(tid('login-submit'));
    await a2.page.locator(tid('auth-error'), { hasText: 'Wrong username or password' }).waitFor();
    await logIn(a2.page, 'alice', NEW_PASSWORD);
    await waitOnline(a2.page);
    await openChat(a2.page, 'Bob');
    await waitForText(a2.page, 'Still here after the change');
  });
});

/** Waits until the composer holds `value` (a draft arrives through the update channel). */
async function eventuallyValue(page: Page, value: string): Promise<void> {
  await eventually(async () => (await page.inputValue(tid('composer-input'))) === value, 15000, `composer to hold ${JSON.stringify(value)}`);
}
