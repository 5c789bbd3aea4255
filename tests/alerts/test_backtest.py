"""Backtest semantics: `for` resets on a gap, keep_firing_for bridges one, counts per series."""

from __future__ import annotations

from fleettui.alerts.backtest import run, sparkline


def series(labels: dict, times: list[float]) -> dict:
    return {"metric": labels, "values": [[t, "1"] for t in times]}


def test_for_needs_continuous_presence_and_a_gap_resets_it() -> None:
    # present 0..40, gap at 50, present 60..120 (step 10, for 30s)
    m = [series({"pod": "a"}, [0, 10, 20, 30, 40, 60, 70, 80, 90, 100, 110, 120])]
    bt = run(m, start=0, end=120, step=10, for_s=30)
    assert [(e.fired_at, e.resolved_at) for e in bt.episodes] == [(30, 50), (90, None)]
    assert bt.count == 2 and bt.firing_now == 1


def test_keep_firing_for_bridges_a_short_gap_and_pending_is_not_fired() -> None:
    m = [series({"pod": "a"}, [0, 10, 20, 40, 50]), series({"pod": "b"}, [100, 110])]
    bt = run(m, start=0, end=120, step=10, for_s=0, keep_firing_for_s=10)
    assert [(dict(e.labels)["pod"], e.fired_at, e.resolved_at) for e in bt.episodes] == [
        ("a", 0, 70), ("b", 100, None)]
    held = run(m, start=0, end=120, step=10, for_s=60)
    assert held.count == 0 and held.pending_now == 0
    assert run(m, start=0, end=120, step=10, for_s=20).pending_now == 0
    assert run([series({"pod": "c"}, [110, 120])], start=0, end=120, step=10, for_s=60).pending_now == 1


def test_sparkline_marks_quiet_slices() -> None:
    assert sparkline([0, 0, 1, 2, 4, 0], buckets=6) == "··▂▄█·"
    assert sparkline([0] * 10, buckets=5) == "·····"


def test_firing_now_when_the_window_ends_between_two_evaluations() -> None:
    # query_range returns points on start + k*step up to `end`; `end` (now) is rarely on
    # the grid: a series present at every returned point is firing now, not resolved
    values = [[100.0 + 30 * k, "1"] for k in range(11)]  # 100 .. 400
    res = run([{"metric": {"pod": "p"}, "values": values}], start=100.0, end=420.0, step=30.0)
    assert res.firing_now == 1 and res.count == 1
    assert res.episodes[0].resolved_at is None
    assert not res.sparkline.endswith("·")
