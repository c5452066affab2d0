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
]
