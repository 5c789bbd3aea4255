"""The PromQL selector/range extractor on the shapes real rules use."""

from __future__ import annotations

import pytest

from fleettui.alerts.promql import Matcher, duration_seconds, selectors


def test_selectors_ranges_and_functions() -> None:
    expr = ('sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{namespace!~"kube-.*", '
            'container!=""}[2m])) / on (namespace) group_left (team) kube_namespace_labels offset 5m > 0.8')
    got = selectors(expr)
    assert [(s.metric, s.range, s.function) for s in got] == [
        ("container_cpu_usage_seconds_total", 120.0, "rate"), ("kube_namespace_labels", None, None)]
    assert got[0].matchers == (Matcher("namespace", "!~", "kube-.*"), Matcher("container", "!=", ""))
    assert got[0].promql() == 'container_cpu_usage_seconds_total{namespace!~"kube-.*",container!=""}'


def test_strings_comments_keywords_and_name_matcher_are_not_metrics() -> None:
    expr = ('label_replace(up{job="a,b}"}, "dst", "$1", "src", "(.*)") # up2 is a comment\n'
            ' and {__name__="kube_pod_info", x=~\'y\'} unless vector(1) * 2e3 >= bool 0x1f')
    got = selectors(expr)
    assert [s.metric for s in got] == ["up", "kube_pod_info"]
    assert got[0].matchers == (Matcher("job", "=", "a,b}"),)
    assert got[1].matchers[1] == Matcher("x", "=~", "y")


def test_subquery_and_nested_over_time() -> None:
    got = selectors("max_over_time(rate(http_requests_total[30s])[10m:1m]) > 3")
    assert [(s.metric, s.range, s.function) for s in got] == [("http_requests_total", 30.0, "rate")]


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("1h30m", 5400), ("500ms", 0.5), ("1d", 86400)])
def test_durations(text: str, seconds: float) -> None:
    assert duration_seconds(text) == seconds


def test_not_promql_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="position"):
        selectors("up ; down")
    with pytest.raises(ValueError):
        duration_seconds("5 minutes")
