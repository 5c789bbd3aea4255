"""Conformance through kubernetes_asyncio and raw HTTP: what a real apiserver answers."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.dynamic import DynamicClient
from simfactory import cm, deployment, widget_crd

from fleettui.sim import Simulator


async def test_discovery_documents(http):
    status, version = await http.call("GET", "/version")
    assert status == 200 and version["gitVersion"].startswith("v1.")
    status, core = await http.call("GET", "/api")
    assert core["kind"] == "APIVersions" and core["versions"] == ["v1"]
    _, v1 = await http.call("GET", "/api/v1")
    pods = next(r for r in v1["resources"] if r["name"] == "pods")
    assert pods["kind"] == "Pod" and pods["namespaced"] and pods["shortNames"] == ["po"]
    assert pods["categories"] == ["all"] and pods["singularName"] == "pod" and "watch" in pods["verbs"]
    assert any(r["name"] == "pods/status" for r in v1["resources"])
    _, groups = await http.call("GET", "/apis")
    names = {g["name"] for g in groups["groups"]}
    assert {"apps", "batch", "networking.k8s.io", "autoscaling", "discovery.k8s.io",
            "apiextensions.k8s.io"} <= names
    _, apps = await http.call("GET", "/apis/apps/v1")
    scale = next(r for r in apps["resources"] if r["name"] == "deployments/scale")
    assert scale["group"] == "autoscaling" and scale["kind"] == "Scale"
    status, _ = await http.call("GET", "/apis/nope.example.io/v1")
    assert status == 404


async def test_dynamic_client_lists_across_namespaces(core, sim: Simulator):
    dyn = await DynamicClient(core)
    deps = await dyn.resources.get(api_version="apps/v1", kind="Deployment")
    everything = await deps.get()
    cluster = sim.cluster(sim.cluster_names[0])
    assert len(everything.items) == len(cluster.list("deployments.apps")) > 0
    namespaces = {d.metadata.namespace for d in everything.items}
    assert len(namespaces) > 1
    one = sorted(namespaces)[0]
    scoped = await deps.get(namespace=one)
    assert {d.metadata.namespace for d in scoped.items} == {one}
    assert int(everything.metadata.resourceVersion) == int(cluster.resource_version)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier=web", {"a", "b"}),
        ("tier==web", {"a", "b"}),
        ("tier!=web", {"c", "d"}),
        ("tier in (web,db)", {"a", "b", "c"}),
        ("tier notin (web)", {"c", "d"}),
        ("canary", {"b"}),
        ("!canary", {"a", "c", "d"}),
        ("tier=web,!canary", {"a"}),
    ],
)
async def test_label_selectors(sim: Simulator, core, selector, expected):
    c = sim.cluster(sim.cluster_names[0])
    c.create("namespaces", {"metadata": {"name": "sel"}})
    for name, labels in {"a": {"tier": "web"}, "b": {"tier": "web", "canary": "yes"},
                         "c": {"tier": "db"}, "d": {}}.items():
        c.create("configmaps", cm(name, "sel", **labels))
    v1 = client.CoreV1Api(core)
    got = await v1.list_namespaced_config_map("sel", label_selector=selector)
    assert {i.metadata.name for i in got.items} == expected


async def test_bad_label_selector_is_400(http):
    status, body = await http.call("GET", "/api/v1/pods", labelSelector="tier in (")
    assert status == 400 and body["reason"] == "BadRequest"


async def test_field_selector_and_pagination(sim: Simulator, core):
    c = sim.cluster(sim.cluster_names[0])
    c.create("namespaces", {"metadata": {"name": "pages"}})
    for i in range(7):
        c.create("configmaps", cm(f"cm-{i}", "pages"))
    v1 = client.CoreV1Api(core)
    named = await v1.list_config_map_for_all_namespaces(field_selector="metadata.name=cm-3")
    assert [i.metadata.name for i in named.items] == ["cm-3"]
    scoped = await v1.list_config_map_for_all_namespaces(field_selector="metadata.namespace=pages")
    assert len(scoped.items) == 7
    seen, token = [], None
    while True:
        page = await v1.list_namespaced_config_map("pages", limit=3, _continue=token)
        seen += [i.metadata.name for i in page.items]
        token = page.metadata._continue
        if not token:
            break
        assert page.metadata.remaining_item_count == 7 - len(seen)
    assert seen == [f"cm-{i}" for i in range(7)]


async def test_watch_from_resource_version_then_timeout(sim: Simulator, core):
    v1 = client.CoreV1Api(core)
    start = await v1.list_namespaced_config_map("default")
    c = sim.cluster(sim.cluster_names[0])
    c.create("configmaps", cm("w1"))
    events = []
    w = watch.Watch()

    async def later():
        await asyncio.sleep(0.1)
        c.update("configmaps", {**cm("w1"), "data": {"k": "changed"}})
        c.delete("configmaps", "default", "w1")

    task = asyncio.create_task(later())
    async for ev in w.stream(v1.list_namespaced_config_map, "default", timeout_seconds=1,
                             resource_version=start.metadata.resource_version):
        events.append((ev["type"], ev["object"].metadata.name))
    await task
    assert events == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]


async def test_watch_too_old_resource_version_is_410():
    sim = Simulator(clusters=1, seed="empty", history=5)
    sim.clock.freeze()
    await sim.start()
    try:
        c = sim.cluster(sim.cluster_names[0])
        for i in range(20):
            c.create("configmaps", cm(f"x{i}"))
        async with __import__("aiohttp").ClientSession() as s:
            url = sim.url(c.name) + "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2"
            async with s.get(url) as resp:
                line = await resp.content.readline()
        import json

        ev = json.loads(line)
        assert ev["type"] == "ERROR"
        assert ev["object"]["code"] == 410 and ev["object"]["reason"] == "Expired"
        assert "too old resource version" in ev["object"]["message"]
    finally:
        await sim.stop()


async def test_watch_bookmarks_and_label_filter(sim: Simulator, http, monkeypatch):
    from fleettui.sim import watch as simwatch

    monkeypatch.setattr(simwatch, "BOOKMARK_INTERVAL", 0.1)
    c = sim.cluster(sim.cluster_names[0])
    rv = c.resource_version
    c.create("configmaps", cm("keep", tier="web"))
    c.create("configmaps", cm("skip", tier="db"))
    url = f"{http.base}/api/v1/namespaces/default/configmaps"
    params = {"watch": "true", "resourceVersion": rv, "allowWatchBookmarks": "true",
              "timeoutSeconds": "1", "labelSelector": "tier=web"}
    import json

    async with http.session.get(url, params=params) as resp:
        body = await resp.read()
    events = [json.loads(line) for line in body.splitlines()]
    assert [e["object"]["metadata"]["name"] for e in events if e["type"] == "ADDED"] == ["keep"]
    marks = [e for e in events if e["type"] == "BOOKMARK"]
    assert marks and int(marks[-1]["object"]["metadata"]["resourceVersion"]) >= int(rv) + 2


async def test_update_conflict_and_generation(sim: Simulator, core):
    apps = client.AppsV1Api(core)
    created = await apps.create_namespaced_deployment("default", deployment("gen"))
    assert created.metadata.generation == 1 and created.metadata.uid
    stale = created.metadata.resource_version
    body = deployment("gen")
    body["metadata"]["labels"]["extra"] = "x"
    body["metadata"]["resourceVersion"] = stale
    relabelled = await apps.replace_namespaced_deployment("gen", "default", body)
    assert relabelled.metadata.generation == 1  # metadata only: no new generation
    assert int(relabelled.metadata.resource_version) > int(stale)
    body["spec"]["replicas"] = 3
    with pytest.raises(ApiException) as err:
        await apps.replace_namespaced_deployment("gen", "default", body)
    assert err.value.status == 409 and '"reason":"Conflict"' in err.value.body.replace(" ", "")
    body["metadata"]["resourceVersion"] = relabelled.metadata.resource_version
    bumped = await apps.replace_namespaced_deployment("gen", "default", body)
    assert bumped.metadata.generation == 2


async def test_create_errors(sim: Simulator, http):
    status, body = await http.call("POST", "/api/v1/namespaces/default/configmaps", cm("dup"))
    assert status == 201 and body["metadata"]["uid"]
    status, body = await http.call("POST", "/api/v1/namespaces/default/configmaps", cm("dup"))
    assert (status, body["reason"], body["message"]) == (409, "AlreadyExists", 'configmaps "dup" already exists')
    status, body = await http.call("POST", "/api/v1/namespaces/missing/configmaps", cm("x", "missing"))
    assert (status, body["reason"]) == (404, "NotFound")
    status, body = await http.call("POST", "/api/v1/namespaces/default/configmaps", cm("Bad_Name"))
    assert (status, body["reason"]) == (422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    status, body = await http.call("POST", "/api/v1/namespaces/default/configmaps", raw=b'{"kind": ')
    assert (status, body["reason"]) == (400, "BadRequest")
    status, body = await http.call("POST", "/api/v1/namespaces/default/configmaps", raw=b"[1, 2]")
    assert status == 400
    status, body = await http.call("POST", "/api/v1/namespaces/default/configmaps/dup", cm("dup"))
    assert (status, body["reason"]) == (405, "MethodNotAllowed")
    status, body = await http.call("GET", "/api/v1/namespaces/default/configmaps/none")
    assert (status, body["message"]) == (404, 'configmaps "none" not found')
    status, body = await http.call("GET", "/apis/apps/v1/namespaces/default/deployments/none")
    assert body["message"] == 'deployments.apps "none" not found' and body["details"]["group"] == "apps"
    status, body = await http.call("POST", "/api/v1/namespaces/default/configmaps",
                                   {**cm("gen-"), "metadata": {"generateName": "gen-"}})
    assert status == 201 and body["metadata"]["name"].startswith("gen-") and len(body["metadata"]["name"]) == 9
    status, body = await http.call("POST", "/api/v1/namespaces/default/pods",
                                   {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "k"}})
    assert status == 400


async def test_access_review_follows_the_forbidden_fault(sim: Simulator, http):
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"verb": "list", "resource": "pods"}}}
    path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    status, body = await http.call("POST", path, review)
    assert status == 201 and body["status"] == {"allowed": True}
    sim.faults.set(sim.cluster_names[0], forbidden=True)
    status, body = await http.call("POST", path, review)
    assert status == 201 and body["status"]["allowed"] is False


async def test_patch_types(sim: Simulator, http):
    path = "/apis/apps/v1/namespaces/default/deployments"
    await http.call("POST", path, deployment("p"))
    status, body = await http.call("PATCH", f"{path}/p", {"metadata": {"labels": {"m": "1", "app": None}}},
                                   ctype="application/merge-patch+json")
    assert status == 200 and body["metadata"]["labels"] == {"m": "1"}
    status, body = await http.call("PATCH", f"{path}/p", [{"op": "add", "path": "/metadata/labels/j", "value": "2"},
                                                          {"op": "test", "path": "/spec/replicas", "value": 1}],
                                   ctype="application/json-patch+json")
    assert status == 200 and body["metadata"]["labels"] == {"m": "1", "j": "2"}
    status, body = await http.call("PATCH", f"{path}/p", [{"op": "test", "path": "/spec/replicas", "value": 9}],
                                   ctype="application/json-patch+json")
    assert status == 422
    smp = {"spec": {"template": {"spec": {"containers": [
        {"name": "side", "image": "busybox"},
        {"name": "main", "env": [{"name": "B", "value": "2"}]}]}}}}
    status, body = await http.call("PATCH", f"{path}/p", smp, ctype="application/strategic-merge-patch+json")
    assert status == 200
    containers = body["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["main", "side"]
    assert containers[0]["image"] == "nginx:1.27"  # merged by name, not replaced
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert body["metadata"]["generation"] == 2
    delete = {"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}}
    _, body = await http.call("PATCH", f"{path}/p", delete, ctype="application/strategic-merge-patch+json")
    assert [c["name"] for c in body["spec"]["template"]["spec"]["containers"]] == ["main"]
    status, body = await http.call("PATCH", f"{path}/p", {"metadata": {"resourceVersion": "1"}},
                                   ctype="application/merge-patch+json")
    assert status == 409
    status, body = await http.call("PATCH", f"{path}/p", {"a": 1}, ctype="text/plain")
    assert status == 415
    status, body = await http.call("PATCH", f"{path}/p", raw=b"{nope", ctype="application/merge-patch+json")
    assert status == 400


async def test_server_side_apply_ownership_and_conflicts(sim: Simulator, http):
    path = "/apis/apps/v1/namespaces/default/deployments/ssa"
    ctype = "application/apply-patch+yaml"
    mine = deployment("ssa", replicas=2)
    mine["metadata"]["labels"]["owner"] = "alice"
    status, body = await http.call("PATCH", path, mine, ctype=ctype, fieldManager="alice")
    assert status == 201
    managers = {(m["manager"], m["operation"]) for m in body["metadata"]["managedFields"]}
    assert managers == {("alice", "Apply")}
    assert "f:replicas" in body["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]
    status, body = await http.call("PATCH", path, deployment("ssa", replicas=5), ctype=ctype, fieldManager="bob")
    assert status == 409 and body["reason"] == "Conflict"
    assert body["message"] == 'Apply failed with 1 conflict: conflict with "alice" using apps/v1: .spec.replicas'
    assert body["details"]["causes"][0] == {"reason": "FieldManagerConflict",
                                            "message": 'conflict with "alice" using apps/v1', "field": ".spec.replicas"}
    status, body = await http.call("PATCH", path, deployment("ssa", replicas=5), ctype=ctype, fieldManager="bob",
                                   force="true")
    assert status == 200 and body["spec"]["replicas"] == 5
    alice = next(m for m in body["metadata"]["managedFields"] if m["manager"] == "alice")
    assert "f:replicas" not in alice["fieldsV1"]["f:spec"]
    # alice stops sending a label only she owns: it goes; one bob co-owns stays
    trimmed = deployment("ssa")
    trimmed["metadata"]["labels"] = {}
    del trimmed["spec"]["replicas"]
    status, body = await http.call("PATCH", path, trimmed, ctype=ctype, fieldManager="alice")
    assert status == 200 and body["metadata"]["labels"] == {"app": "ssa"}
    assert body["spec"]["replicas"] == 5
    status, _ = await http.call("PATCH", path, deployment("ssa"), ctype=ctype)
    assert status == 400  # fieldManager is required


async def test_status_subresource_is_isolated_both_ways(sim: Simulator, http):
    path = "/apis/apps/v1/namespaces/default/deployments/iso"
    _, created = await http.call("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("iso"))
    assert "status" not in created or not created["status"].get("replicas")
    body = dict(created, status={"replicas": 42})
    _, after = await http.call("PUT", path, body)
    assert (after.get("status") or {}).get("replicas") != 42
    body = dict(after, spec={**after["spec"], "replicas": 9}, status={"observedGeneration": 77})
    status, after2 = await http.call("PUT", path + "/status", body)
    assert status == 200 and after2["status"] == {"observedGeneration": 77}
    assert after2["spec"]["replicas"] == 1 and after2["metadata"]["generation"] == 1
    status, after3 = await http.call("PATCH", path + "/status", {"status": {"readyReplicas": 1}},
                                     ctype="application/merge-patch+json")
    assert after3["status"] == {"observedGeneration": 77, "readyReplicas": 1}


async def test_scale_subresource(sim: Simulator, core):
    apps = client.AppsV1Api(core)
    await apps.create_namespaced_deployment("default", deployment("sc"))
    scale = await apps.read_namespaced_deployment_scale("sc", "default")
    assert scale.spec.replicas == 1 and scale.status.selector == "app=sc"
    scale.spec.replicas = 4
    await apps.replace_namespaced_deployment_scale("sc", "default", scale)
    await apps.patch_namespaced_deployment_scale("sc", "default", {"spec": {"replicas": 6}})
    dep = await apps.read_namespaced_deployment("sc", "default")
    assert dep.spec.replicas == 6 and dep.metadata.generation == 3


async def test_delete_propagation_finalizers_and_namespaces(sim: Simulator, http):
    c = sim.cluster(sim.cluster_names[0])
    c.create("namespaces", {"metadata": {"name": "gc"}})
    owner = c.create("configmaps", cm("owner", "gc"))
    ref = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}]
    c.create("configmaps", {**cm("child", "gc"), "metadata": {"name": "child", "namespace": "gc",
                                                                  "ownerReferences": ref}})
    status, body = await http.call("DELETE", "/api/v1/namespaces/gc/configmaps/owner",
                                   {"propagationPolicy": "Orphan"})
    assert status == 200 and body["status"] == "Success"
    assert "ownerReferences" not in c.get("configmaps", "gc", "child")["metadata"]
    owner = c.create("configmaps", cm("owner2", "gc"))
    ref = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner2", "uid": owner["metadata"]["uid"]}]
    c.create("configmaps", {"metadata": {"name": "child2", "namespace": "gc", "ownerReferences": ref,
                                         "finalizers": ["example.io/hold"]}})
    status, body = await http.call("DELETE", "/api/v1/namespaces/gc/configmaps/owner2",
                                   propagationPolicy="Foreground")
    assert body["metadata"]["deletionTimestamp"] and "foregroundDeletion" in body["metadata"]["finalizers"]
    held = c.get("configmaps", "gc", "child2")
    assert held["metadata"]["deletionTimestamp"]
    c.patch_metadata("configmaps", "gc", "child2", finalizers=[])
    assert c.get("configmaps", "gc", "child2") is None
    assert c.get("configmaps", "gc", "owner2") is None  # foreground owner goes once children are gone
    status, body = await http.call("DELETE", "/api/v1/namespaces/gc")
    assert c.get("namespaces", None, "gc") is None and c.get("configmaps", "gc", "child") is None
    status, body = await http.call("POST", "/api/v1/namespaces/gc/configmaps", cm("late", "gc"))
    assert status == 404
    status, body = await http.call("DELETE", "/api/v1/namespaces/default/configmaps/ghost")
    assert status == 404


async def test_crd_serves_custom_resources_in_that_cluster_only(sim: Simulator, http):
    status, _ = await http.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widget_crd())
    assert status == 201
    _, crd = await http.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.io")
    assert {c["type"] for c in crd["status"]["conditions"]} == {"NamesAccepted", "Established"}
    _, res = await http.call("GET", "/apis/example.io/v1")
    assert {r["name"] for r in res["resources"]} == {"widgets", "widgets/status"}
    other = sim.url(sim.cluster_names[1])
    async with http.session.get(other + "/apis/example.io/v1") as resp:
        assert resp.status == 404
    path = "/apis/example.io/v1/namespaces/default/widgets"
    obj = {"apiVersion": "example.io/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3},
           "status": {"ready": True}}
    status, created = await http.call("POST", path, obj)
    assert status == 201 and "status" not in created and created["metadata"]["generation"] == 1
    status, after = await http.call("PATCH", f"{path}/w/status", {"status": {"ready": True}},
                                    ctype="application/merge-patch+json")
    assert after["status"] == {"ready": True} and after["metadata"]["generation"] == 1
    status, _ = await http.call("PATCH", f"{path}/w", {"spec": {"size": 4}},
                                ctype="application/strategic-merge-patch+json")
    assert status == 415  # no strategic merge for custom resources
    status, table = await http.call("GET", path, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert table["kind"] == "Table" and table["rows"][0]["cells"][:2] == ["w", 3]
    await http.call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.io")
    status, _ = await http.call("GET", f"{path}/w")
    assert status == 404
    assert "widgets.example.io" not in sim.cluster(sim.cluster_names[0]).types


async def test_table_output_for_pods(http):
    status, table = await http.call("GET", "/api/v1/pods", headers={
        "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"})
    assert status == 200 and table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert table["rows"] and table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


async def test_hub_is_served_but_not_a_member(sim: Simulator):
    assert "hub" not in sim.cluster_names
    assert sim.kubeconfig()["contexts"][-1]["name"] == "hub"
    assert all(c["cluster"]["server"].endswith(f"/clusters/{c['name']}") for c in sim.kubeconfig()["clusters"])
    import aiohttp

    async with aiohttp.ClientSession() as s:
        async with s.get(sim.url("hub") + "/apis") as resp:
            groups = {g["name"] for g in (await resp.json())["groups"]}
        async with s.get(sim.url("nope") + "/api") as resp:
            assert resp.status == 404
    assert {"cluster.open-cluster-management.io", "core.oam.dev"} <= groups


async def test_selector_watch_sees_objects_enter_and_leave(sim: Simulator, http):
    c = sim.cluster(sim.cluster_names[0])
    rv = c.resource_version
    url = f"{http.base}/api/v1/namespaces/default/configmaps"
    params = {"watch": "1", "resourceVersion": rv, "timeoutSeconds": "1", "labelSelector": "tier=web"}
    import json

    async def churn():
        await asyncio.sleep(0.1)
        c.create("configmaps", cm("m", tier="db"))
        c.update("configmaps", cm("m", tier="web"))
        c.update("configmaps", {**cm("m", tier="web"), "data": {"k": "2"}})
        c.update("configmaps", cm("m", tier="db"))
        c.delete("configmaps", "default", "m")

    task = asyncio.create_task(churn())
    async with http.session.get(url, params=params) as resp:
        body = await resp.read()
    await task
    events = [json.loads(line)["type"] for line in body.splitlines()]
    assert events == ["ADDED", "MODIFIED", "DELETED"]


async def test_invalid_objects_are_422_with_every_cause(http):
    bad = deployment("bad")
    bad["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    bad["spec"]["template"]["spec"]["containers"][0].pop("image")
    bad["metadata"]["labels"]["bad key!"] = "x"
    status, body = await http.call("POST", "/apis/apps/v1/namespaces/default/deployments", bad)
    assert (status, body["reason"]) == (422, "Invalid")
    fields = {c["field"] for c in body["details"]["causes"]}
    assert fields == {"metadata.labels", "spec.template.metadata.labels", "spec.template.spec.containers[0].image"}
    assert body["message"].startswith('Deployment.apps "bad" is invalid: [')
    status, body = await http.call("POST", "/api/v1/namespaces/default/services",
                                   {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 70000}]}})
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.ports[0].port"
    good = deployment("good")
    await http.call("POST", "/apis/apps/v1/namespaces/default/deployments", good)
    status, body = await http.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/good",
                                   {"spec": {"replicas": -1}}, ctype="application/merge-patch+json")
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.replicas"


async def test_watch_of_one_named_object(sim: Simulator, http):
    c = sim.cluster(sim.cluster_names[0])
    c.create("configmaps", cm("one"))
    c.create("configmaps", cm("two"))
    import json

    params = {"watch": "true", "timeoutSeconds": "1"}
    async with http.session.get(f"{http.base}/api/v1/namespaces/default/configmaps/one", params=params) as resp:
        body = await resp.read()
    names = {json.loads(line)["object"]["metadata"]["name"] for line in body.splitlines()}
    assert names == {"one"}


@pytest.mark.parametrize(
    ("method", "path", "ctype", "raw", "params"),
    [
        ("POST", "/api/v1/namespaces/default/configmaps", "application/json", b"\xff\xfe", {}),
        ("POST", "/api/v1/namespaces/default/configmaps", "application/json", b'"just a string"', {}),
        ("POST", "/api/v1/namespaces/default/configmaps", "application/json", b'{"metadata": []}', {}),
        ("POST", "/api/v1/namespaces/default/configmaps", "application/json",
         b'{"metadata": {"name": "x", "labels": {"a": 1}}}', {}),
        ("POST", "/api/v1/namespaces/default/configmaps", "application/vnd.kubernetes.protobuf", b"k8s\x00\xff\xff", {}),
        ("POST", "/api/v1/namespaces/default/configmaps", "application/vnd.kubernetes.protobuf", b"nope", {}),
        ("PUT", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "application/json", b"[]", {}),
        ("PATCH", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "application/json-patch+json",
         b'[{"op": "add", "path": "/data/x/y/z", "value": 1}]', {}),
        ("PATCH", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "application/json-patch+json",
         b'[{"op": "bogus", "path": "/a"}]', {}),
        ("PATCH", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "application/merge-patch+json",
         b'{"metadata": null}', {}),
        ("PATCH", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "application/apply-patch+yaml",
         b"::: not yaml", {"fieldManager": "x"}),
        ("PATCH", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "application/apply-patch+yaml",
         b'{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "kube-root-ca.crt"}}', {"fieldManager": "x"}),
        ("DELETE", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "application/json", b"{oops", {}),
        ("DELETE", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "application/json",
         b'{"propagationPolicy": "Sideways"}', {}),
        ("GET", "/api/v1/pods", "application/json", None, {"limit": "many"}),
        ("GET", "/api/v1/pods", "application/json", None, {"continue": "garbage!"}),
        ("GET", "/api/v1/pods", "application/json", None, {"fieldSelector": "spec.unknown=1"}),
        ("GET", "/api/v1/pods", "application/json", None, {"watch": "1", "timeoutSeconds": "soon"}),
        ("GET", "/api/v1/pods", "application/json", None, {"watch": "1", "resourceVersion": "abc"}),
        ("GET", "/api/v1/pods/extra/path/segments", "application/json", None, {}),
        ("POST", "/api/v1/namespaces/default/configmaps", "application/json", b"{}", {"dryRun": "Some"}),
    ],
)
async def test_malformed_requests_are_4xx_never_5xx(http, method, path, ctype, raw, params):
    status, body = await asyncio.wait_for(http.call(method, path, ctype=ctype, raw=raw, **params), 5)
    assert 400 <= status < 500, body
    assert isinstance(body, dict) and body.get("kind") == "Status"


async def test_aggregated_discovery_when_asked(http):
    accept = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
              "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
    async with http.session.get(http.base + "/apis", headers={"Accept": accept}) as resp:
        assert resp.headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        doc = await resp.json(content_type=None)
    apps = next(i for i in doc["items"] if i["metadata"]["name"] == "apps")
    (v1,) = apps["versions"]
    deploy = next(r for r in v1["resources"] if r["resource"] == "deployments")
    assert deploy["scope"] == "Namespaced" and deploy["shortNames"] == ["deploy"]
    assert {s["subresource"] for s in deploy["subresources"]} == {"scale", "status"}
    async with http.session.get(http.base + "/api", headers={"Accept": accept}) as resp:
        core = await resp.json(content_type=None)
    assert [i["metadata"]["name"] for i in core["items"]] == [""]
    async with http.session.get(http.base + "/api") as resp:  # plain JSON: the legacy document
        assert (await resp.json())["kind"] == "APIVersions"
