"""The fleet file: what kubeconfig cannot say about each cluster.

Schema (docs/fleet-file.md)::

    hub: <context>                 # optional: the hub (OCM / KubeVela) context
    clusters:
      <name>:
        context: <context>         # default: <name>
        provider: ack              # ack, eks, aks, gke, idc, edge, ...
        region: cn-hangzhou
        zone: cn-hangzhou-h
        labels: {env: prod}
        prometheus: http://prometheus.example:9090
        cost: {cpu_core_hour: 0.04, memory_gib_hour: 0.005}
        access: gateway            # direct | gateway (through the hub's Cluster Gateway)
    resilience: {...}              # DR policy, `traffic: [...]` GTM entries: config/dr_policy.py

Validation errors name the file and line. Saving is atomic (temporary file in
the same directory, fsync, rename, directory fsync) so a crash or a full disk
never leaves a truncated file. PyYAML does not keep comments: only the comment
block at the top of the file survives a save.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from fleettui.config import dr_policy, mode, names, yamlfile
from fleettui.config.errors import ConfigError
from fleettui.config.labels import label_key_error, label_value_error

_TOP_KEYS = {"version", "hub", "alertmanager", "clusters", "prices", "resilience", "traffic"}
_CLUSTER_KEYS = {"context", "provider", "region", "zone", "labels", "prometheus", "cost", "access"}
# direct: the cluster's own kubeconfig context; gateway: through the hub's Cluster Gateway
# proxy with the hub's credentials. Unset: direct when the context exists, else the gateway.
ACCESS_MODES = ("direct", "gateway")
_COST_KEYS = {"cpu_core_hour", "memory_gib_hour", "node_hour"}
_PRICE_MATCH_KEYS = {"provider", "region", "node_type"}
_URL = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)


@dataclass(frozen=True)
class Cost:
    """Price per CPU core hour, per GiB of memory hour and (optionally) a fixed price per
    node hour (any currency; shown as given)."""

    cpu_core_hour: float | None = None
    memory_gib_hour: float | None = None
    node_hour: float | None = None

    def to_dict(self) -> dict[str, float]:
        return {
            k: v
            for k, v in (
                ("cpu_core_hour", self.cpu_core_hour),
                ("memory_gib_hour", self.memory_gib_hour),
                ("node_hour", self.node_hour),
            )
            if v is not None
        }


@dataclass(frozen=True)
class PriceRule:
    """A `prices:` entry: the rates for the nodes it matches (provider, region and
    node type — the node label `node.kubernetes.io/instance-type`; a key left out
    matches anything). The most specific matching rule wins."""

    cost: Cost
    provider: str | None = None
    region: str | None = None
    node_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in ("provider", "region", "node_type") if getattr(self, k)}
        return out | self.cost.to_dict()


@dataclass(frozen=True)
class FleetCluster:
    name: str
    context: str
    provider: str | None = None
    region: str | None = None
    zone: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    prometheus: str | None = None
    cost: Cost | None = None
    access: str | None = None  # direct | gateway | None (decided by what exists)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.context != self.name:
            out["context"] = self.context
        for key in ("provider", "region", "zone"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.labels:
            out["labels"] = dict(self.labels)
        if self.prometheus:
            out["prometheus"] = self.prometheus
        if self.cost and self.cost.to_dict():
            out["cost"] = self.cost.to_dict()
        if self.access:
            out["access"] = self.access
        return out


class FleetFile:
    """The parsed fleet file; mutate with the methods, then `save()`."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        hub: str | None = None,
        clusters: Mapping[str, FleetCluster] | None = None,
        header: str = "",
        alertmanager: str | None = None,
        dr_sections: Mapping[str, Any] | None = None,
        prices: list[PriceRule] | None = None,
    ) -> None:
        self.path = Path(path)
        self.hub = hub
        self.alertmanager = alertmanager  # the fleet's Alertmanager (alert state, silences)
        self.prices: list[PriceRule] = list(prices or [])  # rates by provider/region/node type
        self.clusters: dict[str, FleetCluster] = dict(clusters or {})
        self.header = header  # leading comment block, kept across saves
        # `resilience:` / `traffic:` as written, so a `cluster add` saves them back untouched
        self.dr_sections: dict[str, Any] = dict(dr_sections or {})
        self.resilience = dr_policy.parse_resilience(self.dr_sections.get("resilience"))
        self.traffic = dr_policy.parse_traffic(self.dr_sections.get("traffic"))

    # -- loading ----------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, missing_ok: bool = False) -> FleetFile:
        p = Path(path)
        try:
            text = yamlfile.read_text(p, what="fleet file")
        except FileNotFoundError:
            if missing_ok:
                return cls(p)
            raise ConfigError("fleet file does not exist", path=str(p)) from None
        except OSError as exc:
            raise ConfigError(f"cannot read fleet file: {exc.strerror}", path=str(p)) from exc
        return cls.parse(text, path=p)

    @classmethod
    def parse(cls, text: str, *, path: str | os.PathLike[str] = "<fleet file>") -> FleetFile:
        src = str(path)
        node, data = yamlfile.compose_single(text, source=src)
        lines: dict[tuple[str, ...], int] = {}
        if node is not None:
            _index_lines(node, (), lines, src)
        header = _leading_comments(text)
        if data is None:
            return cls(path, header=header)
        if not isinstance(data, dict):
            raise ConfigError(
                "the fleet file must be a mapping with 'hub' and 'clusters'", path=src, line=1
            )

        def fail(msg: str, *key: str) -> ConfigError:
            return ConfigError(msg, path=src, line=lines.get(tuple(key)))

        unknown = sorted(set(map(str, data)) - _TOP_KEYS)
        if unknown:
            raise fail(f"unknown key {unknown[0]!r} (allowed: alertmanager, hub, clusters, prices, resilience, "
                       f"traffic, version)", unknown[0])
        if data.get("version", 1) != 1:
            raise fail(
                f"unsupported fleet file version {data['version']!r} (this fleettui reads 1)",
                "version",
            )
        hub = data.get("hub")
        if hub is not None and (not isinstance(hub, str) or not hub.strip()):
            raise fail("'hub' must be a context name", "hub")
        alertmanager = data.get("alertmanager")
        if alertmanager is not None and (not isinstance(alertmanager, str) or not _URL.match(alertmanager)):
            raise fail(f"'alertmanager' must be an http(s) URL, got {alertmanager!r}", "alertmanager")
        raw_clusters = data.get("clusters") or {}
        if not isinstance(raw_clusters, dict):
            raise fail("'clusters' must be a mapping of cluster name to settings", "clusters")
        clusters: dict[str, FleetCluster] = {}
        for name, body in raw_clusters.items():
            key = ("clusters", str(name))
            if not isinstance(name, str) or not name.strip() or name != name.strip():
                raise fail(
                    f"cluster name {name!r} must be a non-empty string without surrounding spaces",
                    *key,
                )
            try:
                clusters[name] = _parse_cluster(name, body)
            except _FieldError as exc:
                raise fail(f"cluster {name!r}: {exc.message}", *key, *exc.key) from None
        contexts: dict[str, str] = {}
        for c in clusters.values():
            if c.context in contexts:
                raise fail(
                    f"clusters {contexts[c.context]!r} and {c.name!r} both use context {c.context!r}",
                    "clusters",
                    c.name,
                )
            contexts[c.context] = c.name
        prices = []
        raw_prices = data.get("prices") or []
        if not isinstance(raw_prices, list):
            raise fail("'prices' must be a list of rates (provider, region, node_type, cpu_core_hour, ...)",
                       "prices")
        for i, entry in enumerate(raw_prices):
            try:
                prices.append(_parse_price(entry))
            except _FieldError as exc:
                raise fail(f"prices[{i}]: {exc.message}", "prices") from None
        sections = {k: data[k] for k in ("resilience", "traffic") if data.get(k) is not None}
        try:
            return cls(path, hub=hub.strip() if hub else None, clusters=clusters, header=header,
                       alertmanager=alertmanager, dr_sections=sections, prices=prices)
        except dr_policy.PolicyError as exc:
            top = "traffic" if exc.message.startswith("traffic") or exc.message.startswith("'traffic") \
                else "resilience"
            line = lines.get((top, *exc.key)) or lines.get((top,))
            raise ConfigError(exc.message, path=src, line=line) from None

    # -- queries and edits --------------------------------------------------

    def cluster_for_context(self, context: str) -> FleetCluster | None:
        for c in self.clusters.values():
            if c.context == context:
                return c
        return None

    def add(self, cluster: FleetCluster) -> None:
        if cluster.name in self.clusters:
            raise ConfigError(
                f"cluster {cluster.name!r} is already in the fleet file", path=str(self.path)
            )
        other = self.cluster_for_context(cluster.context)
        if other is not None:
            raise ConfigError(
                f"context {cluster.context!r} is already registered as cluster {other.name!r}",
                path=str(self.path),
            )
        try:
            _validate_cluster(cluster)
        except _FieldError as exc:
            raise ConfigError(f"cluster {cluster.name!r}: {exc.message}") from None
        self.clusters[cluster.name] = cluster

    def remove(self, name: str) -> FleetCluster:
        try:
            return self.clusters.pop(name)
        except KeyError:
            raise ConfigError(
                f"cluster {name!r} is not in the fleet file", path=str(self.path)
            ) from None

    def relabel(
        self,
        name: str,
        set_labels: Mapping[str, str],
        remove: list[str],
        *,
        overwrite: bool = False,
    ) -> FleetCluster:
        """kubectl label semantics: changing an existing value needs `overwrite`."""
        if name not in self.clusters:
            raise ConfigError(f"cluster {name!r} is not in the fleet file", path=str(self.path))
        current = self.clusters[name]
        labels = dict(current.labels)
        for key, value in set_labels.items():
            if key in labels and labels[key] != value and not overwrite:
                raise ConfigError(
                    f"cluster {name!r} already has label {key}={labels[key]}; use --overwrite to change it"
                )
            labels[key] = value
        for key in remove:
            labels.pop(key, None)
        updated = replace(current, labels=labels)
        try:
            _validate_cluster(updated)
        except _FieldError as exc:
            raise ConfigError(f"cluster {name!r}: {exc.message}") from None
        self.clusters[name] = updated
        return updated

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.hub:
            out["hub"] = self.hub
        if self.alertmanager:
            out["alertmanager"] = self.alertmanager
        if self.prices:
            out["prices"] = [p.to_dict() for p in self.prices]
        out["clusters"] = {name: c.to_dict() for name, c in self.clusters.items()}
        out.update(self.dr_sections)
        return out

    def dumps(self) -> str:
        body = yaml.safe_dump(
            self.to_dict(), sort_keys=False, default_flow_style=False, allow_unicode=True
        )
        return (self.header + body) if self.header else body

    # -- saving -------------------------------------------------------------

    def save(self) -> None:
        """Write atomically: the old file stays complete until the new one is durable."""
        mode.require_writable(f"write the fleet file {self.path}")
        text = self.dumps()
        # Round-trip before writing: never persist something we could not read back.
        FleetFile.parse(text, path=self.path)
        atomic_write(self.path, text.encode("utf-8"))


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file in the same directory, fsync, rename.

    The file mode of an existing file is kept; a new file gets 0644 minus umask.
    A symlink is followed (dotfile managers link the real file from elsewhere):
    its target is replaced, the link stays.
    """
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o644 & ~umask
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    # Make the rename itself durable.
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


@contextlib.contextmanager
def edit(path: str | os.PathLike[str]) -> Iterator[FleetFile]:
    """Load, let the caller change, save — holding a lock so two editors do not lose an update.

    Nothing is written when the body raises, nor in a read-only process: that is refused
    before the lock file or a missing folder is created.
    """
    p = Path(path)
    mode.require_writable(f"edit the fleet file {p}")
    p.parent.mkdir(parents=True, exist_ok=True)
    lock_path = p.with_name(f".{p.name}.lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            fleet = FleetFile.load(p, missing_ok=True)
            yield fleet
            fleet.save()
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


# -- parsing helpers ---------------------------------------------------------


class _FieldError(Exception):
    def __init__(self, message: str, *key: str) -> None:
        super().__init__(message)
        self.message = message
        self.key = key


def _opt_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _FieldError(f"'{key}' must be a non-empty string", key)
    return value.strip()


def _parse_cluster(name: str, body: Any) -> FleetCluster:
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise _FieldError(
            "settings must be a mapping (context, provider, region, zone, labels, prometheus, cost, access)"
        )
    unknown = sorted(set(map(str, body)) - _CLUSTER_KEYS)
    if unknown:
        raise _FieldError(
            f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_CLUSTER_KEYS))})", unknown[0]
        )
    labels = body.get("labels") or {}
    if not isinstance(labels, dict):
        raise _FieldError("'labels' must be a mapping of key to value", "labels")
    cost = None
    raw_cost = body.get("cost")
    if raw_cost is not None:
        if not isinstance(raw_cost, dict):
            raise _FieldError("'cost' must be a mapping (cpu_core_hour, memory_gib_hour)", "cost")
        bad = sorted(set(map(str, raw_cost)) - _COST_KEYS)
        if bad:
            raise _FieldError(
                f"cost: unknown key {bad[0]!r} (allowed: cpu_core_hour, memory_gib_hour, node_hour)",
                "cost",
                bad[0],
            )
        cost = Cost(raw_cost.get("cpu_core_hour"), raw_cost.get("memory_gib_hour"), raw_cost.get("node_hour"))
    cluster = FleetCluster(
        name=name,
        context=_opt_str(body, "context") or name,
        provider=_opt_str(body, "provider"),
        region=_opt_str(body, "region"),
        zone=_opt_str(body, "zone"),
        labels={str(k): v for k, v in labels.items()},
        prometheus=_opt_str(body, "prometheus"),
        cost=cost,
        access=_opt_str(body, "access"),
    )
    _validate_cluster(cluster)
    return cluster


def cluster_name_error(name: str) -> str | None:
    """Cluster names become OCM ManagedCluster names and the value of the
    `app.oam.dev/cluster` label on everything placed there: a name Kubernetes refuses
    would only fail at the first deploy."""
    errs = names.object_name_in_labels(name)
    return names.invalid("cluster name", name, errs) if errs else None


def _validate_cluster(c: FleetCluster) -> None:
    err = cluster_name_error(c.name)
    if err:
        raise _FieldError(err)
    for key, value in c.labels.items():
        err = label_key_error(key) or label_value_error(key, value)
        if err:
            raise _FieldError(err, "labels", key)
    if c.access is not None and c.access not in ACCESS_MODES:
        raise _FieldError(f"'access' must be direct or gateway, got {c.access!r}", "access")
    if c.prometheus and not _URL.match(c.prometheus):
        raise _FieldError(
            f"'prometheus' must be an http(s) URL, got {c.prometheus!r}", "prometheus"
        )
    if c.cost is not None:
        _validate_cost(c.cost, "cost")


def _validate_cost(cost: Cost, where: str) -> None:
    for key in sorted(_COST_KEYS):
        value = getattr(cost, key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            raise _FieldError(f"{where}.{key} must be a non-negative number, got {value!r}", where, key)


def _parse_price(entry: Any) -> PriceRule:
    if not isinstance(entry, dict):
        raise _FieldError("must be a mapping (provider, region, node_type, cpu_core_hour, memory_gib_hour, node_hour)")
    allowed = _PRICE_MATCH_KEYS | _COST_KEYS
    bad = sorted(set(map(str, entry)) - allowed)
    if bad:
        raise _FieldError(f"unknown key {bad[0]!r} (allowed: {', '.join(sorted(allowed))})")
    for key in _PRICE_MATCH_KEYS:
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise _FieldError(f"{key} must be a string, got {entry[key]!r}")
    cost = Cost(entry.get("cpu_core_hour"), entry.get("memory_gib_hour"), entry.get("node_hour"))
    _validate_cost(cost, "rate")
    return PriceRule(cost, entry.get("provider"), entry.get("region"), entry.get("node_type"))


def _index_lines(
    node: yaml.Node, path: tuple[str, ...], out: dict[tuple[str, ...], int], src: str
) -> None:
    """Record the line of every mapping key, and refuse duplicate keys (PyYAML keeps the last)."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            here = (*path, key)
            if key in seen:
                raise ConfigError(
                    f"duplicate key {key!r}", path=src, line=key_node.start_mark.line + 1
                )
            seen.add(key)
            out[here] = key_node.start_mark.line + 1
            _index_lines(value_node, here, out, src)


def _leading_comments(text: str) -> str:
    lines: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("#") or (lines and not line.strip()):
            lines.append(line)
        else:
            break
    while lines and not lines[-1].strip():
        lines.pop()
    return "".join(lines) + ("\n" if lines and not lines[-1].endswith("\n") else "")
