/**
 * "Link a device" reads the new device's QR code without BarcodeDetector (Debian's Chromium has
 * none): from a chosen picture and from the camera, both decoded by jsQR, which is loaded only when
 * first needed. The camera is Chromium's fake capture device playing a Y4M file of the QR code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PASSWORD } from '../helpers/server.js';
import { CHROMIUM, CHROMIUM_ARGS, browserTest, logIn, newPage, shot, tid, waitOnline } from './browser.js';

const FRAME_W = 640;
const FRAME_H = 480;

/** Opens the "Link with a logged-in device" screen and waits for its QR code. */
async function showLinkQr(page: Page): Promise<void> {
  await page.goto('/');
  await page.click(tid('link-with-device'));
  await page.locator(tid('link-qr')).waitFor();
}

/** The page ends up logged in as `username`: the messenger shows and Settings names the account. */
async function assertLoggedInAs(page: Page, username: string): Promise<void> {
  await page.waitForSelector(tid('messenger'));
  await waitOnline(page);
  await page.click(tid('open-settings'));
  await page.locator('.profile-card', { hasText: `@${username}` }).waitFor();
}

/** The QR image of `page`, centred on a white FRAME_W×FRAME_H frame, as luma bytes (0–255). */
async function qrLuma(page: Page): Promise<Uint8Array> {
  const luma = await page.evaluate(`(() => {
    const img = document.querySelector('[data-testid="link-qr"]');
    const c = document.createElement('canvas');
    c.width = ${FRAME_W}; c.height = ${FRAME_H};
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, c.width, c.height);
    const side = 360;
    ctx.drawImage(img, (c.width - side) / 2, (c.height - side) / 2, side, side);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const out = [];
    for (let i = 0; i < d.length; i += 4) out.push(Math.round(0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]));
    return out;
  })()`) as number[];
  return Uint8Array.from(luma);
}

/** A grey-scale 4:2:0 YUV4MPEG2 clip of `frames` identical frames. */
function y4m(luma: Uint8Array, width: number, height: number, frames = 2): Buffer {
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), Buffer.from(luma), chroma]);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), ...Array.from({ length: frames }, () => frame)]);
}

test('link a device by QR code without BarcodeDetector', { timeout: 180000 }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'parley-qr-'));
  let cameraBrowser: Browser | undefined;
  const { server, browser } = await browserTest(t, async () => {
    await cameraBrowser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  await server.user('alice');
  const a = await newPage(browser, server.url);
  const jsqrRequests: string[] = [];
  a.page.on('request', (r) => { if (/\/assets\/jsQR[^/]*\.js$/.test(r.url())) jsqrRequests.push(r.url()); });

  await t.test('a picture of the QR code links the new device', async () => {
    await logIn(a.page, 'alice', PASSWORD);
    await waitOnline(a.page);
    assert.equal(await a.page.evaluate('typeof window.BarcodeDetector'), 'undefined', 'this Chromium has no BarcodeDetector, so jsQR is what is tested');
    await a.page.click(tid('open-settings'));
    await a.page.click(tid('settings-link'));
    await a.page.locator(tid('link-qr-file')).waitFor({ state: 'attached' });
    assert.deepEqual(jsqrRequests, [], 'the QR decoder is not loaded before it is needed');

    // A picture without a QR code: a clear error, nothing approved.
    const noQr = await a.page.screenshot({ type: 'png' });
    await a.page.setInputFiles(tid('link-qr-file'), { name: 'settings.png', mimeType: 'image/png', buffer: noQr });
    await a.page.locator(tid('link-error')).waitFor();
    assert.match((await a.page.textContent(tid('link-error'))) ?? '', /No link code found/);
    assert.equal(jsqrRequests.length, 1, 'the decoder chunk loads on first use');

    const b = await newPage(browser, server.url);
    await showLinkQr(b.page);
    const png = await b.page.locator(tid('link-qr')).screenshot({ type: 'png' });
    await a.page.setInputFiles(tid('link-qr-file'), { name: 'qr.png', mimeType: 'image/png', buffer: png });
    await a.page.locator(tid('link-approved')).waitFor();
    await assertLoggedInAs(b.page, 'alice');
    await shot(a.page, 'qr-file-approved');
    await b.context.close();
  });

  await t.test('the camera (jsQR over video frames) links the new device', async () => {
    const b = await newPage(browser, server.url);
    await showLinkQr(b.page);
    const video = join(tmp, 'qr.y4m');
    writeFileSync(video, y4m(await qrLuma(b.page), FRAME_W, FRAME_H));
    cameraBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
    });
    const cam = await newPage(cameraBrowser, server.url);
    await logIn(cam.page, 'alice', PASSWORD);
    await cam.page.click(tid('open-settings'));
    await cam.page.click(tid('settings-link'));
    await cam.page.click(tid('scan-toggle'));
    await cam.page.locator(tid('link-approved')).waitFor({ timeout: 30000 });
    // The scanner closed itself and let go of the camera.
    await cam.page.locator(tid('scanner')).waitFor({ state: 'detached' });
    await assertLoggedInAs(b.page, 'alice');
    await b.context.close();
  });
});
