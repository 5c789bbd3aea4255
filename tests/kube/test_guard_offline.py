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


async def test_a_read_only_process_refuses_whatever_the_client_was_built_with(kubeconfig):
    """--read-only/--watch make the process read-only: a client built read_only=False (a hub,
    a controller, a command that forgot the flag) is refused before anything is sent."""
    from fleettui.config import mode

    client = ClusterClient.from_kubeconfig(kubeconfig, context="ctx", read_only=False, timeout=2)
    dep = BUILTINS[("apps/v1", "Deployment")]
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "namespace": "d"}}
    with mode.session_mode(watch=True):
        assert client.read_only
        for coro in (client.apply(body), client.create(dep, body), client.delete(dep, "x", namespace="d"),
                     client.patch(dep, "x", {"spec": {}}, namespace="d")):
            with pytest.raises(errors.ReadOnlyViolation) as ei:
                await coro
            assert isinstance(ei.value, mode.WriteRefused)
            assert ei.value.message.startswith("read-only mode: refused to send ")
            assert "to ctx" in ei.value.message and "--watch" in ei.value.message
        guard.check("GET", "/", read_only=False, cluster="c")  # reads still pass
    assert not client.read_only
    # outside the scope the same client sends again (and fails as Unreachable: nothing listens)
    with pytest.raises(errors.Unreachable):
        await client.delete(dep, "x", namespace="d")
    await client.close()


def test_guard_check_table_in_a_read_only_process():
    from fleettui.config import mode

    with mode.session_mode(read_only=True):
        for m in ("POST", "PUT", "PATCH", "DELETE"):
            with pytest.raises(errors.ReadOnlyViolation, match=r"\(--read-only\)"):
                guard.check(m, "/api/v1/namespaces", read_only=False, cluster="c")
        with pytest.raises(ValueError):  # unknown methods are still refused first
            guard.check("TRACE", "/", read_only=False, cluster="c")
    guard.check("POST", "/", read_only=False, cluster="c")
