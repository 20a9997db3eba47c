import { defineErrors } from '../kernel/errors.js';

export const MediaErrors = defineErrors({
  // Anything the caller may not see is "not found": a media id must not confirm that content exists.
  media_not_found: { http: 404, ws: 4404, message: 'No such media' },
  upload_not_found: { http: 404, ws: 4404, message: 'No such upload (expired, finished or cancelled)' },
  upload_incomplete: { http: 409, ws: 4409, message: 'Some parts have not been received' },
  hash_mismatch: { http: 422, ws: 4422, message: 'The content does not match its SHA-256; the upload was discarded' },
  size_mismatch: { http: 422, ws: 4422, message: 'The content size does not match the declared size' },
  part_invalid: { http: 400, ws: 4400, message: 'The part is truncated, too long, out of range or corrupted' },
  media_too_large: { http: 413, ws: 1009, message: 'The file is larger than the server accepts' },
  quota_exceeded: { http: 507, ws: 4507, message: 'Your storage quota is used up' },
  proof_invalid: { http: 403, ws: 4403, message: 'The proof of possession is wrong or expired' },
  unsupported_media: { http: 415, ws: 4415, message: 'This kind of file is not supported here' },
  range_not_satisfiable: { http: 416, ws: 4416, message: 'The requested range is outside the content' },
  image_too_large: { http: 422, ws: 4422, message: 'The image has too many pixels' },
});
