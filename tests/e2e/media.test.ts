/**
 * Media in the web client (issue 7), two real Chromiums with a fake microphone: a photo (progress bar
 * while its parts go up, the tiny preview at once, then the thumbnail on the other side, the viewer),
 * the photo as the original file twice (dedup: proof of possession, no part sent), a voice message
 * recorded in the browser and played by the other side, a video with a poster grabbed in the browser
 * that the other side seeks before it is all downloaded, drag-and-drop and paste, cancel, a dropped
 * connection, a reload mid-upload resumed from the server's parts, and a download with progress.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import { eventually, PASSWORD, startTestServer } from '../helpers/server.js';
import { gate, hasFfmpeg, holdContent, makeVideo, noisePhoto } from './media-helpers.js';
import { CHROMIUM, CHROMIUM_ARGS, missingPrerequisite, newPage, openChat, openDirect, send, shot, signUp, tid, waitForText, waitOnline } from './browser.js';

test('media in the web client: photo, dedup, voice, video, files with cancel, retry and resume', { timeout: 300000 }, async (t) => {
  const missing = missingPrerequisite();
  assert.equal(missing, undefined, `browser tests cannot run: ${missing}`);
  const server = await startTestServer('sqlite');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'] });
  t.after(async () => {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const dir = join(tmpdir(), `parley-media-e2e-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const a = await newPage(browser, server.url);
  const b = await newPage(browser, server.url);
  await a.context.grantPermissions(['microphone']);
  let failed = false;
  const step = (name: string, fn: (st: TestContext) => Promise<void>) => t.test(name, { skip: failed ? 'an earlier step failed' : false }, async (st) => {
    try {
      await fn(st);
    } catch (err) {
      failed = true;
      await Promise.all([a.page, b.page].map((p, i) => shot(p, `media-failed-${name.slice(0, 30).replace(/\W+/g, '-')}-${i}`).catch(() => undefined)));
      throw err;
    }
  });
  const parts = gate(a.page);
  const photoPath = join(dir, 'sunset.jpg');
  writeFileSync(photoPath, await noisePhoto(1400, 1000));

  await step('two users open a direct chat', async () => {
    await signUp(a.page, 'alice', PASSWORD);
    await signUp(b.page, 'bob', PASSWORD);
    await waitOnline(a.page);
    await waitOnline(b.page);
    await openDirect(a.page, 'bob');
    await send(a.page, 'Photo coming');
    await b.page.waitForSelector(`${tid('chat-row')}[data-title="Alice"]`);
    await openChat(b.page, 'Alice');
    await waitForText(b.page, 'Photo coming');
  });

  await step('a photo: progress bar while parts go up, thumbnail on the other side', async () => {
    parts.block();
    await a.page.setInputFiles(tid('attach-input'), photoPath);
    await a.page.locator(tid('send-media-dialog')).waitFor();
    assert.equal(await a.page.isChecked(tid('media-compress')), true, 'photos are compressed by default');
    await a.page.fill(tid('media-caption'), 'The sunset');
    await a.page.click(tid('media-send'));
    await a.page.locator(`${tid('upload-row')}[data-phase="uploading"] ${tid('upload-progress')}`).waitFor();
    await shot(a.page, 'media-upload-progress');
    // Bob's thumbnail download waits until the tiny preview has been seen in its place.
    const letGo = await holdContent(b.page);
    parts.release();
    await a.page.locator(tid('upload-row')).waitFor({ state: 'detached' });
    assert.ok(parts.count() >= 1, 'the photo went up in parts');
    await waitForText(b.page, 'The sunset');
    await b.page.locator(`${tid('media-photo')}[data-loaded="false"] img.media-preview`).waitFor();
    for (const page of [a.page, b.page]) {
      const preview = await page.evaluate(() => {
        const store = (globalThis as unknown as { parley: { messages: Map<number, Array<{ media: { preview?: string } | null }>> } }).parley;
        return [...store.messages.values()].flat().find((m) => m.media)?.media?.preview ?? '';
      });
      assert.match(preview, /^data:image\//, 'the message carries its tiny preview');
      assert.ok(Buffer.from(preview.split(',')[1] ?? '', 'base64').length <= 1024, 'the preview is at most 1 KB');
    }
    letGo();
    await b.page.locator(`${tid('media-photo')}[data-loaded="true"]`).waitFor();
    const natural = await b.page.locator(tid('media-thumb')).evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    assert.ok(natural > 0, 'the thumbnail decoded');
    await shot(b.page, 'media-photo-received');
  });

  await step('the viewer opens the full photo', async () => {
    await b.page.click(tid('media-photo'));
    await b.page.locator(`${tid('viewer-image')}[data-loaded="true"]`).waitFor();
    await b.page.click(tid('viewer-close'));
  });

  await step('the photo as the original file, then again: dedup with proof of possession, no part sent', async () => {
    await a.page.setInputFiles(tid('attach-input'), photoPath);
    await a.page.uncheck(tid('media-compress'));
    await a.page.fill(tid('media-caption'), 'Original');
    await a.page.click(tid('media-send'));
    await waitForText(b.page, 'Original');
    const before = parts.count();
    await a.page.setInputFiles(tid('attach-input'), photoPath);
    await a.page.uncheck(tid('media-compress'));
    await a.page.fill(tid('media-caption'), 'Again');
    await a.page.click(tid('media-send'));
    await waitForText(b.page, 'Again');
    assert.equal(parts.count(), before, 'no content bytes on a dedup re-send');
  });

  await step('a voice message recorded with the fake microphone plays on the other side', async () => {
    await a.page.click(tid('record-voice'));
    await a.page.locator(tid('recording')).waitFor();
    // Let the fake microphone produce a little more than a second of sound.
    await a.page.locator(tid('recording')).filter({ hasText: /0:0[1-9]/ }).waitFor();
    await a.page.click(tid('record-send'));
    const voice = b.page.locator(tid('media-voice')).last();
    await voice.waitFor();
    const bars = await voice.locator(`${tid('voice-wave')} span`).count();
    assert.ok(bars > 10, 'the waveform has bars');
    await voice.locator(tid('voice-play')).click();
    const audio = voice.locator(tid('voice-audio'));
    await eventually(async () => (await audio.evaluate((el) => (el as unknown as { currentTime: number }).currentTime)) > 0, 15000, 'the voice message to play');
    await shot(b.page, 'media-voice-playing');
  });

  await step('a video: poster grabbed in the browser, the other side seeks before it is all downloaded', async (st) => {
    if (!hasFfmpeg()) return st.skip('ffmpeg is missing (npm test installs it as root)');
    const videoPath = join(dir, 'clip.webm');
    makeVideo(videoPath);
    const ranges: string[] = [];
    b.page.on('request', (r) => { if (r.url().includes('/content')) ranges.push(r.headers().range ?? ''); });
    await a.page.setInputFiles(tid('attach-input'), videoPath);
    await a.page.fill(tid('media-caption'), 'The clip');
    await a.page.click(tid('media-send'));
    await waitForText(b.page, 'The clip');
    const video = b.page.locator(tid('video-element')).last();
    await video.waitFor();
    assert.ok(await video.getAttribute('poster'), 'the video shows a poster');
    const state = () => video.evaluate((el) => {
      const v = el as unknown as { readyState: number; duration: number; currentTime: number; buffered: { length: number; end(i: number): number } };
      return { ready: v.readyState, duration: v.duration, time: v.currentTime, bufferedEnd: v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0 };
    });
    await eventually(async () => (await state()).ready >= 1, 15000, 'video metadata');
    const before = await state();
    assert.ok(before.bufferedEnd < before.duration, `not all downloaded yet (${before.bufferedEnd} of ${before.duration} s)`);
    await video.evaluate((el) => { (el as unknown as { currentTime: number }).currentTime = 9; });
    await eventually(async () => { const s = await state(); return s.ready >= 2 && Math.abs(s.time - 9) < 0.5; }, 15000, 'the seek to 9 s');
    assert.ok(ranges.some((r) => /^bytes=[1-9]\d*-/.test(r)), `a Range request from the middle (${ranges.join(', ')})`);
    await shot(b.page, 'media-video-seeked');
  });

  await step('a file dropped on the conversation, and a file pasted in the composer, open the send dialog', async () => {
    type Dt = { items: { add(f: unknown): void } };
    const make = (name: string, text: string, type: string) => a.page.evaluateHandle(([n, t, ty]) => {
      const g = globalThis as unknown as { DataTransfer: new () => Dt; File: new (parts: string[], name: string, o: { type: string }) => unknown };
      const dt = new g.DataTransfer();
      dt.items.add(new g.File([t], n, { type: ty }));
      return dt;
    }, [name, text, type] as const);
    const dropped = await make('dropped.txt', 'hello from a drop', 'text/plain');
    await a.page.dispatchEvent(tid('conversation'), 'dragenter', { dataTransfer: dropped });
    await a.page.locator(tid('drop-zone')).waitFor();
    await a.page.dispatchEvent(tid('conversation'), 'drop', { dataTransfer: dropped });
    await a.page.locator(tid('send-media-dialog')).waitFor();
    assert.equal(await a.page.locator(tid('drop-zone')).count(), 0, 'the drop zone goes away');
    await a.page.click(tid('media-send'));
    await b.page.locator(tid('media-file'), { hasText: 'dropped.txt' }).waitFor();
    const pasted = await make('pasted.txt', 'hello from the clipboard', 'text/plain');
    await a.page.locator(tid('composer-input')).evaluate((el, dt) => {
      const g = globalThis as unknown as { ClipboardEvent: new (type: string, init: { clipboardData: unknown; bubbles: boolean; cancelable: boolean }) => unknown };
      (el as unknown as { dispatchEvent(e: unknown): boolean }).dispatchEvent(new g.ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, pasted);
    await a.page.locator(tid('send-media-dialog')).waitFor();
    await a.page.click(tid('media-send'));
    await b.page.locator(tid('media-file'), { hasText: 'pasted.txt' }).waitFor();
  });

  await step('an upload can be cancelled: nothing is sent', async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'not to be sent\n'.repeat(1000));
    parts.block();
    await a.page.setInputFiles(tid('attach-input'), path);
    await a.page.click(tid('media-send'));
    await a.page.locator(`${tid('upload-row')}[data-phase="uploading"]`).waitFor();
    await a.page.click(tid('upload-cancel'));
    await a.page.locator(tid('upload-row')).waitFor({ state: 'detached' });
    parts.release();
    await send(a.page, 'After the cancel');
    await waitForText(b.page, 'After the cancel');
    assert.equal(await b.page.locator(tid('media-file'), { hasText: 'notes.txt' }).count(), 0, 'the cancelled file never arrived');
  });

  await step('a large file survives a dropped connection (3 parallel parts, retried when back online)', async () => {
    const path = join(dir, 'dataset.bin');
    writeFileSync(path, randomBytes(20 * 1024 * 1024));
    parts.block(1, 'fail');
    const first = a.page.waitForResponse((r) => r.url().includes('/parts/') && r.request().method() === 'PUT' && r.status() === 204);
    await a.page.setInputFiles(tid('attach-input'), path);
    await a.page.click(tid('media-send'));
    await first;
    await a.page.locator(`${tid('upload-row')}[data-phase="retrying"]`).waitFor();
    await a.context.setOffline(true);
    await shot(a.page, 'media-upload-retrying');
    parts.release();
    await a.context.setOffline(false);
    await b.page.locator(tid('media-file'), { hasText: 'dataset.bin' }).waitFor({ timeout: 60000 });
  });

  await step('a smaller file interrupted by a reload resumes by itself (its bytes were kept in IndexedDB)', async () => {
    const path = join(dir, 'slides.bin');
    writeFileSync(path, randomBytes(12 * 1024 * 1024));
    parts.block(1);
    const stored = a.page.waitForResponse((r) => r.url().includes('/parts/') && r.request().method() === 'PUT' && r.status() === 204);
    await a.page.setInputFiles(tid('attach-input'), path);
    await a.page.click(tid('media-send'));
    await stored;
    await a.page.reload();
    const before = parts.count();
    parts.release();
    await b.page.locator(tid('media-file'), { hasText: 'slides.bin' }).waitFor({ timeout: 60000 });
    assert.equal(parts.count() - before, 1, `only the missing part was sent after the reload: ${parts.urls.slice(before).join(' ')}`);
  });

  await step('a file interrupted by a reload resumes from the parts the server has, after the user picks it again', async () => {
    const bigPath = join(dir, 'archive.bin');
    // 5 parts of 8 MB; above the size the client keeps in IndexedDB, so the user picks it again.
    const big = randomBytes(36 * 1024 * 1024);
    writeFileSync(bigPath, big);
    parts.block(2);
    const stored = [0, 1].map(() => a.page.waitForResponse((r) => r.url().includes('/parts/') && r.request().method() === 'PUT' && r.status() === 204));
    await a.page.setInputFiles(tid('attach-input'), bigPath);
    await a.page.click(tid('media-send'));
    await Promise.all(stored);
    await a.page.reload();
    const before = parts.count();
    parts.release();
    await a.page.locator(`${tid('upload-row')}[data-phase="needs-file"]`).waitFor();
    await shot(a.page, 'media-resume-needs-file');
    await a.page.setInputFiles(tid('upload-repick'), bigPath);
    await b.page.locator(tid('media-file'), { hasText: 'archive.bin' }).waitFor({ timeout: 60000 });
    assert.equal(parts.count() - before, 3, `only the 3 missing parts were sent after the reload: ${parts.urls.join(' ')}`);
  });

  await step('the other side downloads the file with a progress bar', async () => {
    const card = b.page.locator(tid('media-file'), { hasText: 'archive.bin' });
    // Hold the download until its progress bar has been seen.
    const letGo = await holdContent(b.page);
    const downloaded = b.page.waitForEvent('download');
    await card.locator(tid('file-download')).click();
    await card.locator(tid('download-progress')).waitFor();
    letGo();
    const download = await downloaded;
    await card.locator(tid('download-progress')).waitFor({ state: 'detached' });
    const saved = join(dir, 'downloaded.bin');
    await download.saveAs(saved);
    assert.ok(readFileSync(saved).equals(readFileSync(join(dir, 'archive.bin'))), 'the downloaded file is the sent file');
  });
});
