import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../kernel/errors.js';
import type { Services } from '../../app/services.js';
import type { ContentTarget } from '../../media/library.js';
import { parseRange, type ByteRange } from '../../media/range.js';

/** Types a browser may render inline from our origin; anything else is served as a download. */
const INLINE_SAFE = /^(image\/(jpeg|png|gif|webp|avif)|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/;

/**
 * The binary half of the media API (issue 7): part uploads (streamed to disk, never buffered, so
 * the JSON API's 64 KB body limit stays) and downloads by signed URL with Range, ETag and If-Range.
 */
export function registerMediaRoutes(app: FastifyInstance, services: Services): void {
  void app.register(async (scope) => {
    // Bodies here are raw bytes: hand the stream to the handler instead of parsing it.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    scope.put('/api/v1/media/uploads/:uploadId/parts/:index', { schema: { hide: true } }, async (req, reply) => {
      const caller = await services.sessions.authenticate(bearer(req));
      await services.shield.assertNotBanned(caller.accountId);
      const { uploadId, index } = req.params as { uploadId: string; index: string };
      if (!/^\d{1,9}$/.test(index)) throw new AppError('part_invalid', { reason: 'index must be a part number' });
      const length = req.headers['content-length'];
      const sha = req.headers['x-part-sha256'];
      await services.media.uploads.putPart(caller.accountId, uploadId, Number(index), (req.body as Readable | undefined) ?? req.raw, {
        ...(length !== undefined ? { contentLength: Number(length) } : {}),
        ...(typeof sha === 'string' ? { sha256: sha } : {}),
      });
      return reply.code(204).send();
    });

    const content = async (req: FastifyRequest, reply: FastifyReply) => {
      const { mediaId } = req.params as { mediaId: string };
      const q = req.query as Record<string, string | undefined>;
      const target = await services.media.library.resolveSigned(mediaId, q.v, q.exp, q.sig);
      const exp = Number(q.exp);
      return sendContent(req, reply, services, target, Math.max(0, Math.floor((exp - services.clock.now()) / 1000)));
    };
    // HEAD of our own: fastify's automatic one would read the whole file and drop it, or say length 0.
    scope.get('/api/v1/media/:mediaId/content', { schema: { hide: true }, exposeHeadRoute: false }, content);
    scope.head('/api/v1/media/:mediaId/content', { schema: { hide: true } }, content);
  });
}

function sendContent(req: FastifyRequest, reply: FastifyReply, services: Services, t: ContentTarget, maxAge: number): FastifyReply {
  const etag = `"${t.sha256}"`;
  const base = t.mime.split(';')[0]!.trim().toLowerCase();
  void reply.headers({
    etag,
    'accept-ranges': 'bytes',
    'cache-control': `private, max-age=${maxAge}`,
    'x-content-type-options': 'nosniff',
    // Even if a browser rendered it as a document, it runs nothing and reaches nothing.
    'content-security-policy': "default-src 'none'; sandbox",
    'cross-origin-resource-policy': 'same-origin',
    'content-disposition': disposition(t.kind === 'file' || !INLINE_SAFE.test(base) ? 'attachment' : 'inline', t.name),
  });
  const type = INLINE_SAFE.test(base) ? t.mime : 'application/octet-stream';
  if (matchesEtag(req.headers['if-none-match'], etag)) return reply.code(304).send();
  // If-Range (RFC 9110 §13.1.5): only a strong match keeps the Range; otherwise send it all.
  const ifRange = req.headers['if-range'];
  const useRange = ifRange === undefined || ifRange === etag;
  const ranges = useRange ? parseRange(req.headers.range, t.size) : undefined;
  const head = req.method === 'HEAD';
  const read = (r?: ByteRange): Readable => services.media.store.read(t.sha256, r);

  if (ranges === 'unsatisfiable') {
    void reply.header('content-range', `bytes */${t.size}`);
    throw new AppError('range_not_satisfiable', { size: t.size });
  }
  if (!ranges) {
    void reply.code(200).type(type).header('content-length', String(t.size));
    return head ? reply.send() : reply.send(read());
  }
  if (ranges.length === 1) {
    const r = ranges[0]!;
    void reply.code(206).type(type).header('content-range', `bytes ${r.start}-${r.end}/${t.size}`).header('content-length', String(r.end - r.start + 1));
    return head ? reply.send() : reply.send(read(r));
  }
  // Several ranges: multipart/byteranges (RFC 9110 §14.6).
  const boundary = `parley-${t.sha256.slice(0, 16)}`;
  const heads = ranges.map((r, i) => `${i ? '\r\n' : ''}--${boundary}\r\ncontent-type: ${type}\r\ncontent-range: bytes ${r.start}-${r.end}/${t.size}\r\n\r\n`);
  const tail = `\r\n--${boundary}--\r\n`;
  const length = heads.reduce((n, h, i) => n + Buffer.byteLength(h) + ranges[i]!.end - ranges[i]!.start + 1, 0) + Buffer.byteLength(tail);
  void reply.code(206).type(`multipart/byteranges; boundary=${boundary}`).header('content-length', String(length));
  if (head) return reply.send();
  const list = ranges;
  async function* parts(): AsyncGenerator<Buffer> {
    for (let i = 0; i < list.length; i++) {
      yield Buffer.from(heads[i]!);
      for await (const chunk of read(list[i])) yield chunk as Buffer;
    }
    yield Buffer.from(tail);
  }
  return reply.send(Readable.from(parts()));
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  // Weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
  return header.split(',').some((v) => { const t = v.trim(); return t === '*' || t.replace(/^W\//, '') === etag; });
}

/** RFC 6266 with an ASCII fallback and the UTF-8 name (RFC 8187). */
function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^bearer +(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}
