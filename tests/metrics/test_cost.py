"""Cost as OpenCost allocates it: expected numbers computed from the series the test builds."""

from __future__ import annotations

import pytest

from fleettui.config.fleetfile import FleetFile
from fleettui.metrics import cost
from fleettui.store.metrics import Series, UsageRow

T0, STEP, N = 1_800_000_000.0, 60.0, 60  # one hour of points
GIB = 2.0**30


def row(scope, name, *, cpu=None, mem=None, cpu_req=0.0, mem_req=0.0, **static):
    cols = {"cpu": [cpu] * N, "mem": [mem] * N, "cpu_req": [cpu_req] * N, "mem_req": [mem_req] * N}
    cols.update({k: [v] * N for k, v in static.items()})
    return UsageRow("c1", scope, name, cpu, mem, cpu_req, mem_req, static.get("cpu_alloc", 0.0),
                    static.get("mem_alloc", 0.0), T0 + (N - 1) * STEP, Series(T0, STEP, cols))


RATE = cost.Rate(0.04, 0.005, 0.1, "cluster")
START, END = T0 - STEP, T0 + (N - 1) * STEP


def rows():
    return {
        "cluster": [row("cluster", "", cpu_alloc=4000.0, mem_alloc=16 * GIB, nodes=2.0)],
        "namespace": [row("namespace", "a", cpu=1500.0, mem=1 * GIB, cpu_req=1000.0, mem_req=2 * GIB),
                      row("namespace", "b", cpu_req=500.0, mem_req=1 * GIB)],  # no usage known: requests
        "app": [row("app", "shop", cpu=1500.0, mem=1 * GIB, cpu_req=1000.0, mem_req=2 * GIB)],
    }


def test_allocation_is_max_of_request_and_usage_times_price():
    rep = cost.report("namespace", rows(), {"c1": RATE}, start=START, end=END)
    by = {line.name: line for line in rep.lines}
    assert by["a"].cpu_core_hours == pytest.approx(1.5) and by["a"].memory_gib_hours == pytest.approx(2.0)
    assert by["a"].total == pytest.approx(1.5 * 0.04 + 2 * 0.005)
    assert by["b"].total == pytest.approx(0.5 * 0.04 + 1 * 0.005)
    assert by["a"].hours == pytest.approx(1.0)
    # idle = capacity (4 cores, 16 GiB for an hour) not allocated
    assert by[cost.IDLE].total == pytest.approx((4 - 2.0) * 0.04 + (16 - 3) * 0.005)


def test_cluster_line_capacity_fixed_and_idle():
    rep = cost.report("cluster", rows(), {"c1": RATE}, start=START, end=END)
    (line,) = rep.lines
    assert line.cpu_cost == pytest.approx(4 * 0.04) and line.memory_cost == pytest.approx(16 * 0.005)
    assert line.fixed_cost == pytest.approx(2 * 0.1)
    assert line.idle_cost == pytest.approx((4 - 2.0) * 0.04 + (16 - 3) * 0.005)
    assert sum(v for _, v in rep.trend) == pytest.approx(2.0 * 0.04 + 3 * 0.005)


def test_by_app_and_a_range_shorter_than_the_series():
    rep = cost.report("app", rows(), {"c1": RATE}, start=END - 1800, end=END)
    shop = next(line for line in rep.lines if line.name == "shop")
    assert shop.hours == pytest.approx(0.5) and shop.cpu_core_hours == pytest.approx(0.75)


def test_rates_cluster_then_most_specific_rule_then_placeholder():
    fleet = FleetFile.parse("""
clusters:
  own: {cost: {cpu_core_hour: 0.05}}
prices:
  - {provider: ack, cpu_core_hour: 0.02, memory_gib_hour: 0.002}
  - {provider: ack, region: cn-hangzhou, cpu_core_hour: 0.03}
  - {provider: ack, node_type: ecs.g7.2xlarge, cpu_core_hour: 0.09}
""")
    r = cost.resolve_rate("x", provider="ack", region="cn-hangzhou", node_types={}, fleet=fleet)
    assert (r.cpu_core_hour, r.memory_gib_hour) == (0.03, 0.002)
    assert r.node_hour == cost.PLACEHOLDER.node_hour and r.source == "prices+placeholder"
    mixed = cost.resolve_rate("x", provider="ack", region="cn-shanghai",
                              node_types={"ecs.g7.2xlarge": 1, "ecs.c7.large": 3}, fleet=fleet)
    assert mixed.cpu_core_hour == pytest.approx((0.09 * 1 + 0.02 * 3) / 4)
    own = cost.resolve_rate("own", provider="ack", region="cn-hangzhou", node_types={}, fleet=fleet)
    assert own.cpu_core_hour == 0.05 and own.memory_gib_hour == 0.002
    none = cost.resolve_rate("y", provider="eks", region=None, node_types={}, fleet=None)
    assert none.source == "placeholder"


def test_prices_are_validated_with_the_line():
    from fleettui.config.errors import ConfigError
    with pytest.raises(ConfigError, match="prices\\[0\\]: rate.cpu_core_hour must be a non-negative"):
        FleetFile.parse("prices:\n  - {provider: ack, cpu_core_hour: -1}\n")
    with pytest.raises(ConfigError, match="unknown key 'zone'"):
        FleetFile.parse("prices:\n  - {zone: a}\n")
