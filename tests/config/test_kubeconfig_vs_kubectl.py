"""Our kubeconfig merge gives what the real kubectl gives for the same KUBECONFIG list."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fleettui.config.kubeconfig import load_kubeconfig

KUBECTL = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "kubectl"

pytestmark = [
    pytest.mark.kubectl,
    pytest.mark.skipif(
        not KUBECTL.exists() and not shutil.which("kubectl"), reason="kubectl not installed"
    ),
]


def doc(clusters, contexts, current=None, users=()):
    d = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": s}} for n, s in clusters],
        "users": [{"name": n, "user": {"token": t}} for n, t in users],
        "contexts": [
            {"name": n, "context": {"cluster": c, "user": u, **({"namespace": ns} if ns else {})}}
            for n, c, u, ns in contexts
        ],
    }
    if current:
        d["current-context"] = current
    return d


def test_merge_matches_kubectl(tmp_path):
    files = [
        doc(
            [("shared", "https://first"), ("a", "https://a")],
            [("ctx-a", "a", "ua", None), ("dup", "shared", "ua", "n1")],
            users=[("ua", "token-a")],
        ),
        doc(
            [("shared", "https://second"), ("b", "https://b")],
            [("dup", "b", "ub", "n2"), ("ctx-b", "b", "ub", None)],
            current="ctx-b",
            users=[("ua", "token-b"), ("ub", "token-ub")],
        ),
        doc([("c", "https://c")], [("ctx-c", "c", "ub", None)], current="ctx-c"),
    ]
    paths = []
    for i, d in enumerate(files):
        p = tmp_path / f"k{i}"
        p.write_text(yaml.safe_dump(d))
        paths.append(str(p))
    paths.insert(1, str(tmp_path / "missing"))
    env = {**os.environ, "KUBECONFIG": os.pathsep.join(paths), "HOME": str(tmp_path)}
    kubectl = str(KUBECTL if KUBECTL.exists() else shutil.which("kubectl"))
    out = subprocess.run(
        [kubectl, "config", "view", "--raw", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    theirs = json.loads(out.stdout)
    ours = load_kubeconfig(os.pathsep.join(paths))

    assert ours.current_context == theirs["current-context"]
    their_ctx = {c["name"]: c["context"] for c in theirs["contexts"]}
    their_clusters = {c["name"]: c["cluster"]["server"] for c in theirs["clusters"]}
    their_users = {u["name"]: u["user"].get("token") for u in theirs["users"]}
    assert {c.name for c in ours.contexts} == set(their_ctx)
    for ref in ours.contexts:
        assert ref.cluster == their_ctx[ref.name]["cluster"]
        assert ref.user == their_ctx[ref.name].get("user", "")
        assert ref.namespace == their_ctx[ref.name].get("namespace")
        assert ref.server == their_clusters[ref.cluster]
    ours_users = {u["name"]: u["user"].get("token") for u in ours.as_dict()["users"]}
    assert ours_users == their_users
