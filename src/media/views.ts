import type { Selectable } from 'kysely';
import type { MediaTable } from '../storage/schema.js';
import type { MediaView } from '../protocol/views.js';

/** Row → client view; optional fields are left out when unset. */
export function mediaView(r: Selectable<MediaTable>): MediaView {
  const v: MediaView = { id: r.id, kind: r.kind, mime: r.mime, size: r.size, name: r.name, hasThumb: r.thumb_sha256 !== null };
  if (r.width !== null) v.width = r.width;
  if (r.height !== null) v.height = r.height;
  if (r.duration_ms !== null) v.durationMs = r.duration_ms;
  if (r.waveform !== null) v.waveform = JSON.parse(r.waveform) as number[];
  if (r.preview !== null) v.preview = r.preview;
  return v;
}
