"""The topology pane: fleet → region → zone → cluster → namespace → workload, nodes
under each cluster, health and counts at every level.

Updated incrementally, keyed by `TopologyNode.key`: labels change in place,
children are added and removed, and whatever the user expanded stays
expanded. Children are only materialized once a node is expanded, so a fleet of
hundreds of clusters and thousands of workloads costs what is on screen.

Above `COLLAPSE_ABOVE` clusters the store is not read whole either: the refresh
reads an outline (regions, zones, clusters with their counts from one grouped
query) and the subtrees of the clusters the user opened, nothing else. Opening a
cluster asks for a refresh that reads it (in the refresh worker, like every read).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from fleettui.store import Store, TopologyNode
from fleettui.store.rollup_health import is_problem
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import Palette, topology_label

# expanded the first time they appear; deeper levels wait for the user
AUTO_EXPAND = {"fleet", "region", "zone"}
# Above this many clusters only the fleet opens by itself: its regions show their
# counts and health, and a thousand cluster rows are built only for the regions the
# user opens (every cluster's row on the first frame cost seconds of UI thread).
COLLAPSE_ABOVE = 50


def _matches(node: TopologyNode, needle: str) -> bool:
    # an outline's cluster has no leaves to look at, but its counts say their health words
    return any(needle in n.name.lower() or needle == n.health or (n.partial and n.counts.get(needle))
               for n in node.walk())


async def read_topology(store: Store, opened: Collection[str] = ()) -> TopologyNode:
    """The whole tree for a small fleet; above COLLAPSE_ABOVE clusters, the outline with
    the subtrees of the `opened` clusters only."""
    if (await store.fleet_summary()).clusters_total <= COLLAPSE_ABOVE:
        return await store.topology()
    return await store.topology_outline(opened)


class TopologyPane(Pane):
    pane_id = "topology"
    title = "Topology"

    BINDINGS = [Binding("E", "expand_problems", "Expand problems", key_display="E")]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._model: TopologyNode | None = None
        self._by_key: dict[str, TopologyNode] = {}
        self._palette = Palette()
        self._needle = ""
        self._auto = AUTO_EXPAND
        # an outline's clusters whose subtrees the next refreshes read (opened by the user,
        # a jump, or E); a key to select, or problems to open, once they are read
        self._opened: set[str] = set()
        self._pending_key: str | None = None
        self._pending_problems = False

    def compose(self) -> ComposeResult:
        yield Static(id="topology-info", classes="pane-info")
        tree: Tree[str] = Tree("fleet", data="fleet", id="topology-tree")
        tree.show_root = True
        tree.guide_depth = 2
        yield tree

    @property
    def tree(self) -> Tree[str]:
        return self.query_one("#topology-tree", Tree)

    @staticmethod
    async def fetch(store: Store) -> TopologyNode:
        return await read_topology(store)

    def make_fetch(self) -> Callable[[Store], Awaitable[TopologyNode]]:
        opened = frozenset(self._opened)

        async def fetch(store: Store) -> TopologyNode:
            return await read_topology(store, opened)

        return fetch

    def show(self, data: TopologyNode, now: float, palette: Palette) -> None:
        self._model, self._palette = data, palette
        self._redraw()
        if self._pending_key is not None and self._loaded(self._pending_key):
            key, self._pending_key = self._pending_key, None
            if not self.select_key(key):
                self.app.notify(f"{key} is not in the cache", severity="warning")
        if self._pending_problems and all(self._loaded(f"cluster:{c}") for c in self._opened):
            self._pending_problems = False
            self.action_expand_problems()

    def _loaded(self, key: str) -> bool:
        """The cluster this key is in (if any) was read whole, or is gone from the fleet."""
        if self._model is None or not key.startswith("cluster:"):
            return True
        node = self._model.find(key.split("/", 1)[0])
        return node is None or not node.partial

    def _open_cluster(self, name: str) -> None:
        """Read this cluster's subtree from the next refresh on (asked for now)."""
        if name not in self._opened:
            self._opened.add(name)
            self.app.action_refresh_now()  # type: ignore[attr-defined]

    def _visible(self, node: TopologyNode) -> TopologyNode:
        if not self._needle:
            return node
        kept = tuple(self._visible(c) for c in node.children if _matches(c, self._needle))
        return TopologyNode(key=node.key, kind=node.kind, name=node.name, health=node.health,
                            counts=node.counts, detail=node.detail, children=kept)

    def _redraw(self) -> None:
        if self._model is None:
            return
        model = self._visible(self._model)
        self._by_key = {n.key: n for n in model.walk()}
        clusters = sum(1 for n in self._model.walk() if n.kind == "cluster")
        self._auto = AUTO_EXPAND if clusters <= COLLAPSE_ABOVE or self._needle else {"fleet"}
        root = self.tree.root
        with self.app.batch_update():
            self._sync(root, model, first=root.data == "fleet" and not root.children)
        leaves = sum(model.counts.values())
        problems = sum(v for k, v in model.counts.items() if is_problem(k))
        info = f"{leaves} workloads and nodes, {problems} with problems"
        if self._needle:
            info += f"  filter: /{self._needle}"
        self.query_one("#topology-info", Static).update(self.info_line(info))

    def _sync(self, tn: TreeNode[str], model: TopologyNode, *, first: bool = False) -> None:
        label = topology_label(model, self._palette)
        if tn.label.plain != label.plain or tn.label.spans != label.spans or first:
            tn.set_label(label)
        tn.allow_expand = bool(model.children) or model.partial
        if first and model.kind in self._auto:
            tn.expand()
        if not tn.is_expanded and not tn.children:
            return  # not materialized yet: done when the user expands it
        wanted = {c.key: c for c in model.children}
        for child in list(tn.children):
            if child.data not in wanted:
                child.remove()
        existing = {child.data: child for child in tn.children}
        for i, child_model in enumerate(model.children):
            node = existing.get(child_model.key)
            if node is None:
                before = i if i < len(tn.children) else None
                node = tn.add(topology_label(child_model, self._palette), data=child_model.key,
                              before=before, allow_expand=bool(child_model.children) or child_model.partial)
                self._sync(node, child_model, first=True)
            else:
                self._sync(node, child_model)

    @on(Tree.NodeExpanded, "#topology-tree")
    def _materialize(self, event: Tree.NodeExpanded[str]) -> None:
        model = self._by_key.get(event.node.data or "")
        if model is not None and model.partial:
            self._open_cluster(model.name)
        elif model is not None and not event.node.children:
            self._sync(event.node, model)

    @on(Tree.NodeCollapsed, "#topology-tree")
    def _close(self, event: Tree.NodeCollapsed[str]) -> None:
        # a closed cluster is not read on every refresh any more; opened again, it is re-read
        model = self._by_key.get(event.node.data or "")
        if model is not None and model.kind == "cluster":
            self._opened.discard(model.name)

    def action_expand_problems(self) -> None:
        """Open every branch that has a problem below it, down to the problem."""
        if self._model is None:
            return

        def walk(tn: TreeNode[str]) -> None:
            model = self._by_key.get(tn.data or "")
            if model is None or not is_problem(model.health):
                return
            if model.partial:  # read it, then open on down to the problem (`show`)
                self._pending_problems = True
                self._open_cluster(model.name)
                tn.expand()
                return
            if not model.children:
                return
            tn.expand()
            self._sync(tn, model)
            for child in tn.children:
                walk(child)

        walk(self.tree.root)

    def select_key(self, key: str) -> bool:
        """Expand down to the node with this key and put the cursor on it."""
        if self._model is None:
            return False
        if self._model.find(key) is None:
            cluster = self._model.find(key.split("/", 1)[0]) if key.startswith("cluster:") else None
            if cluster is None or not cluster.partial:
                return False
            # in a cluster not read yet: read it, then select (`show`)
            self._pending_key = key
            self._open_cluster(cluster.name)
            return True
        path: list[TopologyNode] = []

        def find(node: TopologyNode) -> bool:
            path.append(node)
            if node.key == key:
                return True
            if any(find(c) for c in node.children):
                return True
            path.pop()
            return False

        find(self._model)
        tn = self.tree.root
        for model in path[1:]:
            tn.expand()
            self._sync(tn, self._by_key.get(tn.data or "", model))
            nxt = next((c for c in tn.children if c.data == model.key), None)
            if nxt is None:
                return False
            tn = nxt
        self.tree.focus()
        # the tree numbers its lines on the next refresh; place the cursor after it
        self.call_after_refresh(self._place_cursor, tn)
        return True

    def _place_cursor(self, tn: TreeNode[str]) -> None:
        self.tree.move_cursor(tn)
        self.tree.scroll_to_node(tn)

    def set_filter(self, text: str) -> None:
        self._needle = text.strip().lower()
        self._redraw()

    @property
    def filter_text(self) -> str:
        return self._needle

    def focus_table(self) -> None:
        self.tree.focus()
