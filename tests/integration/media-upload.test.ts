import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { BACKENDS } from '../helpers/backends.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { rejectsWith } from '../helpers/auth.js';
import type { ParleyClient } from '../../src/client/index.js';
import { mediaFiles, mediaRows, noise, putPart, sha256 } from './media-fixtures.js';

const PART = 64 * 1024;

/** Issue 7: parallel resumable uploads, dedup with proof of possession, and content verification. */
for (const backend of BACKENDS) {
  describe(`media uploads [${backend}]`, () => {
    let t: TestServer;
    let alice: { client: ParleyClient; token: string };
    let bob: { client: ParleyClient; token: string };

    before(async () => {
      t = await startTestServer(backend, { media: { partSize: PART, maxBytes: 8 * 1024 * 1024, quotaBytes: 24 * 1024 * 1024 } });
      const a = await t.user('alice');
      const b = await t.user('bob');
      alice = { client: a.client, token: a.session.token };
      bob = { client: b.client, token: b.session.token };
    });
    after(async () => t.close());

    it('uploads a large file in parts over 6 connections, killed mid-way and resumed, byte-exact', async () => {
      const data = noise(3 * 1024 * 1024 + 12345); // 49 parts, the last one short
      const abort = new AbortController();
      let parts = 0;
      await assert.rejects(alice.client.uploadMedia({ data, name: 'big.bin', mime: 'application/octet-stream', kind: 'file' }, {
        parallel: 6, signal: abort.signal, onProgress: () => { if (++parts === 12) abort.abort(); },
      }));
      // The server kept what arrived whole; a new call for the same content resumes the same upload.
      let created: { uploadId: string; received: number[]; partCount: number } | undefined;
      const done = await alice.client.uploadMedia({ data, name: 'big.bin', mime: 'application/octet-stream', kind: 'file' }, { parallel: 6, onCreated: (u) => { created = u; } });
      assert.ok(created);
      assert.equal(created.partCount, 49);
      assert.ok(created.received.length >= 12 && created.received.length < 49, `resumed with ${created.received.length} parts`);
      assert.equal(done.bytesSent, data.length - created.received.reduce((n, i) => n + Math.min(PART, data.length - i * PART), 0));
      assert.equal(done.media.size, data.length);
      assert.equal(done.media.kind, 'file');
      const { url } = await alice.client.mediaUrl(done.media.id);
      const got = new Uint8Array(await (await fetch(url)).arrayBuffer());
      assert.equal(sha256(got), sha256(data));
      assert.deepEqual(mediaFiles(t).spool, 0);
    });

    it('a part cut off mid-body is not counted; sending it again completes the upload', async () => {
      const data = noise(PART * 2);
      const up = await alice.client.call<{ uploadId: string }>('media.createUpload', { size: data.length, sha256: sha256(data), mime: 'application/zip', name: 'a.zip', kind: 'file' });
      await new Promise<void>((resolve) => {
        const req = request(`${t.url}/api/v1/media/uploads/${up.uploadId}/parts/0`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream', 'content-length': String(PART) } });
        req.on('error', () => resolve());
        req.write(data.subarray(0, PART / 2), () => setImmediate(() => { req.destroy(); resolve(); }));
      });
      const status = await alice.client.uploadStatus(up.uploadId);
      assert.deepEqual(status.received, []);
      assert.equal((await putPart(t, alice.token, up.uploadId, 1, data.subarray(PART))).status, 204);
      await rejectsWith(alice.client.call('media.complete', { uploadId: up.uploadId }), 'upload_incomplete', 409);
      assert.equal((await putPart(t, alice.token, up.uploadId, 0, data.subarray(0, PART))).status, 204);
      // Idempotent: the same part again changes nothing.
      assert.equal((await putPart(t, alice.token, up.uploadId, 0, data.subarray(0, PART))).status, 204);
      const media = await alice.client.call<{ size: number }>('media.complete', { uploadId: up.uploadId });
      assert.equal(media.size, data.length);
    });

    it('completing ends a part still being re-sent, so no byte changes after verification', async () => {
      const data = noise(PART * 2);
      const up = await alice.client.call<{ uploadId: string }>('media.createUpload', { size: data.length, sha256: sha256(data), mime: 'application/zip', name: 'b.zip', kind: 'file' });
      for (const i of [0, 1]) assert.equal((await putPart(t, alice.token, up.uploadId, i, data.subarray(i * PART, (i + 1) * PART))).status, 204);
      const uploads = t.server.services.media.uploads as unknown as { writers: Map<string, unknown> };
      let ended = false;
      const req = request(`${t.url}/api/v1/media/uploads/${up.uploadId}/parts/0`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream', 'content-length': String(PART) } });
      req.on('error', () => { ended = true; });
      req.on('response', (res) => { res.resume(); ended = true; });
      req.write(noise(PART / 2));
      await eventually(() => uploads.writers.has(up.uploadId), 10000, 'the stalled part write');
      const media = await alice.client.call<{ id: string; size: number }>('media.complete', { uploadId: up.uploadId });
      assert.equal(media.size, data.length);
      await eventually(() => ended, 10000, 'the stalled request ended');
      const got = new Uint8Array(await (await fetch((await alice.client.mediaUrl(media.id)).url)).arrayBuffer());
      assert.equal(sha256(got), sha256(data));
      req.destroy();
    });

    it('dedup: proof of possession stores nothing new and sends 0 content bytes; a hash-only claim is refused', async () => {
      const data = noise(PART * 3 + 7);
      const first = await alice.client.uploadMedia({ data, name: 'x.bin', mime: 'application/octet-stream', kind: 'file' });
      assert.equal(first.deduplicated, false);
      const before = await mediaRows(t);
      // Bob knows only the hash: he is offered a nonce, but neither a made-up proof nor completing without bytes works.
      const claim = await bob.client.call<{ uploadId: string; dedup: { nonce: string } | null }>('media.createUpload', { size: data.length, sha256: sha256(data), mime: 'application/octet-stream', name: 'x.bin', kind: 'file' });
      assert.ok(claim.dedup);
      await rejectsWith(bob.client.call('media.prove', { uploadId: claim.uploadId, proof: sha256(new TextEncoder().encode(claim.dedup.nonce + sha256(data))) }), 'proof_invalid', 403);
      await rejectsWith(bob.client.call('media.complete', { uploadId: claim.uploadId }), 'upload_incomplete', 409);
      // A nonce is single use: even the right proof after a wrong one needs a fresh nonce.
      await rejectsWith(bob.client.call('media.prove', { uploadId: claim.uploadId, proof: '00'.repeat(32) }), 'proof_invalid', 403);
      await bob.client.cancelUpload(claim.uploadId);
      // With the content, the same re-send costs 0 bytes.
      const again = await bob.client.uploadMedia({ data, name: 'x.bin', mime: 'application/octet-stream', kind: 'file' });
      assert.equal(again.deduplicated, true);
      assert.equal(again.bytesSent, 0);
      assert.notEqual(again.media.id, first.media.id);
      const after = await mediaRows(t);
      assert.equal(after.blobs, before.blobs, 'no new blob');
      assert.equal(after.media, before.media + 1);
      // Bob can fetch his own media record; Alice's id stays hers.
      await rejectsWith(bob.client.media(first.media.id), 'media_not_found', 404);
    });

    it('wrong hash, lying size, truncated or corrupt parts: clear errors, nothing half-stored', async () => {
      const rows0 = await mediaRows(t);
      const files0 = mediaFiles(t);
      const data = noise(PART + 100);
      // Declared hash of other content: all parts arrive, completion refuses and discards.
      const wrong = await alice.client.call<{ uploadId: string }>('media.createUpload', { size: data.length, sha256: sha256(noise(10)), mime: 'application/octet-stream', name: 'w', kind: 'file' });
      assert.equal((await putPart(t, alice.token, wrong.uploadId, 0, data.subarray(0, PART))).status, 204);
      assert.equal((await putPart(t, alice.token, wrong.uploadId, 1, data.subarray(PART))).status, 204);
      await rejectsWith(alice.client.call('media.complete', { uploadId: wrong.uploadId }), 'hash_mismatch', 422);
      await rejectsWith(alice.client.uploadStatus(wrong.uploadId), 'upload_not_found', 404);

      // Lying size: declared shorter than the content — the last part is too long; declared longer — it is truncated.
      const short = await alice.client.call<{ uploadId: string }>('media.createUpload', { size: PART + 50, sha256: sha256(data), mime: 'application/octet-stream', name: 's', kind: 'file' });
      const tooLong = await putPart(t, alice.token, short.uploadId, 1, data.subarray(PART));
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.code, 'part_invalid');
      const truncated = await putPart(t, alice.token, short.uploadId, 0, data.subarray(0, PART - 1));
      assert.deepEqual([truncated.status, truncated.code], [400, 'part_invalid']);
      const corrupt = await putPart(t, alice.token, short.uploadId, 0, data.subarray(0, PART), { 'x-part-sha256': sha256(data.subarray(1, PART + 1)) });
      assert.deepEqual([corrupt.status, corrupt.code], [400, 'part_invalid']);
      const outOfRange = await putPart(t, alice.token, short.uploadId, 7, data.subarray(0, 10));
      assert.deepEqual([outOfRange.status, outOfRange.code], [400, 'part_invalid']);
      assert.deepEqual((await alice.client.uploadStatus(short.uploadId)).received, []);
      await alice.client.cancelUpload(short.uploadId);

      // Huge declared size, quota, someone else's upload, unknown kinds of file.
      const tooBig = await rejectsWith(alice.client.call('media.createUpload', { size: 1e12, sha256: sha256(data), mime: 'application/octet-stream', name: 'h', kind: 'file' }), 'media_too_large', 413);
      assert.equal(tooBig.data?.maxBytes, 8 * 1024 * 1024);
      await rejectsWith(alice.client.call('media.createUpload', { size: 100, sha256: 'zz', mime: 'text/plain', name: 'h', kind: 'file' }), 'validation_failed', 400);
      await rejectsWith(alice.client.call('media.createUpload', { size: 100, sha256: sha256(data), mime: 'application/pdf', name: 'v.pdf', kind: 'voice' }), 'unsupported_media', 415);
      await rejectsWith(alice.client.call('media.createUpload', { size: 100, sha256: sha256(data), mime: 'video/mp4', name: 'v.mp4', kind: 'video', posterUploadMediaId: 'not-a-photo-of-mine' }), 'media_not_found', 404);
      const mine = await alice.client.call<{ uploadId: string }>('media.createUpload', { size: 10, sha256: sha256(data), mime: 'text/plain', name: 'm', kind: 'file' });
      assert.equal((await putPart(t, bob.token, mine.uploadId, 0, data.subarray(0, 10))).code, 'upload_not_found');
      await rejectsWith(bob.client.call('media.complete', { uploadId: mine.uploadId }), 'upload_not_found', 404);
      await alice.client.cancelUpload(mine.uploadId);

      assert.deepEqual(await mediaRows(t), rows0);
      assert.deepEqual(mediaFiles(t), files0);
    });

    it('quota: stored plus pending bytes per account, with the numbers in the error', async () => {
      const carol = await t.user('carol');
      const big = (n: number) => ({ size: n, sha256: sha256(noise(8)), mime: 'application/octet-stream', name: 'q', kind: 'file' });
      for (let i = 0; i < 3; i++) await carol.client.call('media.createUpload', big(8 * 1024 * 1024));
      const err = await rejectsWith(carol.client.call('media.createUpload', big(1)), 'quota_exceeded', 507);
      assert.equal(err.data?.quotaBytes, 24 * 1024 * 1024);
      assert.equal(err.data?.usedBytes, 24 * 1024 * 1024);
    });
  });
}
