"""Every verb against the simulator's Kubernetes API, errors and faults included."""

import asyncio

import pytest

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.kube import ClusterClient, errors


@pytest.fixture
def kc(kubeconfig_path):
    return load_kubeconfig(str(kubeconfig_path))


@pytest.fixture
async def client(sim, kc):
    c = ClusterClient.from_kubeconfig(kc, context=sim.cluster_names[0], timeout=5)
    yield c
    await c.close()


def cm(name, ns="default", **data):
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns},
        "data": data,
    }


async def test_version_discovery_and_unknown_kinds(sim, kc, client):
    assert (await client.version())["gitVersion"].startswith("v1.")
    dep = await client.resource("apps/v1", "Deployment")
    assert dep.plural == "deployments" and dep.namespaced
    async with ClusterClient.from_kubeconfig(kc, context="hub") as hub:
        mc = await hub.resource("cluster.open-cluster-management.io/v1", "ManagedCluster")
        assert (mc.plural, mc.namespaced) == ("managedclusters", False)
        assert "status" in mc.subresources
        app = await hub.resource("core.oam.dev/v1beta1", "applications")  # plural works too
        assert app.kind == "Application"
    with pytest.raises(errors.UnknownResource) as ei:
        await client.resource("example.com/v1", "Widget")
    assert ei.value.cluster == sim.cluster_names[0]


async def test_crd_created_later_resolves(client):
    with pytest.raises(errors.UnknownResource):
        await client.resource("example.com/v1", "Widget")
    crd_res = await client.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    await client.create(
        crd_res,
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {
                    "plural": "widgets",
                    "singular": "widget",
                    "kind": "Widget",
                    "listKind": "WidgetList",
                },
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            }
                        },
                    }
                ],
            },
        },
    )
    widget = None
    for _ in range(50):  # the CRD becomes Established asynchronously on a real server
        try:
            widget = await client.resource("example.com/v1", "Widget")
            break
        except errors.UnknownResource:
            await asyncio.sleep(0.02)
    assert widget is not None and widget.plural == "widgets"
    made = await client.apply(
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w", "namespace": "default"},
            "spec": {"size": 3},
        }
    )
    assert made["spec"] == {"size": 3}


async def test_get_list_and_paging(sim, client):
    pod_res = await client.resource("v1", "Pod")
    assert await client.get(pod_res, "no-such-pod", namespace="default") is None
    everything = await client.list(pod_res)
    assert len(everything.items) > 3 and everything.resource_version
    paged = await client.list(pod_res, limit=2)
    names = lambda r: sorted((i["metadata"]["namespace"], i["metadata"]["name"]) for i in r.items)  # noqa: E731
    assert names(paged) == names(everything)
    first = everything.items[0]
    got = await client.get(
        pod_res, first["metadata"]["name"], namespace=first["metadata"]["namespace"]
    )
    assert got["metadata"]["uid"] == first["metadata"]["uid"]
    nodes = await client.list(
        await client.resource("v1", "Node"), label_selector="kubernetes.io/os=linux"
    )
    assert all(n["kind"] == "Node" for n in nodes.items)


async def test_create_conflicts_and_invalid(client):
    res = await client.resource("v1", "ConfigMap")
    made = await client.create(res, cm("a", k="1"))
    assert made["metadata"]["resourceVersion"]
    with pytest.raises(errors.AlreadyExists) as ei:
        await client.create(res, cm("a"))
    assert ei.value.status == 409 and ei.value.reason == "AlreadyExists"
    stale = dict(made, data={"k": "2"})
    await client.replace(res, stale)  # current version: accepted
    with pytest.raises(errors.Conflict):
        await client.replace(res, dict(made, data={"k": "3"}))  # stale resourceVersion
    with pytest.raises((errors.Invalid, errors.BadRequest)) as ei:
        await client.create(
            res, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "default"}}
        )
    assert ei.value.status in (400, 422)
    with pytest.raises(errors.BadRequest):  # body namespace differs from the URL's
        await client.create(res, cm("b", ns="kube-system"), namespace="default")


async def test_patch_kinds_and_subresources(client):
    res = await client.resource("v1", "ConfigMap")
    await client.create(res, cm("p", a="1", b="2"))
    out = await client.patch(res, "p", {"data": {"b": None, "c": "3"}}, namespace="default")
    assert out["data"] == {"a": "1", "c": "3"}
    out = await client.patch(
        res,
        "p",
        [{"op": "replace", "path": "/data/a", "value": "9"}],
        namespace="default",
        patch_type="json",
    )
    assert out["data"]["a"] == "9"
    dep_res = await client.resource("apps/v1", "Deployment")
    deps = (await client.list(dep_res)).items
    d = deps[0]
    ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
    out = await client.patch(
        dep_res, name, {"metadata": {"labels": {"x": "y"}}}, namespace=ns, patch_type="strategic"
    )
    assert out["metadata"]["labels"]["x"] == "y"
    scale = await client.get(dep_res, name, namespace=ns, subresource="scale")
    assert scale["kind"] == "Scale"
    out = await client.patch(
        dep_res, name, {"spec": {"replicas": 7}}, namespace=ns, subresource="scale"
    )
    assert out["spec"]["replicas"] == 7
    assert (await client.get(dep_res, name, namespace=ns))["spec"]["replicas"] == 7
    out = await client.patch(
        dep_res, name, {"status": {"observedGeneration": 99}}, namespace=ns, subresource="status"
    )
    assert out["status"]["observedGeneration"] == 99
    with pytest.raises(errors.NotFound):
        await client.patch(res, "missing", {"data": {}}, namespace="default")


async def test_server_side_apply(client):
    obj = cm("ssa", k="1")
    first = await client.apply(obj, field_manager="fleettui")
    assert first["data"] == {"k": "1"}
    managers = {m["manager"] for m in first["metadata"].get("managedFields", [])}
    assert "fleettui" in managers
    second = await client.apply(cm("ssa", k="2", extra="x"), field_manager="fleettui")
    assert second["data"] == {"k": "2", "extra": "x"}
    with pytest.raises(errors.Conflict):  # another manager owns data.k: no force, conflict
        await client.apply(cm("ssa", k="3"), field_manager="someone-else", force=False)
    forced = await client.apply(cm("ssa", k="3"), field_manager="someone-else", force=True)
    assert forced["data"]["k"] == "3"
    dry = await client.apply(cm("ssa-dry", k="1"), dry_run=True)
    assert dry["data"] == {"k": "1"}
    assert (
        await client.get(await client.resource("v1", "ConfigMap"), "ssa-dry", namespace="default")
        is None
    )
    with pytest.raises(ValueError):
        await client.apply({"kind": "ConfigMap", "metadata": {"name": "x"}})


async def test_delete(client):
    res = await client.resource("v1", "ConfigMap")
    await client.create(res, cm("gone"))
    assert await client.delete(res, "gone", namespace="default") is not None
    assert await client.get(res, "gone", namespace="default") is None
    assert await client.delete(res, "gone", namespace="default") is None  # already gone


async def test_watch_events_and_resume(sim, client):
    res = await client.resource("v1", "ConfigMap")
    start = (await client.list(res, namespace="default")).resource_version

    async def changes():
        await client.create(res, cm("w1", a="1"))
        await client.patch(res, "w1", {"data": {"a": "2"}}, namespace="default")
        await client.delete(res, "w1", namespace="default")

    seen = []
    async with client.watch(
        res, namespace="default", resource_version=start, timeout_seconds=5
    ) as w:
        task = asyncio.create_task(changes())
        async for ev in w:
            if ev.type == "BOOKMARK":
                continue
            seen.append((ev.type, ev.object["metadata"]["name"], ev.object.get("data")))
            if ev.type == "DELETED":
                break
        await task
        last = w.resource_version
    assert seen == [
        ("ADDED", "w1", {"a": "1"}),
        ("MODIFIED", "w1", {"a": "2"}),
        ("DELETED", "w1", {"a": "2"}),
    ]
    # Resuming from the first event's version replays only what came after it.
    again = []
    async with client.watch(
        res, namespace="default", resource_version=start, timeout_seconds=1
    ) as w:
        async for ev in w:
            if ev.type != "BOOKMARK":
                again.append(ev.type)
            if len(again) == 3:
                break
    assert again == ["ADDED", "MODIFIED", "DELETED"]
    assert int(last) > int(start)


async def test_watch_too_old_is_gone(sim, client):
    res = await client.resource("v1", "ConfigMap")
    rv = (await client.list(res)).resource_version
    sim.cluster(client.name).compacted_rv = int(rv)  # as if etcd compacted past it
    with pytest.raises(errors.Gone):
        async for _ in client.watch(res, resource_version="1", timeout_seconds=2):
            pass


async def test_faults_map_to_typed_errors(sim, kc):
    name = sim.cluster_names[1]
    async with ClusterClient.from_kubeconfig(kc, context=name, timeout=0.5) as c:
        res = await c.resource("v1", "Namespace")
        sim.faults.set(name, down="refuse")
        with pytest.raises(errors.Unreachable):
            await c.list(res)
        sim.faults.set(name, down="503")
        with pytest.raises(errors.ServerError) as ei:
            await c.list(res)
        assert ei.value.status == 503 and ei.value.retryable
        sim.faults.clear(name)
        sim.faults.set(name, forbidden=True)
        with pytest.raises(errors.Forbidden) as ei:
            await c.list(res)
        assert ei.value.cluster == name and ei.value.status == 403
        sim.faults.clear(name)
        sim.faults.set(name, latency=2.0)
        with pytest.raises(errors.Unreachable, match="no answer within 0.5s"):
            await c.list(res)
        sim.faults.clear(name)
        assert (await c.list(res)).items  # recovers once the fault clears


async def test_dropped_watch_raises_unreachable(sim, kc):
    name = sim.cluster_names[2]
    async with ClusterClient.from_kubeconfig(kc, context=name, timeout=2) as c:
        res = await c.resource("v1", "ConfigMap")
        rv = (await c.list(res)).resource_version

        async def cut_later():
            # once the stream is open (a fixed wait cut it before, on a busy machine)
            for _ in range(500):  # 10 s at most
                if sim.server.watches.count(name):
                    break
                await asyncio.sleep(0.02)
            sim.faults.set(name, drop_watches=True)

        cutter = asyncio.create_task(cut_later())
        with pytest.raises(errors.Unreachable, match="watch connection broke"):  # cut mid-stream
            async for _ in c.watch(res, resource_version=rv, timeout_seconds=5):
                pass
        await cutter
        with pytest.raises(errors.Unreachable):  # new watches are cut at once
            async for _ in c.watch(res, resource_version=rv, timeout_seconds=5):
                pass
        sim.faults.clear(name)
        await c.create(res, cm("after"))
        async with c.watch(res, resource_version=rv, timeout_seconds=5) as w:
            async for ev in w:
                assert ev.type == "ADDED" and ev.object["metadata"]["name"] == "after"
                break


async def test_read_only_client_never_mutates(sim, kc):
    name = sim.cluster_names[0]
    before = sim.mutations()
    async with ClusterClient.from_kubeconfig(kc, context=name, read_only=True) as ro:
        res = await ro.resource("v1", "ConfigMap")
        dep = await ro.resource("apps/v1", "Deployment")
        some = (await ro.list(dep)).items[0]
        ns, dname = some["metadata"]["namespace"], some["metadata"]["name"]
        attempts = [
            ro.create(res, cm("ro")),
            ro.replace(dep, some),
            ro.replace(dep, some, subresource="status"),
            ro.patch(dep, dname, {"spec": {"replicas": 0}}, namespace=ns),
            ro.patch(dep, dname, {"spec": {"replicas": 0}}, namespace=ns, subresource="scale"),
            ro.patch(
                dep,
                dname,
                [{"op": "add", "path": "/metadata/labels/x", "value": "y"}],
                namespace=ns,
                patch_type="json",
            ),
            ro.apply(cm("ro")),
            ro.apply(cm("ro"), dry_run=True),
            ro.delete(dep, dname, namespace=ns),
            ro.delete(res, "nothing", namespace="default", propagation="Foreground"),
        ]
        for coro in attempts:
            with pytest.raises(errors.ReadOnlyViolation):
                await coro
        assert await ro.get(dep, dname, namespace=ns) is not None  # reads still work
    assert sim.mutations() == before == 0
