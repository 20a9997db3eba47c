import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * 003 (issue 7): content-addressed blobs, media records, resumable uploads and their parts, and the
 * media a message carries. Append-only.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = sql.raw(dialect === 'sqlite' ? 'integer' : 'bigint');

  // One row per stored content (SHA-256 hex); the file lives in the content store under that name.
  await sql`create table media_blobs (
    sha256 text primary key,
    size ${big} not null,
    created_at ${big} not null
  )`.execute(db);

  // A media record is immutable once made; messages carry its id (and a JSON copy of its view).
  await sql`create table media (
    id text primary key,
    owner_id integer not null references accounts(id),
    kind text not null,
    mime text not null,
    name text not null,
    size ${big} not null,
    sha256 text not null references media_blobs(sha256),
    thumb_sha256 text references media_blobs(sha256),
    width integer,
    height integer,
    duration_ms integer,
    waveform text,
    preview text,
    created_at ${big} not null
  )`.execute(db);
  await sql`create index media_owner on media(owner_id)`.execute(db);
  await sql`create index media_sha on media(sha256)`.execute(db);
  await sql`create index media_thumb on media(thumb_sha256)`.execute(db);

  await sql`create table media_uploads (
    id text primary key,
    owner_id integer not null references accounts(id),
    size ${big} not null,
    sha256 text not null,
    part_size integer not null,
    part_count integer not null,
    params text not null,
    nonce text,
    nonce_expires_at ${big},
    created_at ${big} not null,
    expires_at ${big} not null
  )`.execute(db);
  await sql`create index media_uploads_owner on media_uploads(owner_id, sha256)`.execute(db);
  await sql`create index media_uploads_expiry on media_uploads(expires_at)`.execute(db);

  await sql`create table media_upload_parts (
    upload_id text not null references media_uploads(id) on delete cascade,
    idx integer not null,
    primary key (upload_id, idx)
  )`.execute(db);

  await sql`alter table messages add column media_id text references media(id)`.execute(db);
  await sql`alter table messages add column media text`.execute(db);
  await sql`create index messages_media on messages(media_id)`.execute(db);
}
