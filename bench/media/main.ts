/**
 * `npm run bench:media` (issue 7): upload and download throughput of a 200 MB file over 1, 3 and 6
 * parallel connections on loopback, content bytes sent on a dedup re-send, and time to the first
 * playable byte of a video (first byte of a `Range: bytes=0-` answer, and of a seek to the middle).
 * The server runs as a child process (`node dist/src/cli/main.js serve`, SQLite, default media
 * config: 8 MiB parts); clients use the SDK in this process. The last stdout line is one JSON object.
 */
import { createHash, randomBytes } from 'node:crypto';
import { loadavg, cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParleyClient } from '../../src/client/index.js';
import { startServer } from '../delivery/server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MB = 1024 * 1024;
const log = (line: string) => process.stdout.write(`${line}\n`);
const args = process.argv.slice(2);
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const SIZE_MB = opt('mb', 200);
const CONNS = [1, 3, 6];
const PASSWORD = 'q8Zr!v3Lp0w';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const load0 = loadavg()[0]!;
  log(`command: cd ${ROOT} && npm run bench:media${args.length ? ` -- ${args.join(' ')}` : ''}`);
  const server = await startServer(ROOT, []);
  const t0 = Date.now();
  try {
    const alice = new ParleyClient({ baseUrl: server.url });
    await alice.register({ username: 'benchalice', password: PASSWORD });
    const bob = new ParleyClient({ baseUrl: server.url });
    const bobSession = await bob.register({ username: 'benchbob', password: PASSWORD });
    const chat = await alice.openDirect(bobSession.account.id);
    const data = new Uint8Array(randomBytes(SIZE_MB * MB));
    log(`server ${server.url} (SQLite, data dir ${server.dataDir}); file ${SIZE_MB} MB of random bytes`);

    const upload: Record<number, number> = {};
    const download: Record<number, number> = {};
    // CPU per MB moves less with other load on the machine than MB/s does.
    const serverCpu: Record<string, number> = {};
    const clientCpuMs = (since: NodeJS.CpuUsage) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
    let lastMediaId = '';
    for (const n of CONNS) {
      // Fresh content per run (else the server would deduplicate or resume): change the first bytes.
      data.set(randomBytes(32), 0);
      const t = performance.now();
      const hash = sha(data);
      const hashMs = performance.now() - t;
      const cpu0 = server.cpuMs();
      const c0 = process.cpuUsage();
      const start = performance.now();
      const r = await alice.uploadMedia({ data, sha256: hash, name: `bench-${n}.bin`, mime: 'application/octet-stream', kind: 'file' }, { parallel: n, dedup: false });
      const s = (performance.now() - start) / 1000;
      upload[n] = round(SIZE_MB / s);
      serverCpu[`upload_${n}`] = round((server.cpuMs() - cpu0) / SIZE_MB, 2);
      lastMediaId = r.media.id;
      log(`upload   ${n} conn: ${upload[n]} MB/s (${round(s, 2)} s incl. server-side SHA-256 of the whole file; client hash ${Math.round(hashMs)} ms not counted); server CPU ${serverCpu[`upload_${n}`]} ms/MB, client CPU ${round(clientCpuMs(c0) / SIZE_MB, 2)} ms/MB`);
    }
    await alice.send(chat.id, 'bench', { mediaId: lastMediaId });
    const { url } = await bob.mediaUrl(lastMediaId);
    for (const n of CONNS) {
      const size = data.length;
      const step = Math.ceil(size / n);
      const cpu0 = server.cpuMs();
      const start = performance.now();
      const got = await Promise.all(Array.from({ length: n }, async (_, i) => {
        const from = i * step;
        const to = Math.min(size, from + step) - 1;
        const res = await fetch(url, { headers: { range: `bytes=${from}-${to}` } });
        let bytes = 0;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
        return bytes;
      }));
      const s = (performance.now() - start) / 1000;
      if (got.reduce((a, b) => a + b, 0) !== size) throw new Error('short download');
      download[n] = round(SIZE_MB / s);
      serverCpu[`download_${n}`] = round((server.cpuMs() - cpu0) / SIZE_MB, 2);
      log(`download ${n} conn: ${download[n]} MB/s (${round(s, 2)} s); server CPU ${serverCpu[`download_${n}`]} ms/MB`);
    }

    // Dedup: Bob sends the very same content; only a proof of possession travels.
    const dStart = performance.now();
    const dd = await bob.uploadMedia({ data, sha256: sha(data), name: 'again.bin', mime: 'application/octet-stream', kind: 'file' });
    const dedupMs = performance.now() - dStart;
    log(`dedup re-send: ${dd.bytesSent} content bytes sent, deduplicated=${dd.deduplicated}, ${Math.round(dedupMs)} ms (client hash + HMAC + server HMAC over ${SIZE_MB} MB)`);

    // Video: time to the first byte a player can use, from asking for the URL.
    const video = new Uint8Array(randomBytes(20 * MB));
    const v = await alice.uploadMedia({ data: video, name: 'clip.mp4', mime: 'video/mp4', kind: 'video', durationMs: 60_000 }, { parallel: 3 });
    await alice.send(chat.id, '', { mediaId: v.media.id });
    const firstByte = async (range: string): Promise<number> => {
      const start = performance.now();
      const u = await bob.mediaUrl(v.media.id);
      const res = await fetch(u.url, { headers: { range } });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      const ms = performance.now() - start;
      await reader.cancel();
      return ms;
    };
    await firstByte('bytes=0-'); // warm the connection pool, as a player that already loaded the page
    const ttfb = round(await firstByte('bytes=0-'), 2);
    const seek = round(await firstByte(`bytes=${10 * MB}-`), 2);
    log(`video (20 MB): first playable byte ${ttfb} ms; seek to the middle: first byte ${seek} ms`);

    const best = Math.max(upload[3]!, upload[6]!);
    const result = {
      file_mb: SIZE_MB,
      upload_mb_s: upload,
      download_mb_s: download,
      server_cpu_ms_per_mb: serverCpu,
      dedup_content_bytes_sent: dd.bytesSent,
      dedup_ms: Math.round(dedupMs),
      video_first_byte_ms: ttfb,
      video_seek_first_byte_ms: seek,
      targets_met: { parallel_upload_200mb_s: best >= 200, parallel_download_200mb_s: Math.max(download[3]!, download[6]!) >= 200, dedup_zero_bytes: dd.bytesSent === 0 },
      run_seconds: Math.round((Date.now() - t0) / 1000),
      loadavg_1min_start_end: [round(load0), round(loadavg()[0]!)],
      machine: `${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), ${round(totalmem() / 1024 ** 3)} GiB RAM, ${process.platform}, node ${process.version}`,
    };
    log(JSON.stringify(result));
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
