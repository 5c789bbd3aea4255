-- Applications (engine-owned): KubeVela Applications of the local hub, and the
-- mirror of a Kubernetes hub's Applications, with what the rollouts pane reads.
-- `hub` is 'local' or the hub's kubeconfig context.

CREATE TABLE applications (
    hub TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    document TEXT NOT NULL,             -- the Application as applied (JSON, no status)
    generation INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT '{}',  -- KubeVela-shaped .status (JSON)
    status_rv INTEGER NOT NULL DEFAULT 0, -- bumped by every status or spec write (optimistic concurrency)
    phase TEXT NOT NULL DEFAULT 'starting',
    revision TEXT,                      -- status.latestRevision.name
    steps_done INTEGER NOT NULL DEFAULT 0,
    steps_total INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    deleting INTEGER NOT NULL DEFAULT 0,
    next_wakeup REAL,                   -- when a suspend duration ends (engine clock)
    lease_owner TEXT,                   -- the process running its workflow now
    lease_expires REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (hub, namespace, name)
);

CREATE TABLE app_revisions (
    hub TEXT NOT NULL,
    namespace TEXT NOT NULL,
    app TEXT NOT NULL,
    revision INTEGER NOT NULL,
    name TEXT NOT NULL,                 -- <app>-v<revision>
    hash TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at REAL NOT NULL,
    succeeded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hub, namespace, app, revision)
);

CREATE TABLE app_placements (
    hub TEXT NOT NULL,
    namespace TEXT NOT NULL,
    app TEXT NOT NULL,
    cluster TEXT NOT NULL,
    revision TEXT NOT NULL,
    step TEXT NOT NULL,
    manifests TEXT NOT NULL,            -- JSON list of {component, object}
    overrides TEXT NOT NULL DEFAULT '[]', -- JSON list of [path, before, after]
    state TEXT NOT NULL,                -- pending | applied | failed
    message TEXT,
    applied_at REAL,
    PRIMARY KEY (hub, namespace, app, cluster)
);

CREATE TABLE app_resources (
    hub TEXT NOT NULL,
    namespace TEXT NOT NULL,
    app TEXT NOT NULL,
    cluster TEXT NOT NULL,
    api_version TEXT NOT NULL,
    kind TEXT NOT NULL,
    res_namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    component TEXT NOT NULL,
    revision TEXT NOT NULL,
    healthy INTEGER,                    -- NULL until checked
    message TEXT,
    applied_at REAL,
    checked_at REAL,
    PRIMARY KEY (hub, namespace, app, cluster, api_version, kind, res_namespace, name)
);

CREATE TABLE app_drift (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hub TEXT NOT NULL,
    namespace TEXT NOT NULL,
    app TEXT NOT NULL,
    cluster TEXT NOT NULL,
    kind TEXT NOT NULL,
    res_namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    paths TEXT NOT NULL,                -- JSON list of field paths
    action TEXT NOT NULL,               -- repaired | allowed | failed
    message TEXT,
    at REAL NOT NULL
);
CREATE INDEX app_drift_app ON app_drift (hub, namespace, app, at);

CREATE TABLE app_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hub TEXT NOT NULL,
    namespace TEXT NOT NULL,
    app TEXT NOT NULL,
    at REAL NOT NULL,
    type TEXT NOT NULL,                 -- Normal | Warning
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    cluster TEXT
);
CREATE INDEX app_events_app ON app_events (hub, namespace, app, at);
