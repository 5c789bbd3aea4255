"""The writer's queue holds typed ops; each op type has exactly one handler."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from fleettui.store.write_ops import (
    HANDLERS,
    Delete,
    Op,
    Replace,
    SetMeta,
    SyncState,
    Upsert,
    op_rows,
    runs,
)


def test_every_op_has_one_handler_and_is_frozen():
    assert set(HANDLERS) == set(typing.get_args(Op))
    op = SetMeta("k", "v")
    with pytest.raises(dataclasses.FrozenInstanceError):
        op.value = "w"  # type: ignore[misc]  # the point: ops cannot change after queueing


def test_runs_group_consecutive_ops_of_one_type_in_queue_order():
    a1, a2 = Upsert("a", "Pod", ("r1",)), Upsert("a", "Pod", ("r2",))
    d = Delete("a", "Pod", "ns", "p")
    s = SyncState("a", "Pod", "7", None, 1.0)
    assert list(runs([a1, a2, d, a1, s])) == [[a1, a2], [d], [a1], [s]]


def test_a_list_repeated_in_a_run_starts_a_new_run_so_the_later_list_wins():
    first, other = Replace("a", "Pod", [("x",)], "1", 1.0), Replace("b", "Pod", [], "1", 1.0)
    again = Replace("a", "Pod", [("y",)], "2", 2.0)
    assert list(runs([first, other, again])) == [[first, other], [again]]
    assert op_rows(other) == 1 and op_rows(first) == 1 and op_rows(Replace("a", "N", [(), ()], None, 0)) == 2


async def test_the_writer_queues_typed_ops(store):
    store.writer.upsert("a", "Pod", {"namespace": "ns", "name": "p"})
    queued = store.writer._queue.get_nowait()
    assert isinstance(queued, Upsert) and (queued.cluster, queued.kind) == ("a", "Pod")
