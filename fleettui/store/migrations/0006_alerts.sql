-- Alert state as each cluster's Prometheus (and the fleet's Alertmanager) last reported it.
-- A cache of observed state like the inventory: written by the alert refresher through
-- store.writer (so it keeps updating in watch mode), read by `fleettui alerts` and the pane.
CREATE TABLE alerts (
    cluster     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,          -- hash of the alert's sorted labels (cluster excluded)
    alertname   TEXT NOT NULL,
    severity    TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,          -- firing | pending | silenced | inhibited
    labels      TEXT NOT NULL,          -- JSON object
    annotations TEXT NOT NULL,          -- JSON object
    active_at   REAL,                   -- epoch seconds the rule first saw it (Prometheus' activeAt)
    value       TEXT,
    silenced_by TEXT NOT NULL DEFAULT '[]',   -- JSON list of Alertmanager silence ids
    inhibited_by TEXT NOT NULL DEFAULT '[]',
    observed_at REAL NOT NULL,
    PRIMARY KEY (cluster, fingerprint)
);
CREATE INDEX alerts_by_name ON alerts (alertname);

-- Where each alert source is: the last successful fetch and the last error, so a dead
-- Prometheus shows "alerts unknown since <age>" while the others keep updating. The
-- Alertmanager is the row named '@alertmanager'.
CREATE TABLE alert_sources (
    source       TEXT PRIMARY KEY,
    fetched_at   REAL,
    attempted_at REAL NOT NULL,
    error        TEXT
);
