-- Metrics (fleettui.metrics, written by `fleettui metrics sync`): the last usage values
-- and the compact series behind sparklines and cost, per cluster, node, namespace and
-- application, so panes open with the last numbers (and their age) while a Prometheus
-- is unreachable. Requests and allocatable come from the inventory rows at the time of
-- each pull, so a series carries what was used next to what was asked for.

CREATE TABLE metric_series (
    cluster    TEXT NOT NULL,
    scope      TEXT NOT NULL,             -- cluster | node | namespace | app
    name       TEXT NOT NULL,             -- '' for the cluster itself
    cpu_used_m REAL,                      -- last value; NULL: no usage known (no Prometheus)
    mem_used_b REAL,
    cpu_req_m  REAL NOT NULL DEFAULT 0,
    mem_req_b  REAL NOT NULL DEFAULT 0,
    cpu_alloc_m REAL NOT NULL DEFAULT 0,  -- cluster and node scopes
    mem_alloc_b REAL NOT NULL DEFAULT 0,
    series     TEXT NOT NULL DEFAULT '{}', -- JSON {t0, step, cpu, mem, cpu_req, mem_req, cpu_alloc, mem_alloc, nodes}
    fetched_at REAL NOT NULL,             -- when usage last came from Prometheus (or requests from the cache)
    PRIMARY KEY (cluster, scope, name)
) WITHOUT ROWID;

-- One row per cluster: whether it has a Prometheus, the last pull and its error.
CREATE TABLE metric_sources (
    cluster     TEXT PRIMARY KEY,
    prometheus  TEXT,                     -- NULL: none configured (requests only)
    fetched_at  REAL,                     -- last successful pull
    attempted_at REAL,
    error       TEXT
);
