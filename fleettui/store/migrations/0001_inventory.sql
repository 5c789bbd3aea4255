-- Inventory: member clusters, a summary row per synced object, informer state.
-- Times are UTC epoch seconds (REAL). Every object row records its cluster and
-- when it was observed, so a pane can show stale data with its age.

CREATE TABLE clusters (
    name          TEXT PRIMARY KEY,
    context       TEXT,
    server        TEXT,
    provider      TEXT,
    region        TEXT,
    zone          TEXT,
    labels        TEXT NOT NULL DEFAULT '{}',   -- JSON object
    source        TEXT NOT NULL DEFAULT 'kubeconfig',
    registration  TEXT,
    -- the last health probe (kept when a later probe fails: stale, not blank)
    reachable     INTEGER,                      -- NULL: never probed
    version       TEXT,
    latency_ms    REAL,
    last_seen     REAL,                         -- last successful contact
    last_attempt  REAL,
    last_error    TEXT,
    -- rolled up from the object rows by the writer
    nodes_ready   INTEGER NOT NULL DEFAULT 0,
    nodes_total   INTEGER NOT NULL DEFAULT 0,
    cpu_alloc_m   INTEGER NOT NULL DEFAULT 0,
    cpu_req_m     INTEGER NOT NULL DEFAULT 0,
    mem_alloc_b   INTEGER NOT NULL DEFAULT 0,
    mem_req_b     INTEGER NOT NULL DEFAULT 0,
    pods_running  INTEGER NOT NULL DEFAULT 0,
    pods_pending  INTEGER NOT NULL DEFAULT 0,
    pods_failed   INTEGER NOT NULL DEFAULT 0,
    workloads_total     INTEGER NOT NULL DEFAULT 0,
    workloads_unhealthy INTEGER NOT NULL DEFAULT 0,
    warning_events      INTEGER NOT NULL DEFAULT 0,
    -- topology labels found on the cluster's nodes (the fleet file wins)
    found_provider TEXT,
    found_region   TEXT,
    found_zone     TEXT,
    health        TEXT NOT NULL DEFAULT 'unknown',
    observed_at   REAL
);

-- One summary row per object (never a full object: Secret data and ConfigMap
-- values are not stored). The typed columns are what the roll-ups and panes
-- query; `data` holds the rest of the summary as JSON.
CREATE TABLE objects (
    cluster     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    namespace   TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    uid         TEXT,
    resource_version TEXT,
    health      TEXT NOT NULL DEFAULT 'unknown',
    message     TEXT NOT NULL DEFAULT '',
    phase       TEXT,
    ready       INTEGER NOT NULL DEFAULT 0,
    desired     INTEGER NOT NULL DEFAULT 0,
    cpu_m       INTEGER NOT NULL DEFAULT 0,
    mem_b       INTEGER NOT NULL DEFAULT 0,
    node        TEXT,
    ts          REAL,                           -- kind-specific time (event lastTimestamp)
    data        TEXT NOT NULL DEFAULT '{}',
    observed_at REAL NOT NULL,
    PRIMARY KEY (cluster, kind, namespace, name)
) WITHOUT ROWID;

CREATE INDEX objects_kind_health ON objects (kind, health);
CREATE INDEX objects_events_ts ON objects (kind, ts) WHERE kind = 'Event';

-- Where each informer is: the resourceVersion it listed/watched up to, and how
-- its last attempt went. Lets the cluster detail say "pods: watching since ...".
CREATE TABLE sync_state (
    cluster     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    resource_version TEXT,
    listed_at   REAL,
    updated_at  REAL,
    count       INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    PRIMARY KEY (cluster, kind)
) WITHOUT ROWID;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);
