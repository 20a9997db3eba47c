import { Type } from '@sinclair/typebox';
import { op, type Operation } from './types.js';
import { MediaId } from './schemas.js';

const Sha256 = Type.String({ pattern: '^[0-9a-fA-F]{64}$' });
const Kind = Type.Union([Type.Literal('photo'), Type.Literal('file'), Type.Literal('voice'), Type.Literal('video')]);
// type/subtype with optional parameters, as MediaRecorder reports them (`audio/webm;codecs=opus`).
const Mime = Type.String({ maxLength: 127, pattern: '^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+( *; *[A-Za-z0-9_.+-]+=("?)[A-Za-z0-9_.,+-]+("?))* *$' });
const Dim = Type.Integer({ minimum: 1, maximum: 100000 });

/**
 * Media (issue 7; docs/protocol.md, Media): the JSON half of the upload API. Part bodies and
 * downloads are binary routes in api/http/media-routes.ts.
 */
export const mediaOperations: Operation[] = [
  op({ name: 'media.createUpload', method: 'POST', path: '/media/uploads', auth: true, status: 201,
    summary: 'Start (or resume) an upload; answers dedup.nonce when the content is already stored',
    params: Type.Object({
      size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), sha256: Sha256, mime: Mime, name: Type.String({ minLength: 1, maxLength: 255 }), kind: Kind,
      compress: Type.Optional(Type.Boolean()), durationMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400000 })),
      waveform: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 31 }), { maxItems: 100 })),
      width: Type.Optional(Dim), height: Type.Optional(Dim), posterUploadMediaId: Type.Optional(MediaId),
    }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.media.uploads.create(caller.accountId, p) }),
  op({ name: 'media.uploadStatus', method: 'GET', path: '/media/uploads/:uploadId', auth: true, summary: 'Which parts are stored (to resume)',
    params: Type.Object({ uploadId: MediaId }),
    handler: ({ services, caller }, p) => services.media.uploads.status(caller.accountId, p.uploadId) }),
  op({ name: 'media.complete', method: 'POST', path: '/media/uploads/:uploadId/complete', auth: true, summary: 'Verify size and SHA-256, store, make thumbnail and preview',
    params: Type.Object({ uploadId: MediaId }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.media.uploads.complete(caller.accountId, p.uploadId) }),
  op({ name: 'media.prove', method: 'POST', path: '/media/uploads/:uploadId/proof', auth: true, summary: 'Dedup: prove possession with HMAC-SHA-256(nonce, content) instead of uploading',
    params: Type.Object({ uploadId: MediaId, proof: Type.String({ maxLength: 128 }) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.media.uploads.prove(caller.accountId, p.uploadId, p.proof) }),
  op({ name: 'media.cancelUpload', method: 'DELETE', path: '/media/uploads/:uploadId', auth: true, status: 204, summary: 'Cancel an upload and free its parts',
    params: Type.Object({ uploadId: MediaId }),
    handler: async ({ services, caller }, p) => { await services.media.uploads.cancel(caller.accountId, p.uploadId); return undefined; } }),
  op({ name: 'media.get', method: 'GET', path: '/media/:mediaId', auth: true, summary: 'A media you uploaded or can see in a message',
    params: Type.Object({ mediaId: MediaId }),
    handler: ({ services, caller }, p) => services.media.library.get(caller.accountId, p.mediaId) }),
  op({ name: 'media.url', method: 'POST', path: '/media/:mediaId/url', auth: true, summary: 'A signed, expiring download URL for <img>/<audio>/<video>',
    params: Type.Object({ mediaId: MediaId, variant: Type.Optional(Type.Union([Type.Literal('original'), Type.Literal('thumb')])) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.media.library.mintUrl(caller.accountId, p.mediaId, p.variant ?? 'original') }),
];
