"""The karma-style filter parser."""

from __future__ import annotations

import pytest

from fleettui.alerts.matchers import Filter, FilterError, matches, parse


def test_parse_and_match() -> None:
    fs = parse('@cluster=edge-*, @state=firing,severity=critical, job!~"kube-(a|b),x", pod=~web-.{1,3}')
    assert fs[0] == Filter("@cluster", "=", "edge-*") and fs[3] == Filter("job", "!~", "kube-(a|b),x")
    labels = {"severity": "critical", "job": "node", "pod": "web-12"}
    assert matches(fs, labels, cluster="edge-shenzhen", state="firing")
    assert not matches(fs, labels, cluster="ack-hangzhou-a", state="firing")
    assert not matches(fs, {**labels, "job": "kube-a,x"}, cluster="edge-1", state="firing")
    assert not matches(fs, {**labels, "pod": "web-1234"}, cluster="edge-1", state="firing")  # anchored
    assert matches(parse("team!=payments"), {}, cluster="c")  # a missing label is ""


@pytest.mark.parametrize("bad", ["severity", "@zone=a", "@state=burning", "a=~("])
def test_bad_filters_name_the_term(bad: str) -> None:
    with pytest.raises(FilterError, match="'"):
        parse(bad)
