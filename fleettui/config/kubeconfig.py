"""Read kubeconfig files the way kubectl does, merged into one view of the contexts.

kubectl's rules (client-go `ClientConfigLoadingRules`), which users rely on:
- `KUBECONFIG` (or `--kubeconfig`) may list several files separated by ':';
  empty entries and repeated files are ignored, missing files are skipped;
- for clusters, users and contexts the *first* file that defines a name wins;
- `current-context` (and `preferences`) come from the first file that sets them;
- relative paths inside a file (certificate-authority, client-certificate,
  client-key, tokenFile, an exec command with a directory part) are relative to
  that file, so they are made absolute while merging: the merged dict handed to
  kubernetes_asyncio has no file of its own to be relative to.
"""

from __future__ import annotations

import copy
import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleettui.config import yamlfile
from fleettui.config.errors import ConfigError
from fleettui.config.paths import default_kubeconfig_paths

_CLUSTER_PATH_KEYS = ("certificate-authority",)
_USER_PATH_KEYS = ("client-certificate", "client-key", "tokenFile")


@dataclass(frozen=True)
class ContextRef:
    """One kubeconfig context, with the server it points at (None when its cluster is undefined)."""

    name: str
    cluster: str
    user: str
    server: str | None
    namespace: str | None
    source: str = ""


def split_paths(value: str | None) -> list[str]:
    if not value:
        return []
    return [p for p in value.split(os.pathsep) if p]


def load_kubeconfig(paths: str | Iterable[str] | None = None) -> KubeConfig:
    """Load and merge kubeconfig files.

    `paths` is the `--kubeconfig` value (':'-separated allowed) or None for
    `$KUBECONFIG` / `~/.kube/config`. A single explicitly named file that does
    not exist is an error (as in kubectl); in a list, missing files are skipped
    and it is an error only when none of them exists.
    """
    explicit = paths is not None
    if isinstance(paths, str) or paths is None:
        files = split_paths(paths) if explicit else default_kubeconfig_paths()
    else:
        files = [p for p in paths if p]
    seen: set[str] = set()
    ordered: list[Path] = []
    for f in files:
        p = Path(f).expanduser()
        key = str(p.resolve()) if p.exists() else str(p)
        if key not in seen:
            seen.add(key)
            ordered.append(p)
    if not ordered:
        raise ConfigError("no kubeconfig given (empty --kubeconfig or KUBECONFIG)")
    if explicit and len(ordered) == 1 and not ordered[0].exists():
        raise ConfigError("kubeconfig file does not exist", path=str(ordered[0]))
    present = [p for p in ordered if p.exists()]
    if not present:
        tried = ", ".join(str(p) for p in ordered)
        raise ConfigError(
            f"no kubeconfig found (tried {tried}); set KUBECONFIG or pass --kubeconfig"
        )
    merged = KubeConfig()
    for p in present:
        merged._merge_file(p)
    return merged


class KubeConfig:
    """The merged kubeconfig: contexts to choose from and the dict kubernetes_asyncio loads."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.current_context: str | None = None
        self.preferences: dict[str, Any] = {}
        self._clusters: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._contexts: dict[str, dict[str, Any]] = {}
        self._sources: dict[str, str] = {}

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "<dict>") -> KubeConfig:
        """A KubeConfig from an already-parsed document (tests, hub-provided configs)."""
        kc = cls()
        kc._merge_doc(data, source=source, base=None)
        return kc

    # -- merging ----------------------------------------------------------

    def _merge_file(self, path: Path) -> None:
        try:
            text = yamlfile.read_text(path, what="kubeconfig")
        except OSError as exc:
            raise ConfigError(f"cannot read kubeconfig: {exc.strerror}", path=str(path)) from exc
        data = yamlfile.load(text, source=str(path))
        if data is None:  # an empty file is legal for kubectl
            data = {}
        if not isinstance(data, dict):
            raise ConfigError("a kubeconfig must be a mapping", path=str(path))
        self._merge_doc(data, source=str(path), base=path.parent.resolve())
        self.paths.append(str(path))

    def _merge_doc(self, data: dict[str, Any], *, source: str, base: Path | None) -> None:
        for section, target, inner in (
            ("clusters", self._clusters, "cluster"),
            ("users", self._users, "user"),
            ("contexts", self._contexts, "context"),
        ):
            entries = data.get(section) or []
            if not isinstance(entries, list):
                raise ConfigError(f"'{section}' must be a list", path=source)
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                    raise ConfigError(f"{section}[{i}] has no name", path=source)
                name = entry["name"]
                if name in target:  # first definition wins
                    continue
                body = copy.deepcopy(entry.get(inner) or {})
                if not isinstance(body, dict):
                    raise ConfigError(
                        f"{section}[{i}] ({name}): '{inner}' must be a mapping", path=source
                    )
                if base is not None:
                    _absolutize(body, section, base)
                target[name] = body
                if section == "contexts":
                    self._sources[name] = source
        if self.current_context is None and data.get("current-context"):
            self.current_context = str(data["current-context"])
        if not self.preferences and isinstance(data.get("preferences"), dict):
            self.preferences = dict(data["preferences"])

    # -- queries ----------------------------------------------------------

    @property
    def contexts(self) -> list[ContextRef]:
        return [self._ref(name) for name in self._contexts]

    def has_context(self, name: str) -> bool:
        return name in self._contexts

    def context(self, name: str) -> ContextRef:
        if name not in self._contexts:
            raise ConfigError(
                f"context {name!r} not found in kubeconfig ({self._describe_paths()})"
            )
        return self._ref(name)

    def select(self, globs: list[str] | None) -> list[ContextRef]:
        """Contexts matching any glob (fnmatch, case-sensitive), in kubeconfig order.

        No globs means every context. A glob that matches nothing is an error,
        as `kubectl --context` naming a missing context is: a typo should not
        silently shrink the fleet.
        """
        refs = self.contexts
        if not globs:
            return refs
        unmatched = [g for g in globs if not any(fnmatch.fnmatchcase(r.name, g) for r in refs)]
        if unmatched:
            names = ", ".join(r.name for r in refs[:20]) + (" ..." if len(refs) > 20 else "")
            raise ConfigError(
                f"no kubeconfig context matches {', '.join(map(repr, unmatched))} "
                f"(contexts: {names or 'none'})"
            )
        return [r for r in refs if any(fnmatch.fnmatchcase(r.name, g) for g in globs)]

    def as_dict(self, *, current_context: str | None = None) -> dict[str, Any]:
        """The merged kubeconfig as one document (deep copy), for kubernetes_asyncio."""
        cur = current_context or self.current_context
        doc: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": n, "cluster": copy.deepcopy(c)} for n, c in self._clusters.items()
            ],
            "users": [{"name": n, "user": copy.deepcopy(u)} for n, u in self._users.items()],
            "contexts": [
                {"name": n, "context": copy.deepcopy(c)} for n, c in self._contexts.items()
            ],
            "preferences": copy.deepcopy(self.preferences),
        }
        if cur:
            doc["current-context"] = cur
        return doc

    def cluster_entry(self, name: str) -> dict[str, Any] | None:
        c = self._clusters.get(name)
        return copy.deepcopy(c) if c is not None else None

    def user_entry(self, name: str) -> dict[str, Any] | None:
        u = self._users.get(name)
        return copy.deepcopy(u) if u is not None else None

    def _ref(self, name: str) -> ContextRef:
        ctx = self._contexts[name]
        cluster_name = str(ctx.get("cluster") or "")
        cluster = self._clusters.get(cluster_name) or {}
        server = cluster.get("server")
        return ContextRef(
            name=name,
            cluster=cluster_name,
            user=str(ctx.get("user") or ""),
            server=str(server).rstrip("/") if server else None,
            namespace=ctx.get("namespace") or None,
            source=self._sources.get(name, ""),
        )

    def _describe_paths(self) -> str:
        return ":".join(self.paths) if self.paths else "in-memory"


def _absolutize(body: dict[str, Any], section: str, base: Path) -> None:
    keys = (
        _CLUSTER_PATH_KEYS
        if section == "clusters"
        else _USER_PATH_KEYS
        if section == "users"
        else ()
    )
    for key in keys:
        value = body.get(key)
        if isinstance(value, str) and value and not os.path.isabs(value):
            body[key] = str(base / os.path.expanduser(value))
    if section == "users":
        exec_cfg = body.get("exec")
        # client-go resolves an exec command relative to the file only when it
        # has a directory part; a bare name is looked up on PATH.
        if isinstance(exec_cfg, dict):
            cmd = exec_cfg.get("command")
            if isinstance(cmd, str) and os.sep in cmd and not os.path.isabs(cmd):
                exec_cfg["command"] = str(base / cmd)
