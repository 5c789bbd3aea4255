"""The read-only guard refuses before any network activity (no server needed)."""

import socket

import pytest

from fleettui.config.kubeconfig import KubeConfig
from fleettui.kube import ClusterClient, errors, guard
from fleettui.kube.resources import BUILTINS


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def kubeconfig():
    port = free_port()  # nothing listens here: any request that is sent fails as Unreachable
    return KubeConfig.from_dict(
        {
            "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
            "users": [{"name": "u", "user": {"token": "t"}}],
            "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
        }
    )


async def test_every_mutating_verb_refused_before_sending(kubeconfig):
    client = ClusterClient.from_kubeconfig(kubeconfig, context="ctx", read_only=True, timeout=2)
    assert client.read_only
    dep = BUILTINS[("apps/v1", "Deployment")]
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x", "namespace": "d"},
    }
    attempts = [
        client.create(dep, body),
        client.replace(dep, body),
        client.replace(dep, body, subresource="status"),
        client.patch(dep, "x", {"spec": {}}, namespace="d"),
        client.patch(
            dep, "x", [{"op": "add", "path": "/a", "value": 1}], namespace="d", patch_type="json"
        ),
        client.patch(
            dep, "x", {"spec": {}}, namespace="d", subresource="scale", patch_type="strategic"
        ),
        client.apply(body),
        client.apply(body, dry_run=True),
        client.delete(dep, "x", namespace="d"),
    ]
    for coro in attempts:
        with pytest.raises(errors.ReadOnlyViolation) as ei:
            await coro
        assert ei.value.cluster == "ctx"
    # The same client does send reads: they fail as Unreachable, proving the guard ran first above.
    with pytest.raises(errors.Unreachable):
        await client.get(dep, "x", namespace="d")
    await client.close()


def test_guard_check_table():
    for m in ("GET", "HEAD", "OPTIONS", "get"):
        guard.check(m, "/", read_only=True, cluster="c")
    for m in ("POST", "PUT", "PATCH", "DELETE", "delete"):
        with pytest.raises(errors.ReadOnlyViolation):
            guard.check(m, "/", read_only=True, cluster="c")
        guard.check(m, "/", read_only=False, cluster="c")
    with pytest.raises(ValueError):
        guard.check("TRACE", "/", read_only=False, cluster="c")


def test_read_only_cannot_be_switched_off(kubeconfig):
    client = ClusterClient.from_kubeconfig(kubeconfig, context="ctx", read_only=True)
    with pytest.raises(AttributeError):
        client.read_only = False  # type: ignore[misc]
    with pytest.raises(AttributeError):
        client._t.read_only = False  # type: ignore[misc]


async def test_unreachable_and_missing_server(kubeconfig):
    client = ClusterClient.from_kubeconfig(kubeconfig, context="ctx", timeout=2)
    with pytest.raises(errors.Unreachable, match="cannot connect"):
        await client.version()
    await client.close()
    kc = KubeConfig.from_dict({"contexts": [{"name": "x", "context": {"cluster": "gone"}}]})
    client = ClusterClient.from_kubeconfig(kc, context="x")
    with pytest.raises(errors.ConfigurationError, match="context 'x'"):
        await client.version()
    await client.close()
