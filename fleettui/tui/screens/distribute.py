"""Distribute from a selection: pick resources in a namespace of a source cluster and
target clusters (by name or by label), choose replicate or canary-first; the engine's
`compose.ref_objects_application` writes the `ref-objects` Application, which the
user then edits, validates (`hub.plan`), confirms and applies.

The store keeps summaries only; that is enough, since `ref-objects` references the
objects by name and the engine reads them from the source cluster when it applies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea

from fleettui.engine.compose import SelectedResource, ref_objects_application
from fleettui.engine.selectors import from_match_labels
from fleettui.metrics import inventory
from fleettui.metrics.fit import Fit, rank
from fleettui.store import ClusterRow, Store
from fleettui.tui.rollout_renderers import plan_table
from fleettui.tui.screens.dialogs import Confirm
from fleettui.tui.widgets.pick_list import PickList

# kind as the store names it -> (resource as kubectl spells it, API group)
KIND_RESOURCES = {
    "Deployment": ("deployment", "apps"),
    "StatefulSet": ("statefulset", "apps"),
    "DaemonSet": ("daemonset", "apps"),
    "Service": ("service", ""),
    "ConfigMap": ("configmap", ""),
}

MODES = (("replicate: one deploy to every target", "replicate"),
         ("canary-first: first target, a gate, then the rest", "canary"))

# planner(document) -> (application, plan entries); raises the hub's EngineError
Planner = Callable[[dict[str, Any]], Awaitable[tuple[Any, list[Any]]]]


def parse_labels(text: str) -> dict[str, str] | None:
    """`k=v,k2=v2` -> {k: v, k2: v2}; blank -> None. Raises ValueError naming the bad term."""
    if not text.strip():
        return None
    out: dict[str, str] = {}
    for term in text.split(","):
        key, sep, value = term.strip().partition("=")
        if not sep or not key.strip():
            raise ValueError(f"label selector: {term.strip() or '(empty)'!r} is not key=value")
        out[key.strip()] = value.strip()
    return out


def matching(clusters: Sequence[ClusterRow], labels: Mapping[str, str]) -> list[str]:
    """Clusters whose labels contain every pair of the selector (matchLabels), matched
    as the engine will match the topology's clusterLabelSelector."""
    wanted = from_match_labels(labels)
    return [c.name for c in clusters if wanted.matches(c.labels)]


def target_label(name: str, fit: Fit | None) -> str:
    """A target cluster as the list shows it once the picked workloads have a shape:
    `fits N, Cc` (replicas it has room for now, and the free CPU the list is ordered
    by: the least crowded first) or `no room: why`, as `fleettui fit` says."""
    if fit is None:
        return name
    if fit.fits:
        cores = fit.cpu_free_m / 1000
        return f"{name}  fits {fit.replicas}, {cores:.1f}c" if cores < 10 else \
            f"{name}  fits {fit.replicas}, {cores:.0f}c"
    return f"{name}  no room: {fit.reason}"


def ranked_targets(names: Sequence[str], fits: Sequence[Fit]) -> list[tuple[str, str]]:
    """(label, name) of every cluster, best fit first (`fit.rank`'s order); clusters the
    ranking has no nodes for keep their order after it. No fits: the names as they are."""
    known = set(names)
    by_name = {f.cluster: f for f in fits if f.cluster in known}
    ordered = [f.cluster for f in fits if f.cluster in known]
    ordered += [n for n in names if n not in by_name]
    return [(target_label(n, by_name.get(n)), n) for n in ordered]


def resource_value(kind: str, name: str) -> str:
    return f"{kind}/{name}"


def selected_resource(value: str) -> SelectedResource:
    kind, _, name = value.partition("/")
    resource, group = KIND_RESOURCES[kind]
    return SelectedResource(resource=resource, name=name, group=group)


@dataclass(frozen=True)
class Selection:
    source_cluster: str
    namespace: str
    resources: tuple[str, ...]  # "Kind/name"
    clusters: tuple[str, ...]
    labels: Mapping[str, str] | None
    name: str
    app_namespace: str
    mode: str
    gate_message: str = ""
    target_namespace: str = ""  # blank: the objects keep their namespace


def compose_application(sel: Selection, known: Sequence[ClusterRow]) -> dict[str, Any]:
    """The Application for a selection. With a label selector the targets are the
    clusters it matches now (the canary is the first of them); the policy keeps the
    selector, so a cluster labelled later is included on the next deploy."""
    if not sel.name.strip():
        raise ValueError("give the application a name")
    targets = matching(known, sel.labels) if sel.labels is not None else list(sel.clusters)
    canary = None
    if sel.mode == "canary":
        if not targets:
            raise ValueError("canary-first needs at least one target cluster")
        canary = targets[0]
    names = list(sel.clusters) if sel.labels is None else ([canary] if canary else [])
    doc = ref_objects_application(
        sel.name.strip(), sel.app_namespace.strip() or sel.namespace, source_cluster=sel.source_cluster,
        resources=[selected_resource(v) for v in sel.resources], clusters=names,
        cluster_labels=sel.labels, strategy=sel.mode, canary_cluster=canary,
        target_namespace=sel.target_namespace.strip() or None)
    if sel.mode == "canary" and sel.gate_message.strip():
        for step in doc["spec"]["workflow"]["steps"]:
            if step["type"] == "suspend":
                step["properties"]["message"] = sel.gate_message.strip()
    return doc


async def namespace_resources(store: Store, cluster: str, namespace: str) -> list[str]:
    """"Kind/name" of the workloads, services and configmaps the store knows there."""
    out = [resource_value(w.kind, w.name) for w in await store.workloads(cluster, namespace=namespace)]
    out += [resource_value("Service", s.name) for s in await store.services(cluster, namespace=namespace)]
    out += [resource_value("ConfigMap", n) for n in await store.object_names("ConfigMap", cluster, namespace)]
    return out


def _field(label: str, widget: Widget) -> ComposeResult:
    with Horizontal(classes="field pick-row"):
        yield Label(label, classes="field-label")
        yield widget


class SelectionDialog(ModalScreen[dict[str, Any] | None]):
    """Pick what to distribute and where; Ctrl+S writes the Application."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "write", "Write application")]

    DEFAULT_CSS = """
    SelectionDialog .dialog-box { height: 90%; }
    SelectionDialog .pick-row { height: auto; }
    SelectionDialog .pick-row > * { width: 1fr; height: auto; }
    SelectionDialog .pick-row > Vertical { padding-right: 1; }
    SelectionDialog SelectionList { height: auto; max-height: 7; }
    SelectionDialog Label, SelectionDialog .dialog-hint, SelectionDialog #matches { color: $text-muted; }
    SelectionDialog .field-label { width: 14; }
    SelectionDialog .field > Input, SelectionDialog .field > Select { width: 1fr; }
    """

    def __init__(self, store: Store) -> None:
        super().__init__(classes="dialog")
        self._store = store
        self.clusters: list[ClusterRow] = []
        self.fits: list[Fit] = []  # the targets' ranking for the picked workloads (none picked: empty)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static("Distribute from a selection", classes="dialog-title")
            yield Static("Tab: next field  Enter: open a list  Space: pick  Ctrl+S: write  Esc: cancel",
                         classes="dialog-hint")
            with VerticalScroll():
                with Horizontal(classes="pick-row"):
                    yield from _field("source", Select([], prompt="cluster", id="source", compact=True))
                    yield from _field("namespace", Select([], prompt="namespace", id="namespace", compact=True))
                with Horizontal(classes="pick-row"):
                    with Vertical():
                        yield Label("resources")
                        yield PickList(id="resources", compact=True)
                    with Vertical():
                        yield Label("target clusters")
                        yield PickList(id="targets", compact=True)
                yield from _field("or labels", Input(placeholder="env=prod,region=...", id="labels", compact=True))
                yield Static("", id="matches")
                with Horizontal(classes="pick-row"):
                    yield from _field("app name", Input(placeholder="name", id="app-name", compact=True))
                    yield from _field("namespace", Input(placeholder="namespace", id="app-namespace",
                                                         compact=True))
                yield from _field("to namespace", Input(placeholder="on the targets (blank: the same)",
                                                        id="target-namespace", compact=True))
                yield from _field("mode", Select(MODES, value="replicate", allow_blank=False, id="mode",
                                                 compact=True))
                yield from _field("gate", Input(placeholder="message at the canary's gate", id="gate",
                                                compact=True))
            yield Static("", id="selection-error", classes="dialog-error")

    def on_mount(self) -> None:
        self._load_clusters()
        self.query_one("#source", Select).focus()

    # -- the catalog, read from the store in workers --

    @work(group="catalog", exit_on_error=False)
    async def _load_clusters(self) -> None:
        try:
            self.clusters = await self._store.clusters()
        except Exception as exc:  # the cache is unreadable: say so, keep the dialog
            self._error(f"cannot read the clusters from the cache: {exc}")
            return
        self.query_one("#source", Select).set_options([(c.name, c.name) for c in self.clusters])
        self._set_targets()
        self._show_matches()

    # -- targets ranked by room for the picked workloads (the choice stays the user's) --

    def _set_targets(self) -> None:
        box = self.query_one("#targets", SelectionList)
        picked = set(box.selected)
        highlighted = box.highlighted
        box.set_options([(label, name, name in picked)
                         for label, name in ranked_targets([c.name for c in self.clusters], self.fits)])
        if highlighted is not None and box.option_count:
            box.highlighted = min(highlighted, box.option_count - 1)

    @on(SelectionList.SelectedChanged, "#resources")
    def _resources_picked(self) -> None:
        source = self.query_one("#source", Select).value
        namespace = self.query_one("#namespace", Select).value
        picked = tuple(self.query_one("#resources", SelectionList).selected)
        if isinstance(source, str) and isinstance(namespace, str) and picked:
            self._rank_targets(source, namespace, picked)
        elif self.fits:
            self.fits = []
            self._set_targets()
            self._show_matches()

    @work(exclusive=True, group="fit", exit_on_error=False)
    async def _rank_targets(self, source: str, namespace: str, picked: tuple[str, ...]) -> None:
        try:
            shapes = await inventory.read_shapes(self._store, source, namespace, picked)
            fits = rank(shapes, await inventory.read_nodes(self._store)) if shapes else []
        except Exception as exc:  # the ranking is advice: without it the list stays as it was
            self._error(f"cannot rank the targets from the cache: {exc}")
            return
        if not fits and not self.fits:
            return  # nothing with a pod template picked, and nothing ranked before: the list stands
        self.fits = fits
        self._set_targets()
        self._show_matches()

    @on(Select.Changed, "#source")
    def _source_changed(self, event: Select.Changed) -> None:
        self.query_one("#resources", SelectionList).clear_options()
        self.query_one("#namespace", Select).set_options([])
        if isinstance(event.value, str):
            self._load_namespaces(event.value)

    @work(exclusive=True, group="namespaces", exit_on_error=False)
    async def _load_namespaces(self, cluster: str) -> None:
        try:
            rows = await self._store.namespaces(cluster)
        except Exception as exc:
            self._error(f"cannot read the namespaces of {cluster}: {exc}")
            return
        self.query_one("#namespace", Select).set_options([(r.name, r.name) for r in rows])

    @on(Select.Changed, "#namespace")
    def _namespace_changed(self, event: Select.Changed) -> None:
        self.query_one("#resources", SelectionList).clear_options()
        source = self.query_one("#source", Select).value
        if isinstance(event.value, str) and isinstance(source, str):
            box = self.query_one("#app-namespace", Input)
            if not box.value:
                box.value = event.value
            self._load_resources(source, event.value)

    @work(exclusive=True, group="resources", exit_on_error=False)
    async def _load_resources(self, cluster: str, namespace: str) -> None:
        try:
            values = await namespace_resources(self._store, cluster, namespace)
        except Exception as exc:
            self._error(f"cannot read {cluster}/{namespace} from the cache: {exc}")
            return
        box = self.query_one("#resources", SelectionList)
        box.set_options([(v, v) for v in values])
        self._error("")
        if not values:
            self._error(f"the cache knows no workloads, services or configmaps in {cluster}/{namespace}")

    # -- targets by label: show which clusters match, live --

    @on(Input.Changed, "#labels")
    @on(SelectionList.SelectedChanged, "#targets")
    @on(Select.Changed, "#source")
    def _targets_changed(self) -> None:
        self._show_matches()

    def _show_matches(self) -> None:
        out = self.query_one("#matches", Static)
        try:
            labels = parse_labels(self.query_one("#labels", Input).value)
        except ValueError as exc:
            out.update(str(exc))
            return
        source = self.query_one("#source", Select).value
        if labels is None:
            names = list(self.query_one("#targets", SelectionList).selected)
            text = f"targets: {', '.join(names)}" if names else "targets: none picked"
        else:
            names = matching(self.clusters, labels)
            text = (f"matches {len(names)}: {', '.join(names) or 'no cluster'}"
                    "  (picked names are ignored while a selector is given)")
        if source in names:
            text += f"; {source} is the source too"
        if self.fits:
            text += "  (most free CPU first: Nc)"
        out.update(text)

    # -- the result --

    def selection(self) -> Selection:
        source = self.query_one("#source", Select).value
        namespace = self.query_one("#namespace", Select).value
        if not isinstance(source, str):
            raise ValueError("pick the source cluster")
        if not isinstance(namespace, str):
            raise ValueError("pick a namespace of the source cluster")
        mode = self.query_one("#mode", Select).value
        return Selection(
            source_cluster=source, namespace=namespace,
            resources=tuple(self.query_one("#resources", SelectionList).selected),
            clusters=tuple(self.query_one("#targets", SelectionList).selected),
            labels=parse_labels(self.query_one("#labels", Input).value),
            name=self.query_one("#app-name", Input).value,
            app_namespace=self.query_one("#app-namespace", Input).value,
            mode=mode if isinstance(mode, str) else "replicate",
            gate_message=self.query_one("#gate", Input).value,
            target_namespace=self.query_one("#target-namespace", Input).value)

    def action_write(self) -> None:
        try:
            doc = compose_application(self.selection(), self.clusters)
        except ValueError as exc:
            self._error(str(exc))
            return
        self.dismiss(doc)

    def _error(self, text: str) -> None:
        self.query_one("#selection-error", Static).update(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ApplicationEditor(ModalScreen[dict[str, Any] | None]):
    """The written Application as YAML, editable. Ctrl+S validates it through the hub
    (errors shown here, the buffer kept), shows the plan and asks; yes dismisses with
    the document to apply."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "plan", "Validate and plan")]

    DEFAULT_CSS = """
    ApplicationEditor .dialog-box { height: 90%; }
    ApplicationEditor TextArea { height: 1fr; }
    ApplicationEditor #editor-error { height: auto; max-height: 6; }
    """

    def __init__(self, document: dict[str, Any], planner: Planner) -> None:
        super().__init__(classes="dialog")
        self._text = yaml.safe_dump(document, sort_keys=False)
        self._planner = planner

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static("The Application (edit it; Ctrl+S validates and plans, Esc cancels)",
                         classes="dialog-title")
            yield TextArea(self._text, id="editor", show_line_numbers=True, soft_wrap=False)
            yield Static("", id="editor-error", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def action_plan(self) -> None:
        from fleettui.config import yamlfile
        from fleettui.config.errors import ConfigError

        try:
            document = yamlfile.load(self.text, source="the Application")
        except ConfigError as exc:
            self._error(str(exc))
            return
        if not isinstance(document, dict):
            self._error("the Application must be a YAML mapping")
            return
        self._error("validating…")
        self._plan_worker(document)

    @work(exclusive=True, group="plan", exit_on_error=False)
    async def _plan_worker(self, document: dict[str, Any]) -> None:
        try:
            app, plan = await self._planner(document)
        except Exception as exc:  # the hub's sentence names the application and field
            problems = getattr(exc, "problems", None)
            text = str(exc) or type(exc).__name__
            if problems and not all(str(p) in text for p in problems):
                text += "\n" + "\n".join(f"- {p}" for p in problems)
            self._error(text)
            return
        self._error("")
        title = f"Distribute {app.namespace}/{app.name}: {len(plan)} placement(s)"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(document)

        body = plan_table(plan) if plan else "valid; this hub gives no per-cluster plan"
        self.app.push_screen(Confirm(title, body), confirmed)

    def _error(self, text: str) -> None:
        self.query_one("#editor-error", Static).update(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
