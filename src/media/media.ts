import { join } from 'node:path';
import type { Clock } from '../kernel/clock.js';
import type { Config } from '../kernel/config.js';
import type { Db } from '../storage/database.js';
import { LocalDiskStore, type ContentStore } from './store.js';
import { UrlSigner } from './signing.js';
import { MediaLibrary } from './library.js';
import { MediaUploads } from './uploads.js';

export interface CollectResult {
  uploads: number;
  media: number;
  blobs: number;
  strays: number;
}

/**
 * The media module (issue 7): uploads, the content store, access and signed URLs, and the
 * collector of stale uploads, never-sent media and unreferenced blobs.
 */
export class Media {
  readonly dir: string;
  readonly store: ContentStore;
  readonly library: MediaLibrary;
  readonly uploads: MediaUploads;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly config: Readonly<Config>, store?: ContentStore) {
    const cfg = config.media;
    this.dir = cfg.dir || join(config.dataDir, 'media');
    this.store = store ?? new LocalDiskStore(join(this.dir, 'blobs'));
    const signer = UrlSigner.load(cfg.signingKey, this.dir);
    this.library = new MediaLibrary(db, this.store, signer, clock, cfg.urlTtlMs);
    this.uploads = new MediaUploads(db, this.store, clock, cfg, join(this.dir, 'uploads'));
  }

  /**
   * Garbage collection: expired uploads; media never attached to a message within `orphanTtlMs`
   * (or whose messages were deleted for everyone); then blobs no media names; then files in the
   * store with no blob row (left by a crash between writing a blob and committing its row).
   */
  async collect(): Promise<CollectResult> {
    const now = this.clock.now();
    const uploads = await this.uploads.dropExpired();
    const orphans = await this.db
      .selectFrom('media')
      .select('id')
      .where('created_at', '<', now - this.config.media.orphanTtlMs)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('messages').select('messages.id').whereRef('messages.media_id', '=', 'media.id'))))
      .limit(1000)
      .execute();
    let media = 0;
    for (const o of orphans) media += await this.tryDelete(() => this.db.deleteFrom('media').where('id', '=', o.id).executeTakeFirst());
    const unreferenced = await this.db
      .selectFrom('media_blobs')
      .select('sha256')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('media').select('media.id').where((w) => w.or([w('media.sha256', '=', w.ref('media_blobs.sha256')), w('media.thumb_sha256', '=', w.ref('media_blobs.sha256'))])))))
      .limit(1000)
      .execute();
    let blobs = 0;
    for (const b of unreferenced) {
      // The foreign keys from media refuse the delete if a new media row took the blob meanwhile.
      const gone = await this.tryDelete(() => this.db.deleteFrom('media_blobs').where('sha256', '=', b.sha256).executeTakeFirst());
      if (gone) {
        await this.store.delete(b.sha256);
        blobs++;
      }
    }
    let strays = 0;
    // Wall time, not the injected clock: file modification times are wall time.
    const strayBefore = Date.now() - 3600_000;
    for await (const f of this.store.list()) {
      if (f.mtimeMs >= strayBefore) continue;
      const known = await this.db.selectFrom('media_blobs').select('sha256').where('sha256', '=', f.sha256).executeTakeFirst();
      if (!known) {
        await this.store.delete(f.sha256);
        strays++;
      }
    }
    return { uploads, media, blobs, strays };
  }

  private async tryDelete(run: () => Promise<{ numDeletedRows: bigint }>): Promise<number> {
    try {
      return Number((await run()).numDeletedRows);
    } catch {
      return 0;
    }
  }
}
