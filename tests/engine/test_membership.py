"""Membership actions' pure parts: taint parsing and the KubeVela secret from a kubeconfig."""

from __future__ import annotations

import pytest

from fleettui.config.kubeconfig import KubeConfig
from fleettui.engine.membership import MembershipError, Taint, vela_cluster_secret


def test_taint_parses_as_kubectl_spells_it():
    assert Taint.parse("maintenance=true:NoSelect") == Taint("maintenance", "true", "NoSelect")
    assert Taint.parse("a/b:PreferNoSelect") == Taint("a/b", "", "PreferNoSelect")
    for bad in ("nokey", ":NoSelect", "k=v:NoSchedule", "=v:NoSelect"):
        with pytest.raises(MembershipError):
            Taint.parse(bad)


def test_a_taint_the_hub_would_refuse_is_refused_before_the_hub_sees_it():
    # OCM's ManagedCluster schema: key a qualified name of at most 316 characters,
    # value any text of at most 1,024 (tests/sim/test_crd_schema.py: the simulator's hub
    # refuses the same)
    with pytest.raises(MembershipError, match=r'taint key: Invalid value: "bad key!!"'):
        Taint.parse("bad key!!:NoSelect")
    with pytest.raises(MembershipError, match="taint key: .*no more than 316"):
        Taint.parse("a" * 317 + ":NoSelect")
    with pytest.raises(MembershipError, match="taint value: Too long"):
        Taint.parse("maintenance=" + "x" * 1025 + ":NoSelect")
    assert Taint.parse("example.com/maintenance=until-monday:NoSelect").value == "until-monday"


def test_a_taint_the_hub_takes_is_taken_even_where_a_node_taint_would_not_be():
    # the hub takes any text as a value (a node taint's value follows the label rules)
    assert Taint.parse("maintenance=until 18:00, ask ops:NoSelect") == Taint(
        "maintenance", "until 18:00, ask ops", "NoSelect")
    assert Taint.parse("k" * 100 + ":NoSelect").key == "k" * 100  # no 63-character name part


def _kc(user):
    return KubeConfig.from_dict({
        "clusters": [{"name": "c", "cluster": {"server": "https://10.0.0.1:6443",
                                               "certificate-authority-data": "Q0E="}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "edge", "context": {"cluster": "c", "user": "u"}}]})


def test_vela_secret_carries_a_certificate_or_a_token_never_an_exec_plugin(tmp_path):
    cert = vela_cluster_secret(_kc({"client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ"}),
                               "edge", "edge-1")
    assert cert["metadata"] == {"name": "edge-1", "namespace": "vela-system",
                                "labels": {"cluster.core.oam.dev/cluster-credential-type": "X509Certificate"}}
    assert cert["data"] == {"endpoint": "aHR0cHM6Ly8xMC4wLjAuMTo2NDQz", "ca.crt": "Q0E=",
                            "tls.crt": "Q0VSVA==", "tls.key": "S0VZ"}
    token_file = tmp_path / "token"
    token_file.write_text("abc\n")
    token = vela_cluster_secret(_kc({"tokenFile": str(token_file)}), "edge", "edge-1")
    assert token["data"]["token"] == "YWJj"
    with pytest.raises(MembershipError, match="exec plugins"):
        vela_cluster_secret(_kc({"exec": {"command": "aws", "apiVersion": "client.authentication.k8s.io/v1"}}),
                            "edge", "edge-1")
