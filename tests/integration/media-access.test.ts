import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { BACKENDS } from '../helpers/backends.js';
import { Collector, type TestServer } from '../helpers/server.js';
import { OffsetClock, rejectsWith, startClockedTestServer } from '../helpers/auth.js';
import type { ParleyClient } from '../../src/client/index.js';
import type { ChatView, MediaView } from '../../src/protocol/views.js';
import { mediaFiles, mediaRows, noise, photo, pngBomb, sha256 } from './media-fixtures.js';

/** Issue 7: who may fetch media, range streaming, thumbnails and previews, garbage collection. */
for (const backend of BACKENDS) {
  describe(`media access and streaming [${backend}]`, () => {
    const clock = new OffsetClock();
    let t: TestServer;
    let alice: ParleyClient;
    let bob: ParleyClient;
    let eve: ParleyClient;
    let bobId: number;
    let group: ChatView;
    let pic: MediaView;
    let clip: { media: MediaView; data: Uint8Array };

    before(async () => {
      t = await startClockedTestServer(backend, clock, { media: { partSize: 64 * 1024, maxImagePixels: 40_000_000 } });
      alice = (await t.user('alice')).client;
      const b = await t.user('bob');
      bob = b.client;
      bobId = b.session.account.id;
      eve = (await t.user('eve')).client;
      group = await alice.createGroup('pics', [bobId]);
      pic = (await alice.uploadMedia({ data: await photo(1600, 1000), name: 'IMG_1.jpg', mime: 'image/jpeg', kind: 'photo' })).media;
      const data = noise(300_000);
      clip = { media: (await alice.uploadMedia({ data, name: 'clip.webm', mime: 'video/webm', kind: 'video', durationMs: 4000, posterUploadMediaId: pic.id })).media, data };
    });
    after(async () => t.close());

    it('photos get a WebP thumbnail and a preview of at most 1 KB that travels in the message update', async () => {
      assert.equal(pic.mime, 'image/jpeg');
      assert.deepEqual([pic.width, pic.height, pic.hasThumb], [1600, 1000, true]);
      assert.match(pic.preview ?? '', /^data:image\/webp;base64,/);
      const previewBytes = Buffer.from(pic.preview!.split(',')[1]!, 'base64');
      assert.ok(previewBytes.length <= 1024, `preview is ${previewBytes.length} bytes`);
      assert.equal((await sharp(previewBytes).metadata()).format, 'webp');
      const thumb = Buffer.from(await (await fetch((await alice.mediaUrl(pic.id, 'thumb')).url)).arrayBuffer());
      const meta = await sharp(thumb).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 320, 200]);
      const m = await alice.send(group.id, '', { mediaId: pic.id });
      assert.deepEqual(m.media, pic);
      assert.equal((await bob.history(group.id))[0]!.media?.preview, pic.preview);
      // The video borrowed the poster's thumbnail and preview.
      assert.deepEqual([clip.media.hasThumb, clip.media.preview, clip.media.width], [true, pic.preview, 1600]);
    });

    it('voice notes keep duration and waveform; the media arrives inside the message.new update', async () => {
      const col = new Collector();
      const stream = bob.connect({ onUpdate: col.onUpdate });
      try {
        const waveform = Array.from({ length: 100 }, (_, i) => i % 32);
        const voice = (await alice.uploadMedia({ data: noise(9000), name: 'voice.ogg', mime: 'audio/ogg;codecs=opus', kind: 'voice', durationMs: 5230, waveform })).media;
        assert.deepEqual([voice.durationMs, voice.waveform, voice.hasThumb, voice.mime], [5230, waveform, false, 'audio/ogg;codecs=opus']);
        await rejectsWith(alice.mediaUrl(voice.id, 'thumb'), 'media_not_found', 404);
        await alice.send(group.id, '', { mediaId: voice.id });
        await col.waitFor((us) => us.some((u) => u.type === 'message.new' && u.data.message.media?.id === voice.id), 20000, 'voice update');
        const u = col.updates.find((x) => x.type === 'message.new' && x.data.message.media?.id === voice.id);
        assert.ok(u && u.type === 'message.new');
        assert.deepEqual(u.data.message.media, voice);
        const res = await fetch((await bob.mediaUrl(voice.id)).url, { headers: { range: 'bytes=0-' } });
        assert.deepEqual([res.status, res.headers.get('content-type'), res.headers.get('content-disposition')?.split(';')[0]], [206, 'audio/ogg;codecs=opus', 'inline']);
        await res.arrayBuffer();
        // Text stays required without media.
        await rejectsWith(alice.send(group.id, '  '), 'message_invalid', 400);
      } finally {
        stream.close();
      }
    });

    it('"compressed" photos are re-encoded and resized; bombs and non-images are refused and nothing stays', async () => {
      const big = await alice.uploadMedia({ data: await photo(3000, 2000), name: 'IMG_2.png', mime: 'image/png', kind: 'photo', compress: true });
      assert.deepEqual([big.media.mime, big.media.width, big.media.height, big.media.name], ['image/jpeg', 2048, 1365, 'IMG_2.jpg']);
      const rows = await mediaRows(t);
      const files = mediaFiles(t);
      await rejectsWith(alice.uploadMedia({ data: pngBomb(), name: 'bomb.png', mime: 'image/png', kind: 'photo' }), 'image_too_large', 422);
      await rejectsWith(alice.uploadMedia({ data: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), name: 'x.svg', mime: 'image/svg+xml', kind: 'photo' }), 'unsupported_media', 415);
      await rejectsWith(alice.uploadMedia({ data: noise(5000), name: 'x.jpg', mime: 'image/jpeg', kind: 'photo' }), 'unsupported_media', 415);
      assert.deepEqual(await mediaRows(t), rows);
      assert.deepEqual(mediaFiles(t), files);
    });

    it('range requests: 206 with several seeks, multipart ranges, 416, ETag → 304, If-Range', async () => {
      const { url } = await bob.mediaUrl(clip.media.id).catch(() => alice.mediaUrl(clip.media.id));
      const size = clip.data.length;
      const whole = await fetch(url);
      assert.equal(whole.status, 200);
      assert.equal(whole.headers.get('accept-ranges'), 'bytes');
      assert.equal(whole.headers.get('content-type'), 'video/webm');
      const etag = whole.headers.get('etag')!;
      await whole.arrayBuffer();
      const head = await fetch(url, { method: 'HEAD' });
      assert.deepEqual([head.status, head.headers.get('content-length'), head.headers.get('etag')], [200, String(size), etag]);
      for (const [start, end] of [[0, 0], [1000, 65535], [250_000, size - 1], [size - 10, size - 1]] as const) {
        const r = await fetch(url, { headers: { range: `bytes=${start}-${end}` } });
        assert.equal(r.status, 206);
        assert.equal(r.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
        assert.deepEqual(new Uint8Array(await r.arrayBuffer()), clip.data.subarray(start, end + 1));
      }
      const suffix = await fetch(url, { headers: { range: 'bytes=-100' } });
      assert.deepEqual(new Uint8Array(await suffix.arrayBuffer()), clip.data.subarray(size - 100));
      const multi = await fetch(url, { headers: { range: 'bytes=0-9,100-109' } });
      assert.equal(multi.status, 206);
      assert.match(multi.headers.get('content-type') ?? '', /^multipart\/byteranges; boundary=/);
      const body = Buffer.from(await multi.arrayBuffer());
      assert.equal(body.length, Number(multi.headers.get('content-length')));
      assert.ok(body.includes(Buffer.from(clip.data.subarray(100, 110))));
      const bad = await fetch(url, { headers: { range: `bytes=${size}-` } });
      assert.equal(bad.status, 416);
      assert.equal(bad.headers.get('content-range'), `bytes */${size}`);
      await bad.arrayBuffer();
      const cached = await fetch(url, { headers: { 'if-none-match': etag } });
      assert.equal(cached.status, 304);
      const stale = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
      assert.equal(stale.status, 200);
      await stale.arrayBuffer();
      const fresh = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': etag } });
      assert.equal(fresh.status, 206);
      await fresh.arrayBuffer();
    });

    it('access matrix: uploader, member, non-member, removed member, expired URL, tampered signature', async () => {
      const file = (await alice.uploadMedia({ data: noise(2000), name: 'report<1>.pdf', mime: 'application/pdf', kind: 'file' })).media;
      // Not yet sent: only the uploader sees it.
      await rejectsWith(bob.mediaUrl(file.id), 'media_not_found', 404);
      const { url } = await alice.mediaUrl(file.id);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/octet-stream');
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="report<1>.pdf"; filename\*=UTF-8''report%3C1%3E.pdf$/);
      await res.arrayBuffer();
      await alice.send(group.id, 'the report', { mediaId: file.id });
      // Member: yes. Non-member: 404 exactly like a made-up id.
      assert.equal((await fetch((await bob.mediaUrl(file.id)).url)).status, 200);
      const eveErr = await rejectsWith(eve.mediaUrl(file.id), 'media_not_found', 404);
      const noneErr = await rejectsWith(eve.mediaUrl('AAAAAAAAAAAAAAAAAAAAAA'), 'media_not_found', 404);
      assert.deepEqual(eveErr.data, noneErr.data);
      await rejectsWith(eve.send((await eve.openDirect(bobId)).id, '', { mediaId: file.id }), 'media_not_found', 404);
      // Tampered: other media id, other variant, other expiry, other signature.
      const u = new URL(url);
      const sig = u.searchParams.get('sig')!;
      const tamper = async (f: (x: URL) => void) => { const x = new URL(url); f(x); return (await fetch(x)).status; };
      assert.equal(await tamper((x) => x.searchParams.set('sig', sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A'))), 404);
      assert.equal(await tamper((x) => x.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 1000))), 404);
      assert.equal(await tamper((x) => x.searchParams.set('v', 'thumb')), 404);
      assert.equal(await tamper((x) => { x.pathname = x.pathname.replace(file.id, pic.id); }), 404);
      assert.equal(await tamper((x) => x.searchParams.delete('sig')), 404);
      // Removed from the group: no new URLs.
      await alice.call('chats.removeMember', { chatId: group.id, accountId: bobId });
      await rejectsWith(bob.mediaUrl(file.id), 'media_not_found', 404);
      // Expired URL.
      clock.advance(2 * 3600_000);
      assert.equal((await fetch(url)).status, 404);
      assert.equal((await fetch((await alice.mediaUrl(file.id)).url)).status, 200);
    });

    it('forwarding reuses the stored file by reference; the collector keeps referenced blobs and frees the rest', async () => {
      const data = noise(70_000);
      const sent = (await alice.uploadMedia({ data, name: 'f.bin', mime: 'application/octet-stream', kind: 'file' })).media;
      const msg = await alice.send(group.id, '', { mediaId: sent.id });
      const dm = await alice.openDirect((await eve.me()).id);
      const rows0 = await mediaRows(t);
      const [fwd] = await alice.call<Array<{ media: MediaView | null }>>('messages.forward', { chatId: dm.id, fromChatId: group.id, messageIds: [msg.id], randomIds: ['fwd-1'] });
      assert.equal(fwd!.media?.id, sent.id);
      assert.deepEqual(await mediaRows(t), rows0, 'no copy');
      assert.equal(sha256(new Uint8Array(await (await fetch((await eve.mediaUrl(sent.id)).url)).arrayBuffer())), sha256(data));

      const orphan = (await alice.uploadMedia({ data: noise(1000), name: 'o.bin', mime: 'application/octet-stream', kind: 'file' })).media;
      const pending = await alice.call<{ uploadId: string }>('media.createUpload', { size: 5000, sha256: sha256(noise(4)), mime: 'text/plain', name: 'p', kind: 'file' });
      clock.advance(25 * 3600_000);
      const res = await t.server.services.media.collect();
      assert.ok(res.uploads >= 1 && res.media >= 1 && res.blobs >= 1, JSON.stringify(res));
      await rejectsWith(alice.media(orphan.id), 'media_not_found', 404);
      await rejectsWith(alice.uploadStatus(pending.uploadId), 'upload_not_found', 404);
      assert.equal((await fetch((await alice.mediaUrl(sent.id)).url)).status, 200, 'referenced media stays');
      // Deleting the last messages that carry it lets the collector free it.
      await alice.deleteMessages(group.id, [msg.id], true);
      await alice.deleteMessages(dm.id, [(await alice.history(dm.id))[0]!.id], true);
      clock.advance(25 * 3600_000);
      await t.server.services.media.collect();
      await rejectsWith(alice.media(sent.id), 'media_not_found', 404);
      assert.equal(await t.server.services.media.store.has(sha256(data)), false);
      assert.equal(mediaFiles(t).spool, 0);
    });
  });
}
