"""Each client's kubeconfig holds only its own context (not a copy of the whole fleet's)."""

import time

from fleettui.config.kubeconfig import KubeConfig
from fleettui.kube.client import ClusterClient, context_config
from fleettui.kube.transport import parse_json


def _fleet(n: int) -> KubeConfig:
    return KubeConfig.from_dict({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": f"c{i}", "cluster": {"server": f"https://10.0.0.{i % 250}:6443",
                                                   "certificate-authority-data": "QUJD" * 200}}
                     for i in range(n)],
        "users": [{"name": f"u{i}", "user": {"token": f"t{i}"}} for i in range(n)],
        "contexts": [{"name": f"ctx{i}", "context": {"cluster": f"c{i}", "user": f"u{i}",
                                                     **({"namespace": "apps"} if i == 1 else {})}}
                     for i in range(n)],
    })


def test_context_config_holds_one_context_and_its_entries():
    kc = _fleet(5)
    doc = context_config(kc, "ctx1")
    assert doc["current-context"] == "ctx1"
    assert doc["contexts"] == [{"name": "ctx1",
                                "context": {"cluster": "c1", "user": "u1", "namespace": "apps"}}]
    assert [c["name"] for c in doc["clusters"]] == ["c1"]
    assert doc["clusters"][0]["cluster"]["server"] == "https://10.0.0.1:6443"
    assert doc["users"] == [{"name": "u1", "user": {"token": "t1"}}]
    # a copy: a client refreshing its credentials never edits the shared kubeconfig
    doc["users"][0]["user"]["token"] = "changed"
    assert kc.user_entry("u1") == {"token": "t1"}


def test_context_config_of_a_context_without_user_or_cluster_entry():
    kc = KubeConfig.from_dict({"contexts": [{"name": "x", "context": {"cluster": "missing"}}]})
    doc = context_config(kc, "x")
    assert doc["clusters"] == [] and doc["users"] == []
    assert doc["contexts"][0]["context"] == {"cluster": "missing"}


def test_clients_for_a_large_fleet_are_built_in_linear_time():
    kc = _fleet(400)
    t0 = time.perf_counter()
    clients = [ClusterClient.from_kubeconfig(kc, context=f"ctx{i}") for i in range(400)]
    elapsed = time.perf_counter() - t0
    assert clients[7].server == "https://10.0.0.7:6443"
    # a whole-config copy per client was ~2.3 s here (400 x 400 entries); now ~4 ms
    assert elapsed < 1.0, elapsed


def test_parse_json_restores_the_collector():
    import gc

    assert parse_json(b'{"items": [{"a": 1}]}') == {"items": [{"a": 1}]}
    assert gc.isenabled()
    try:
        parse_json(b"{not json")
    except ValueError:
        pass
    assert gc.isenabled()


def test_the_proxy_environment_is_read_once(monkeypatch):
    from fleettui.kube.transport import _proxies_from_env, env_proxy

    monkeypatch.setenv("HTTPS_PROXY", "http://user:pw@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    _proxies_from_env.cache_clear()
    try:
        proxy, auth = env_proxy("https://api.prod.example:6443")
        assert proxy == "http://proxy.example:3128" and auth.login == "user"
        assert env_proxy("https://api.internal.example:6443") == (None, None)
        assert env_proxy("http://api.prod.example") == (None, None)  # no HTTP_PROXY
    finally:
        monkeypatch.delenv("HTTPS_PROXY")
        monkeypatch.delenv("NO_PROXY")
        _proxies_from_env.cache_clear()
    assert env_proxy("https://api.prod.example:6443") == (None, None)


async def test_sessions_do_not_look_in_the_environment_per_request(tmp_path):
    kc = KubeConfig.from_dict({
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
    })
    client = ClusterClient.from_kubeconfig(kc, context="x")
    t = client._t
    try:
        await t._ensure()
        assert t._rest.pool_manager.trust_env is False
    finally:
        await client.close()


def test_parse_json_falls_back_to_the_standard_parser():
    # what orjson refuses, json parses; bad JSON still raises ValueError
    assert parse_json(b'{"a": [1, 2.5, "\\u00e9", null]}') == {"a": [1, 2.5, "\u00e9", None]}
    import pytest

    with pytest.raises(ValueError):
        parse_json(b'{"a": ')
