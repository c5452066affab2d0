/**
 * Schema versions of the SQLite adapter, applied in order inside one
 * transaction each and recorded in `PRAGMA user_version`. Never edit a
 * released migration: add the next one.
 */
export const migrations: readonly string[] = [
  /* 1: sites, keys, raw events */ `
  CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE keys (
    id TEXT PRIMARY KEY,
    site_id TEXT REFERENCES sites(id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('write', 'read', 'admin')),
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    public_key TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  ) STRICT;
  CREATE INDEX keys_site ON keys(site_id);

  CREATE TABLE events (
    site_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT,
    anonymous_id TEXT,
    user_id TEXT,
    visitor_id TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    path TEXT,
    url TEXT,
    referrer TEXT,
    properties TEXT,
    traits TEXT,
    context TEXT
  ) STRICT;
  CREATE UNIQUE INDEX events_dedup ON events(site_id, message_id);
  CREATE INDEX events_site_time ON events(site_id, timestamp);
  `,
  /* 2: enrichment columns, site domain and settings, suppression list, daily salts */ `
  ALTER TABLE sites ADD COLUMN domain TEXT;
  ALTER TABLE sites ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
  CREATE UNIQUE INDEX sites_domain ON sites(domain) WHERE domain IS NOT NULL;

  ALTER TABLE events ADD COLUMN browser TEXT;
  ALTER TABLE events ADD COLUMN os TEXT;
  ALTER TABLE events ADD COLUMN device_type TEXT;
  ALTER TABLE events ADD COLUMN country TEXT;
  ALTER TABLE events ADD COLUMN source TEXT;
  ALTER TABLE events ADD COLUMN channel TEXT;
  ALTER TABLE events ADD COLUMN utm_source TEXT;
  ALTER TABLE events ADD COLUMN utm_medium TEXT;
  ALTER TABLE events ADD COLUMN utm_campaign TEXT;
  ALTER TABLE events ADD COLUMN utm_term TEXT;
  ALTER TABLE events ADD COLUMN utm_content TEXT;
  ALTER TABLE events ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;

  CREATE TABLE suppressions (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('userId', 'anonymousId')),
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, kind, value)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE salts (
    day TEXT PRIMARY KEY,
    salt BLOB NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
  /* 3: append-only audit log */ `
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    site_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_kind TEXT,
    subject_id TEXT,
    rows INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX audit_site ON audit(site_id, id);
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  `,
  /* 4: goals, and the aggregation's derived tables (see aggregate.ts) */ `
  CREATE TABLE goals (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('event', 'page')),
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE agg_state (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE agg_dirty (
    site_id TEXT NOT NULL,
    day TEXT NOT NULL,
    gen INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (site_id, day)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE agg_visitors (
    site_id TEXT NOT NULL,
    visitor_id TEXT NOT NULL,
    vid INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (site_id, visitor_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX agg_visitors_first ON agg_visitors(site_id, first_seen, vid);

  CREATE TABLE agg_sessions (
    site_id TEXT NOT NULL,
    day TEXT NOT NULL,
    hour INTEGER NOT NULL,
    vid INTEGER NOT NULL,
    start INTEGER NOT NULL,
    duration INTEGER NOT NULL,
    pageviews INTEGER NOT NULL,
    events INTEGER NOT NULL,
    bounce INTEGER NOT NULL,
    entry_page TEXT,
    exit_page TEXT,
    referrer TEXT,
    source TEXT,
    channel TEXT,
    utm_source TEXT,
    utm_medium TEXT,
    utm_campaign TEXT,
    utm_term TEXT,
    utm_content TEXT,
    browser TEXT,
    os TEXT,
    device_type TEXT,
    country TEXT,
    pages TEXT NOT NULL,
    names TEXT NOT NULL,
    props TEXT NOT NULL
  ) STRICT;
  CREATE INDEX agg_sessions_day ON agg_sessions(site_id, day);

  CREATE TABLE agg_hours (
    site_id TEXT NOT NULL,
    hour INTEGER NOT NULL,
    day TEXT NOT NULL,
    visitors INTEGER NOT NULL,
    visits INTEGER NOT NULL,
    pageviews INTEGER NOT NULL,
    events INTEGER NOT NULL,
    bounces INTEGER NOT NULL,
    duration INTEGER NOT NULL,
    PRIMARY KEY (site_id, hour)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX agg_hours_day ON agg_hours(site_id, day);

  CREATE TABLE agg_days (
    site_id TEXT NOT NULL,
    dim TEXT NOT NULL,
    day TEXT NOT NULL,
    value TEXT,
    visitors INTEGER NOT NULL,
    visits INTEGER NOT NULL,
    pageviews INTEGER NOT NULL,
    events INTEGER NOT NULL,
    bounces INTEGER NOT NULL,
    duration INTEGER NOT NULL,
    vset BLOB NOT NULL
  ) STRICT;
  CREATE INDEX agg_days_key ON agg_days(site_id, dim, day);
  CREATE INDEX agg_days_value ON agg_days(site_id, dim, value, day);
  CREATE INDEX agg_days_day ON agg_days(site_id, day);

  CREATE TABLE agg_facts (
    site_id TEXT NOT NULL,
    key TEXT NOT NULL,
    day TEXT NOT NULL,
    pairs BLOB NOT NULL
  ) STRICT;
  CREATE INDEX agg_facts_key ON agg_facts(site_id, key, day);
  CREATE INDEX agg_facts_day ON agg_facts(site_id, day);
  `,
]
