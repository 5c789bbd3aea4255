"""The process write policy (`--read-only`, `--watch`): scopes only tighten, and the
fleet-file writer refuses in a read-only process without leaving a trace."""

import os
import threading

import pytest

from fleettui.config import mode
from fleettui.config.fleetfile import FleetCluster, FleetFile, edit


def test_watch_implies_read_only_and_scopes_only_tighten():
    assert not mode.current().read_only
    with mode.session_mode(watch=True) as policy:
        assert policy.read_only and "--watch" in policy.reason
        with mode.session_mode() as inner:  # asking for a writable scope inside: still read-only
            assert inner.read_only and mode.current() is policy
            with pytest.raises(mode.WriteRefused, match=r"^read-only mode: refused to do it \(--watch"):
                mode.require_writable("do it")
        assert mode.current().read_only
    assert not mode.current().read_only
    mode.require_writable("do it")
    with mode.session_mode(read_only=True) as policy:
        assert policy.reason == "--read-only"


def test_the_policy_is_process_wide_not_per_thread():
    # the dashboard syncs and runs hub actions on other threads: they must see it too
    seen = []
    with mode.session_mode(read_only=True):
        t = threading.Thread(target=lambda: seen.append(mode.current().read_only))
        t.start()
        t.join()
    assert seen == [True]


def test_scope_restored_after_an_error():
    with pytest.raises(RuntimeError), mode.session_mode(watch=True):
        raise RuntimeError
    assert not mode.current().read_only


@pytest.mark.parametrize("flags", [{"read_only": True}, {"watch": True}])
def test_fleet_file_edit_and_save_refused(tmp_path, flags):
    path = tmp_path / "cfg" / "fleet.yaml"
    with edit(path) as fleet:
        fleet.add(FleetCluster(name="a", context="a"))
    before = path.read_bytes()
    listing = sorted(os.listdir(path.parent))
    with mode.session_mode(**flags):
        with pytest.raises(mode.WriteRefused, match=f"refused to edit the fleet file {path}"), edit(path) as fleet:
            fleet.remove("a")
        loaded = FleetFile.load(path)
        loaded.hub = "a"
        with pytest.raises(mode.WriteRefused, match="refused to write the fleet file"):
            loaded.save()
        # a fleet file that does not exist yet is not created either (nor its folder)
        with pytest.raises(mode.WriteRefused), edit(tmp_path / "new" / "fleet.yaml") as fleet:
            fleet.add(FleetCluster(name="b", context="b"))
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == listing
    assert not (tmp_path / "new").exists()
