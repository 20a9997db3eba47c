/** Helpers of tests/e2e/media.test.ts: test files, and holding or failing the media requests of a page. */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Page, Route } from 'playwright-core';

const PARTS = '**/api/v1/media/uploads/*/parts/*';

/** A JPEG of noise (does not compress: several hundred KB of real pixels). */
export async function noisePhoto(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** Part uploads of a page: counted; while blocked (after `passing` more) held back, or failed as a reset connection. */
export function gate(page: Page): { count: () => number; urls: string[]; release(): void; block(passing?: number, how?: 'hold' | 'fail'): void } {
  let open = true;
  let fail = false;
  let pass = 0;
  let n = 0;
  const held: Route[] = [];
  const urls: string[] = [];
  void page.route(PARTS, (route) => {
    n++;
    urls.push(route.request().url().replace(/.*uploads\//, ''));
    if (open || pass-- > 0) void route.continue().catch(() => undefined);
    else if (fail) void route.abort('connectionreset').catch(() => undefined);
    else held.push(route);
  });
  return {
    count: () => n,
    urls,
    block: (passing = 0, how = 'hold') => { open = false; pass = passing; fail = how === 'fail'; },
    release: () => {
      open = true;
      // Routes held by a page that was reloaded since are gone: ignore their failure.
      for (const r of held.splice(0)) void r.continue().catch(() => undefined);
    },
  };
}

/** Holds the page's media downloads (signed content URLs) until the returned function is called. */
export async function holdContent(page: Page): Promise<() => void> {
  let letGo: () => void = () => undefined;
  const held = new Promise<void>((r) => { letGo = r; });
  await page.route('**/api/v1/media/*/content?*', async (route) => {
    await held;
    await route.continue().catch(() => undefined);
  });
  return letGo;
}

export function hasFfmpeg(): boolean {
  return spawnSync('sh', ['-c', 'command -v ffmpeg'], { stdio: 'ignore' }).status === 0;
}

/** 12 s of noisy test pattern in WebM (about 6 MB, so it is not fetched in one go), a key frame each second. */
export function makeVideo(path: string): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=480x270:rate=25', '-t', '12', '-vf', 'noise=alls=30:allf=t',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '4M', '-g', '25', '-f', 'webm', path]);
}
