"""The registration view's pure parts: a clusterset's members and why a Placement chose,
or left out, each cluster of its sets."""

from __future__ import annotations

import copy

from fleettui.engine.registration import explain, label_selector, set_members

SET_LABEL = "cluster.open-cluster-management.io/clusterset"


def mc(name, labels=None, taints=None):
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []}}


CLUSTERS = [
    mc("ack-a", {SET_LABEL: "default", "provider": "ack"}),
    mc("ack-b", {SET_LABEL: "default", "provider": "ack"},
       [{"key": "maintenance", "value": "true", "effect": "NoSelect"}]),
    mc("edge-1", {SET_LABEL: "default", "provider": "edge"}),
    mc("idc-1", {SET_LABEL: "idc", "provider": "idc"}),
]


def test_set_members_by_exclusive_label_and_by_selector():
    exclusive = {"metadata": {"name": "default"}, "spec": {"clusterSelector": {
        "selectorType": "ExclusiveClusterSetLabel"}}}
    assert set_members(exclusive, CLUSTERS) == ("label clusterset=default", ("ack-a", "ack-b", "edge-1"))
    by_selector = {"metadata": {"name": "not-edge"}, "spec": {"clusterSelector": {
        "selectorType": "LabelSelector",
        "labelSelector": {"matchExpressions": [{"key": "provider", "operator": "NotIn", "values": ["edge"]}]}}}}
    assert set_members(by_selector, CLUSTERS) == ("selector provider NotIn (edge)", ("ack-a", "ack-b", "idc-1"))
    everything = {"metadata": {"name": "global"}, "spec": {"clusterSelector": {
        "selectorType": "LabelSelector", "labelSelector": {}}}}
    assert set_members(everything, CLUSTERS)[1] == ("ack-a", "ack-b", "edge-1", "idc-1")


def test_label_selector_operators():
    sel = label_selector({"matchLabels": {"provider": "ack"},
                          "matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]})
    assert sel.matches({"provider": "ack"}) and not sel.matches({"provider": "ack", "zone": "h"})
    assert not sel.matches({"provider": "edge"})


def test_explain_says_why_each_cluster_was_chosen_or_left_out():
    placement = {"spec": {"clusterSets": ["default"], "predicates": [{"requiredClusterSelector": {
        "labelSelector": {"matchLabels": {"provider": "ack"}}}}]}}
    sets = {"default": ("ack-a", "ack-b", "edge-1"), "idc": ("idc-1",)}
    before = copy.deepcopy(placement)
    chosen, left = explain(placement, ["ack-a"], CLUSTERS, sets, {"default", "idc"})
    assert chosen == (("ack-a", "in set default; matches provider=ack"),)
    assert dict(left) == {"ack-b": "tainted maintenance=true:NoSelect (not tolerated)",
                          "edge-1": "does not match the predicates"}  # idc-1: not in the asked sets
    assert placement == before


def test_explain_tolerations_and_number_of_clusters():
    placement = {"spec": {"numberOfClusters": 1,
                          "tolerations": [{"key": "maintenance", "operator": "Exists"}]}}
    sets = {"default": ("ack-a", "ack-b", "edge-1")}
    chosen, left = explain(placement, ["ack-a"], CLUSTERS, sets, {"default"})
    assert chosen == (("ack-a", "in set default"),)
    assert dict(left) == {"ack-b": "numberOfClusters is 1", "edge-1": "numberOfClusters is 1"}
    # a set not bound in the placement's namespace gives it nothing
    chosen, left = explain({"spec": {"clusterSets": ["idc"]}}, [], CLUSTERS, {"idc": ("idc-1",)}, {"default"})
    assert chosen == () and left == ()
