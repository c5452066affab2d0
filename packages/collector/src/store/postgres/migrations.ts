import type pg from 'pg'
import { LOCKS, withLock } from './lock'
import { STATS_SCHEMA } from './stats-schema'

/** One schema version: applied once, in order, recorded in `schema_migrations`. */
export interface Migration {
  version: number
  name: string
  sql: string
}

/**
 * Schema versions of the PostgreSQL adapter. Never edit a released
 * migration: add the next one. Ids are `COLLATE "C"`: byte order, as in
 * SQLite, whatever the database's locale, and faster to compare.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'metadata: sites, keys, suppressions, salts, goals, audit',
    sql: `
    CREATE TABLE sites (
      id text COLLATE "C" PRIMARY KEY,
      name text NOT NULL,
      timezone text NOT NULL,
      domain text COLLATE "C",
      settings jsonb NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE UNIQUE INDEX sites_domain ON sites (domain);

    CREATE TABLE keys (
      seq bigint GENERATED ALWAYS AS IDENTITY,
      id text COLLATE "C" PRIMARY KEY,
      site_id text COLLATE "C" REFERENCES sites (id) ON DELETE CASCADE,
      scope text NOT NULL CHECK (scope IN ('write', 'read', 'admin')),
      hash text COLLATE "C" NOT NULL UNIQUE,
      prefix text NOT NULL,
      public_key text,
      created_at bigint NOT NULL,
      revoked_at bigint
    );
    CREATE INDEX keys_site ON keys (site_id, created_at, seq);

    CREATE TABLE suppressions (
      site_id text COLLATE "C" NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
      kind text COLLATE "C" NOT NULL CHECK (kind IN ('userId', 'anonymousId')),
      value text COLLATE "C" NOT NULL,
      created_at bigint NOT NULL,
      PRIMARY KEY (site_id, kind, value)
    );

    CREATE TABLE salts (
      day text COLLATE "C" PRIMARY KEY,
      salt bytea NOT NULL
    );

    CREATE TABLE goals (
      site_id text COLLATE "C" NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
      id text COLLATE "C" NOT NULL,
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('event', 'page')),
      value text NOT NULL,
      created_at bigint NOT NULL,
      PRIMARY KEY (site_id, id)
    );

    CREATE TABLE audit (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      site_id text COLLATE "C" NOT NULL,
      at bigint NOT NULL,
      actor text NOT NULL,
      action text NOT NULL,
      subject_kind text,
      subject_id text,
      rows bigint NOT NULL
    );
    CREATE INDEX audit_site ON audit (site_id, id);
    CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
    CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
      FOR EACH ROW EXECUTE FUNCTION audit_append_only();
    CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
      FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
    `,
  },
  {
    version: 2,
    name: 'event log: events partitioned by month, event_ids for deduplication, agg_pending',
    sql: `
    -- Partitions (events_YYYY_MM, UTC months of timestamp) are created on demand
    -- by partitions.ts; a row of a month without one fails rather than land in
    -- a DEFAULT partition, which could not be dropped whole.
    CREATE TABLE events (
      site_id text COLLATE "C" NOT NULL,
      message_id text COLLATE "C" NOT NULL,
      type text NOT NULL,
      name text,
      anonymous_id text COLLATE "C",
      user_id text COLLATE "C",
      visitor_id text COLLATE "C" NOT NULL,
      timestamp bigint NOT NULL,
      received_at bigint NOT NULL,
      path text,
      url text,
      referrer text,
      properties jsonb,
      traits jsonb,
      context jsonb,
      browser text,
      os text,
      device_type text,
      country text,
      source text,
      channel text,
      utm_source text,
      utm_medium text,
      utm_campaign text,
      utm_term text,
      utm_content text,
      flags integer NOT NULL DEFAULT 0
    ) PARTITION BY RANGE (timestamp);
    CREATE INDEX events_site_time ON events (site_id, timestamp);

    -- A unique index on a partitioned table must contain the partition key, so
    -- exact deduplication on (site_id, message_id) lives in its own table,
    -- written in the same statement as the events.
    CREATE TABLE event_ids (
      site_id text COLLATE "C" NOT NULL,
      message_id text COLLATE "C" NOT NULL,
      PRIMARY KEY (site_id, message_id)
    );

    -- UTC quarter hours (floor(timestamp / 900000)) whose events changed since
    -- the aggregation last looked, written in the transaction of the change
    -- with ON CONFLICT DO NOTHING (which takes no lock on a mark already
    -- there, so concurrent inserts do not queue on it). Hence a consumer must
    -- not read a quarter's events right after deleting its mark: an insert
    -- that found the mark present may not have committed yet. Delete the
    -- marks and commit, then wait until every transaction older than that
    -- commit has ended (pg_snapshot_xmin(pg_current_snapshot()) >= the
    -- pg_snapshot_xmax of a snapshot taken after it), then read.
    CREATE TABLE agg_pending (
      site_id text COLLATE "C" NOT NULL,
      quarter bigint NOT NULL,
      PRIMARY KEY (site_id, quarter)
    );
    `,
  },
  {
    version: 3,
    name: 'stats: rollup tables, day marks, visitor numbers (stats-schema.ts)',
    sql: STATS_SCHEMA,
  },
]

/**
 * Brings the schema to the newest version in one transaction holding an
 * advisory lock, so collectors starting together on one database apply each
 * migration exactly once (the others wait, then find nothing to do).
 * Returns the versions this call applied.
 *
 * @example
 * const applied = await migrate(pool) // [1, 2] on an empty database, [] after
 */
export async function migrate(
  pool: pg.Pool,
  list: readonly Migration[] = migrations,
): Promise<number[]> {
  return withLock(pool, LOCKS.migrate, async (client) => {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const done = await client.query<{ version: number }>('SELECT version FROM schema_migrations')
    const have = new Set(done.rows.map((r) => r.version))
    const applied: number[] = []
    for (const m of list) {
      if (have.has(m.version)) continue
      await client.query(m.sql)
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ])
      applied.push(m.version)
    }
    return applied
  })
}
