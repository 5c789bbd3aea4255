"""The watch stream's phases on the wire: start, selector moves, Tables, bookmarks, close, 504.

These pin what `sim/watch.py` sends byte-level clients (kubectl, kubernetes_asyncio, our
kube layer) beyond the basics in test_api_client.py and test_faults.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from fleettui.sim import Simulator

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
CMS = "/api/v1/namespaces/default/configmaps"


def cm(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": name},
            "metadata": {"name": name, "namespace": "default", "labels": labels}}


def relabel(sim: Simulator, name: str, **labels: str) -> None:
    c = sim.cluster(sim.cluster_names[0])
    obj = json.loads(json.dumps(c.get("configmaps", "default", name)))
    obj["metadata"]["labels"] = labels
    c.update("configmaps", obj)


async def watch(sim: Simulator, path: str, params: dict[str, str], *, headers: dict[str, str] | None = None,
                during: Any = None) -> tuple[int, list[dict[str, Any]]]:
    """Open a watch, run `during()` once it is open, read the stream to its end."""
    url = sim.url(sim.cluster_names[0]) + path
    async with aiohttp.ClientSession() as s, s.get(url, params={"watch": "true", **params},
                                                   headers=headers or {}) as resp:
        if during is not None:
            await asyncio.sleep(0.1)  # the response has started: the watch is subscribed
            during()
        body = await asyncio.wait_for(resp.read(), 10)
    if resp.status != 200:
        return resp.status, [json.loads(body)]
    return resp.status, [json.loads(line) for line in body.splitlines()]


async def test_objects_moving_in_and_out_of_a_selector_are_added_and_deleted(sim: Simulator):
    c = sim.cluster(sim.cluster_names[0])
    c.create("configmaps", cm("a", tier="web"))
    c.create("configmaps", cm("b", tier="db"))
    rv = c.resource_version

    def churn() -> None:
        relabel(sim, "b", tier="web")   # moves in: ADDED for this watcher
        relabel(sim, "a", tier="db")    # moves out: DELETED
        relabel(sim, "b", tier="web", x="1")  # stays in: MODIFIED
        c.delete("configmaps", "default", "b")

    _, events = await watch(sim, CMS, {"resourceVersion": rv, "labelSelector": "tier=web",
                                       "timeoutSeconds": "1"}, during=churn)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "b"), ("DELETED", "a"), ("MODIFIED", "b"), ("DELETED", "b")]


async def test_a_table_watch_defines_its_columns_in_the_first_event_only(sim: Simulator):
    c = sim.cluster(sim.cluster_names[0])
    rv = c.resource_version
    _, events = await watch(sim, CMS, {"resourceVersion": rv, "timeoutSeconds": "1"}, headers={"Accept": TABLE},
                            during=lambda: [c.create("configmaps", cm(n)) for n in ("t1", "t2")])
    assert [e["object"]["kind"] for e in events] == ["Table", "Table"]
    assert [bool(e["object"].get("columnDefinitions")) for e in events] == [True, False]
    assert [e["object"]["rows"][0]["cells"][0] for e in events] == ["t1", "t2"]


async def test_initial_events_end_with_an_annotated_bookmark(sim: Simulator):
    _, events = await watch(sim, "/api/v1/namespaces/shop/services", {
        "sendInitialEvents": "true", "allowWatchBookmarks": "true", "resourceVersionMatch": "NotOlderThan",
        "timeoutSeconds": "1"})
    added = [e for e in events if e["type"] == "ADDED"]
    assert added and events[:len(added)] == added
    end = events[len(added)]
    assert end["type"] == "BOOKMARK" and end["object"]["kind"] == "Service"
    assert end["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


async def test_server_close_delivers_what_was_queued_then_ends_cleanly(sim: Simulator):
    c = sim.cluster(sim.cluster_names[0])

    def change_then_close() -> None:
        c.create("configmaps", cm("last"))
        sim.server.watches.close_all()  # before the stream had a turn to send "last"

    status, events = await watch(sim, CMS, {"resourceVersion": c.resource_version, "timeoutSeconds": "30"},
                                 during=change_then_close)
    assert status == 200  # and read() saw a clean end of the chunked body, not a payload error
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "last")]
    assert sim.server.watches.count() == 0


async def test_a_version_from_the_future_is_504_too_large(sim: Simulator):
    c = sim.cluster(sim.cluster_names[0])
    ahead = int(c.resource_version) + 10
    status, [body] = await watch(sim, CMS, {"resourceVersion": str(ahead)})
    assert status == 504 and body["reason"] == "Timeout"
    assert body["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"
    assert sim.server.watches.count() == 0  # refused before the stream opened


async def test_query_errors_come_in_the_apiservers_order(sim: Simulator):
    status, [body] = await watch(sim, CMS, {"labelSelector": "a in b", "fieldSelector": "spec.bogus=1",
                                            "timeoutSeconds": "x", "resourceVersion": "y"})
    assert status == 400 and "invalid label selector" in body["message"]
    status, [body] = await watch(sim, CMS, {"timeoutSeconds": "x", "resourceVersion": "y"})
    assert status == 400 and body["message"].startswith("timeoutSeconds:")
