import { VISIT_DIMENSIONS } from '../../stats/visits'

/**
 * The PostgreSQL tables of the stats part: the same derived rows as
 * SQLite's (built by `stats/rollup-rows.ts`), so the shared engine reads
 * the same numbers. Keys and days compare byte-wise (`COLLATE "C"`), as in
 * SQLite, so key ranges and ties order the same on every store.
 *
 * (`agg_pending`, the (site, UTC quarter hour) pairs that inserts and
 * erasures touched, belongs to the event log's migration.)
 * - `agg_dirty`: local days to recompute, with a generation bumped by
 *   every mark and the point from which the day may be read (`ready`).
 * - `agg_counters`: the next visitor number per site.
 * - `agg_state`: small numbers, e.g. `purged:<site>` (days before it are final).
 */
export const STATS_SCHEMA = `
  CREATE TABLE agg_dirty (
    site_id text COLLATE "C" NOT NULL,
    day text COLLATE "C" NOT NULL,
    gen integer NOT NULL DEFAULT 1,
    -- NULL until set after the marking transaction committed: the xmax of a
    -- snapshot taken then; the day may be read once every transaction below
    -- it has ended (see aggregate.ts).
    ready bigint,
    PRIMARY KEY (site_id, day)
  );
  CREATE TABLE agg_counters (
    site_id text COLLATE "C" PRIMARY KEY,
    next_vid integer NOT NULL
  );
  CREATE TABLE agg_state (
    key text COLLATE "C" PRIMARY KEY,
    value double precision NOT NULL
  );
  CREATE TABLE agg_visitors (
    site_id text COLLATE "C" NOT NULL,
    visitor_id text COLLATE "C" NOT NULL,
    vid integer NOT NULL,
    first_seen bigint NOT NULL,
    PRIMARY KEY (site_id, visitor_id)
  );
  CREATE INDEX agg_visitors_first ON agg_visitors (site_id, first_seen, vid);
  CREATE TABLE agg_sessions (
    site_id text COLLATE "C" NOT NULL,
    day text COLLATE "C" NOT NULL,
    hour bigint NOT NULL,
    vid integer NOT NULL,
    start bigint NOT NULL,
    duration bigint NOT NULL,
    pageviews integer NOT NULL,
    events integer NOT NULL,
    bounce integer NOT NULL,
    ${VISIT_DIMENSIONS.map((d) => `${d} text`).join(',\n    ')},
    pages text NOT NULL,
    names text NOT NULL,
    props text NOT NULL
  );
  CREATE INDEX agg_sessions_day ON agg_sessions (site_id, day);
  CREATE TABLE agg_hours (
    site_id text COLLATE "C" NOT NULL,
    hour bigint NOT NULL,
    day text COLLATE "C" NOT NULL,
    visitors integer NOT NULL,
    visits integer NOT NULL,
    pageviews integer NOT NULL,
    events integer NOT NULL,
    bounces integer NOT NULL,
    duration bigint NOT NULL,
    PRIMARY KEY (site_id, hour)
  );
  CREATE INDEX agg_hours_day ON agg_hours (site_id, day);
  CREATE TABLE agg_days (
    site_id text COLLATE "C" NOT NULL,
    dim text COLLATE "C" NOT NULL,
    day text COLLATE "C" NOT NULL,
    value text COLLATE "C",
    visitors integer NOT NULL,
    visits integer NOT NULL,
    pageviews integer NOT NULL,
    events integer NOT NULL,
    bounces integer NOT NULL,
    duration bigint NOT NULL,
    vset bytea NOT NULL
  );
  CREATE INDEX agg_days_key ON agg_days (site_id, dim, day);
  CREATE INDEX agg_days_value ON agg_days (site_id, dim, value, day);
  CREATE TABLE agg_facts (
    site_id text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    day text COLLATE "C" NOT NULL,
    pairs bytea NOT NULL
  );
  CREATE INDEX agg_facts_key ON agg_facts (site_id, key, day);
  CREATE INDEX agg_facts_day ON agg_facts (site_id, day);

  -- "contains" over a visit's lines (pages, names: "name<TAB>count"; props:
  -- "key=value"), case-insensitive, as SQLite's pipit_line_contains.
  CREATE FUNCTION pipit_line_contains(list text, key text, needle text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT EXISTS (
      SELECT 1 FROM unnest(string_to_array(list, E'\\n')) AS line
       WHERE line <> '' AND starts_with(line, key)
         AND strpos(lower(CASE WHEN key <> '' THEN substr(line, length(key) + 1)
                              ELSE left(line, length(line) - strpos(reverse(line), E'\\t')) END),
                    lower(needle)) > 0)
  $fn$;
`
