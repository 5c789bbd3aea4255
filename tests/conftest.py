"""Shared fixtures: a started in-process simulator and its kubeconfig."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from fleettui.sim import Simulator
from fleettui.store import Store


# first: xdist's own hook turns the xdist_group marks into its scheduling groups
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """How the suite spreads over xdist workers (`-n`, `--dist loadgroup` in pyproject).

    A module whose tests share a module-scoped fixture (a real Prometheus, a `fleettui sim
    --prometheus` stack) is one xdist group, so one worker starts it once; spread
    test by test, every worker that ran one of its tests would start its own.

    Modules with a test marked `slow` are collected first: xdist hands out work in
    collection order, and a 30 s test picked up last would run alone at the end while
    the other workers idle. Whole modules move, so module fixtures still set up once.
    """
    for item in items:
        defs = getattr(item, "_fixtureinfo", None)
        if defs is None:
            continue
        if any(fd.scope in ("module", "class", "package")
               for fds in defs.name2fixturedefs.values() for fd in fds[-1:]):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
    slow_modules = {item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in slow_modules)
    # before -k/-m deselect anything: every module here was collected whole
    config.stash[STALE_SNAPSHOTS] = stale_snapshots(items)


STALE_SNAPSHOTS = pytest.StashKey[list[Path]]()


@pytest.fixture
def stale_snapshot_files(request: pytest.FixtureRequest) -> list[Path]:
    return request.config.stash.get(STALE_SNAPSHOTS, [])


def _test_names(collector: pytest.Collector, prefix: str = "") -> Iterator[str]:
    for node in collector.collect():
        if isinstance(node, pytest.Item):
            yield prefix + node.name
        elif isinstance(node, pytest.Class):
            yield from _test_names(node, f"{prefix}{node.name}.")


def stale_snapshots(items: list[pytest.Item]) -> list[Path]:
    """Snapshot files (`__snapshots__/<module>/<test>[.<n>].svg`) of the collected modules
    that no test of theirs writes any more (a renamed or removed test or parameter).

    syrupy fails a serial run on those, but skips that check under xdist (its workers'
    reports are not merged); test_snapshot_files.py makes it again, in any worker."""
    stale = []
    for module in {item.getparent(pytest.Module) for item in items} - {None}:
        assert module is not None
        folder = module.path.parent / "__snapshots__" / module.path.stem
        if not folder.is_dir():
            continue
        # the module collected again: pytest's own items may be only those `file::test` named
        names = set(_test_names(module))
        stale += [f for f in sorted(folder.iterdir())
                  if re.sub(r"\.\d+$", "", f.name.removesuffix(f.suffix)) not in names]
    return stale


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """Demo seed, 3 member clusters (+ hub), frozen clock: only `await sim.advance()` moves it."""
    s = Simulator(clusters=3, seed="demo", clock_speed=1.0, rng_seed=0)
    s.clock.freeze()
    await s.start(host="127.0.0.1", port=0)
    try:
        yield s
    finally:
        await s.stop()


@pytest.fixture
def kubeconfig_path(sim: Simulator, tmp_path: Path) -> Path:
    """The simulator's kubeconfig: a context per member cluster plus `hub`."""
    return sim.write_kubeconfig(tmp_path / "kubeconfig")


class FrozenClock:
    """A settable clock so ages and last_seen are exact in assertions."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def store(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Store]:
    """An empty cache on a frozen clock (the store and sync tests' common ground)."""
    s = await Store.open(tmp_path / "cache.db", clock=clock, poll_interval=0.05)
    yield s
    await s.close()
