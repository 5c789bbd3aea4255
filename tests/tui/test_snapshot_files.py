"""Every snapshot file still belongs to a test: what syrupy checks at the end of a serial
run, made a test because under xdist syrupy skips it (see tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_no_snapshot_file_is_left_without_its_test(request: pytest.FixtureRequest,
                                                   stale_snapshot_files: list[Path]) -> None:
    stale = stale_snapshot_files
    if request.config.option.update_snapshots:  # as syrupy's --snapshot-update does
        for path in stale:
            path.unlink(missing_ok=True)
        return
    assert not stale, "snapshots no test writes any more (--snapshot-update removes them): " + \
        ", ".join(str(p) for p in stale)
