"""prometheus-operator's treatment of PrometheusRule fields, per Prometheus version."""

from __future__ import annotations

import json
import re

from fleettui.sim import operator_rules as op

OBJ = {"metadata": {"namespace": "monitoring", "name": "r", "uid": "u-1"},
       "spec": {"groups": [{"name": "g", "interval": "30s", "limit": 10, "query_offset": "1m",
                            "labels": {"team": "a"},
                            "rules": [{"alert": "A", "expr": 1, "for": "5m", "keep_firing_for": "2m"}]}]}}


def test_cutoffs_drop_what_the_running_prometheus_does_not_know() -> None:
    out = op.render(OBJ, op.parse_version("2.42.0+ds"))
    group = json.loads(out.content)["groups"][0]
    assert out.filename == "monitoring-r-u-1.yaml" and out.error is None
    assert "query_offset" not in group and "labels" not in group
    assert group["limit"] == 10 and group["rules"][0]["keep_firing_for"] == "2m"
    assert group["rules"][0]["expr"] == "1"  # int-or-string, written as a string
    assert len(out.dropped) == 2 and all("2.42.0" in d for d in out.dropped)
    old = op.render(OBJ, (2, 30, 1))
    assert {re.search(r"field '(\w+)'", d).group(1) for d in old.dropped} == {"limit", "query_offset", "labels", "keep_firing_for"}
    assert op.render(OBJ, (3, 1, 0)).dropped == []
    assert OBJ["spec"]["groups"][0]["labels"] == {"team": "a"}  # the input is untouched


def test_malformed_spec_is_an_error_and_promtool_noise_is_trimmed() -> None:
    assert op.render({"metadata": {}, "spec": {"groups": {}}}, (2, 42, 0)).error == "spec.groups: must be a list"
    text = ('Checking /tmp/x/check.yaml\n  FAILED:\n/tmp/x/check.yaml: 3:9: group "g", rule 1, "A": could not '
            'parse expression: 1:16: parse error: unclosed left parenthesis\n')
    assert op.promtool_error(text, "/tmp/x/check.yaml") == \
        'group "g", rule 1, "A": could not parse expression: 1:16: parse error: unclosed left parenthesis'
    assert op.parse_version("garbage") == (0, 0, 0)
