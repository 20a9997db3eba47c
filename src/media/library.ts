import './errors.js';
import { AppError } from '../kernel/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Db } from '../storage/database.js';
import type { MediaView } from '../protocol/views.js';
import type { ContentStore } from './store.js';
import { roundedExpiry, type UrlSigner, type Variant } from './signing.js';
import { mediaView } from './views.js';

/** What the content route needs to answer a download. */
export interface ContentTarget {
  sha256: string;
  size: number;
  mime: string;
  name: string;
  kind: MediaView['kind'];
  variant: Variant;
}

/**
 * Who may see which media, and the signed URLs that hand it to the browser. Anything a caller may
 * not see is `media_not_found`, exactly like an id that does not exist (no existence oracle).
 */
export class MediaLibrary {
  constructor(
    private readonly db: Db,
    readonly store: ContentStore,
    private readonly signer: UrlSigner,
    private readonly clock: Clock,
    private readonly urlTtlMs: number,
  ) {}

  /** True for the uploader and for anyone who can see a message carrying the media. */
  async canSee(accountId: number, mediaId: string): Promise<boolean> {
    const row = await this.db.selectFrom('media').select(['owner_id']).where('id', '=', mediaId).executeTakeFirst();
    if (!row) return false;
    if (row.owner_id === accountId) return true;
    const seen = await this.db
      .selectFrom('messages')
      .innerJoin('chat_members', (j) => j.onRef('chat_members.chat_id', '=', 'messages.chat_id').on('chat_members.account_id', '=', accountId))
      .select('messages.id')
      .where('messages.media_id', '=', mediaId)
      .where('messages.deleted', '=', 0)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('hidden_messages').select('message_id').where('hidden_messages.account_id', '=', accountId).whereRef('hidden_messages.chat_id', '=', 'messages.chat_id').whereRef('hidden_messages.message_id', '=', 'messages.id'))))
      .limit(1)
      .executeTakeFirst();
    return seen !== undefined;
  }

  /** The view of a media the caller can see (also what `messages.send` attaches). */
  async get(accountId: number, mediaId: string): Promise<MediaView> {
    if (!(await this.canSee(accountId, mediaId))) throw new AppError('media_not_found');
    const row = await this.db.selectFrom('media').selectAll().where('id', '=', mediaId).executeTakeFirst();
    if (!row) throw new AppError('media_not_found');
    return mediaView(row);
  }

  /** A signed, expiring URL (path under the API origin) for one variant of one media. */
  async mintUrl(accountId: number, mediaId: string, variant: Variant): Promise<{ url: string; expiresAt: number }> {
    const view = await this.get(accountId, mediaId);
    if (variant === 'thumb' && !view.hasThumb) throw new AppError('media_not_found', { reason: 'no thumbnail' });
    const exp = roundedExpiry(this.clock.now(), this.urlTtlMs);
    const sig = this.signer.sign(mediaId, variant, exp);
    const v = variant === 'thumb' ? 'thumb' : 'original';
    return { url: `/api/v1/media/${encodeURIComponent(mediaId)}/content?v=${v}&exp=${exp}&sig=${sig}`, expiresAt: exp };
  }

  /** Checks a signed URL and finds the bytes it names; every failure is `media_not_found`. */
  async resolveSigned(mediaId: string, v: string | undefined, exp: string | undefined, sig: string | undefined): Promise<ContentTarget> {
    const variant: Variant | undefined = v === undefined || v === 'original' ? 'original' : v === 'thumb' ? 'thumb' : undefined;
    const expNum = exp !== undefined && /^\d{1,16}$/.test(exp) ? Number(exp) : NaN;
    if (!variant || !sig || !this.signer.verify(mediaId, variant, expNum, sig, this.clock.now())) throw new AppError('media_not_found');
    const row = await this.db.selectFrom('media').selectAll().where('id', '=', mediaId).executeTakeFirst();
    if (!row) throw new AppError('media_not_found');
    if (variant === 'thumb') {
      if (!row.thumb_sha256) throw new AppError('media_not_found');
      const blob = await this.db.selectFrom('media_blobs').select('size').where('sha256', '=', row.thumb_sha256).executeTakeFirst();
      if (!blob) throw new AppError('media_not_found');
      return { sha256: row.thumb_sha256, size: blob.size, mime: 'image/webp', name: row.name, kind: row.kind, variant };
    }
    return { sha256: row.sha256, size: row.size, mime: row.mime, name: row.name, kind: row.kind, variant };
  }
}
