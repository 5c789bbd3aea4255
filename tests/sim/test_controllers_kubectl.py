"""The controllers seen through the real kubectl: `rollout status` reads their status fields."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from fleettui.sim import Simulator

KUBECTL = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "kubectl")

pytestmark = pytest.mark.kubectl


async def kubectl(kubeconfig: Path, context: str, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        KUBECTL, "--kubeconfig", str(kubeconfig), "--context", context, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def while_advancing(sim: Simulator, coro, *, limit: float = 200.0, step: float = 2.0):
    """Run `coro` (a kubectl that waits on the cluster) while the virtual clock moves on."""
    task = asyncio.ensure_future(coro)
    moved = 0.0
    while not task.done() and moved < limit:
        await asyncio.sleep(0.05)
        await sim.advance(step)
        moved += step
    return await asyncio.wait_for(task, 30)


async def test_rollout_status_follows_a_rolling_update(sim: Simulator, kubeconfig_path: Path) -> None:
    ctx = sim.cluster_names[0]
    await sim.advance(30)
    rc, _, err = await kubectl(kubeconfig_path, ctx, "-n", "shop", "set", "image", "deployment/storefront",
                               "storefront=nginx:1.28")
    assert rc == 0, err
    rc, out, err = await while_advancing(sim, kubectl(kubeconfig_path, ctx, "-n", "shop", "rollout", "status",
                                                      "deployment/storefront", "--timeout=60s"))
    assert rc == 0, err
    assert 'deployment "storefront" successfully rolled out' in out
    rc, out, _ = await kubectl(kubeconfig_path, ctx, "-n", "shop", "get", "rs", "-l", "app=storefront", "-o", "json")
    rs = json.loads(out)["items"]
    assert sorted(r["spec"]["replicas"] for r in rs)[0] == 0 and len(rs) == 2


async def test_rollout_status_reports_a_broken_image_past_its_deadline(sim: Simulator, kubeconfig_path: Path) -> None:
    ctx = sim.cluster_names[0]
    await sim.advance(30)
    rc, _, err = await kubectl(kubeconfig_path, ctx, "-n", "shop", "patch", "deployment/cart", "--type=merge",
                               "-p", '{"spec":{"progressDeadlineSeconds":30}}')
    assert rc == 0, err
    rc, _, err = await kubectl(kubeconfig_path, ctx, "-n", "shop", "set", "image", "deployment/cart", "cart=nginx:broken")
    assert rc == 0, err
    rc, out, err = await while_advancing(sim, kubectl(kubeconfig_path, ctx, "-n", "shop", "rollout", "status",
                                                      "deployment/cart", "--timeout=60s"))
    assert rc == 1
    assert 'deployment "cart" exceeded its progress deadline' in err
    rc, out, _ = await kubectl(kubeconfig_path, ctx, "-n", "shop", "get", "pods", "-l", "app=cart")
    assert "ImagePullBackOff" in out or "ErrImagePull" in out


async def test_rollout_history_and_undo(sim: Simulator, kubeconfig_path: Path) -> None:
    ctx = sim.cluster_names[0]
    await sim.advance(30)
    args = ("-n", "shop")
    rc, _, err = await kubectl(kubeconfig_path, ctx, *args, "set", "image", "deployment/catalog", "catalog=nginx:1.28")
    assert rc == 0, err
    rc, _, err = await while_advancing(sim, kubectl(kubeconfig_path, ctx, *args, "rollout", "status",
                                                    "deployment/catalog", "--timeout=60s"))
    assert rc == 0, err
    rc, out, err = await kubectl(kubeconfig_path, ctx, *args, "rollout", "history", "deployment/catalog")
    assert rc == 0, err
    assert [line.split()[0] for line in out.splitlines()[2:] if line.strip()] == ["1", "2"]
    rc, out, err = await kubectl(kubeconfig_path, ctx, *args, "rollout", "undo", "deployment/catalog")
    assert rc == 0, err
    rc, _, err = await while_advancing(sim, kubectl(kubeconfig_path, ctx, *args, "rollout", "status",
                                                    "deployment/catalog", "--timeout=60s"))
    assert rc == 0, err
    d = sim.cluster(ctx).get("deployments.apps", "shop", "catalog")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert not d["spec"]["template"]["spec"]["containers"][0]["image"].endswith("nginx:1.28")
    assert len(sim.cluster(ctx).list("replicasets.apps", "shop")) >= 2
