"""export-service (KubeVela's workflow step) on the simulator: the address of a Service
in the source cluster, passed by a step output, becomes a selector-less Service and its
Endpoints in every cluster of the topology, and each of those clusters publishes it as
an EndpointSlice (the mirroring controller)."""

from __future__ import annotations

import pytest

from engine.conftest import settle
from engine.test_model import problems
from engine.test_workflow_sim import phases, web_app
from fleettui.engine.steps.export_service import objects
from fleettui.engine.validate import parse_application

SOURCE_SVC = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "shop"},
              "spec": {"selector": {"app": "legacy-db"}, "ports": [{"port": 5432, "targetPort": 5432}]}}
MIRROR = "endpointslicemirroring-controller.k8s.io"


def export_app(**export) -> dict:
    return web_app("legacy-db", steps=[
        {"name": "first", "type": "deploy", "properties": {"policies": ["first"]}},
        {"name": "source", "type": "apply-object", "properties": {"value": SOURCE_SVC, "cluster": "ack-hangzhou-a"},
         "outputs": [{"name": "db-ip", "valueFrom": "output.value.spec.clusterIP"}]},
        {"name": "export", "type": "export-service", "inputs": [{"from": "db-ip", "parameterKey": "ip"}],
         "properties": {"port": 80, "targetPort": 5432, "topology": "others", **export}}])


def test_objects_are_the_definitions():
    # export-service_test.cue: "exports a Service and its Endpoints named after the Application"
    app = parse_application(export_app())
    assert objects(app, {"ip": "10.0.0.8", "port": 80, "targetPort": 8080}) == [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "legacy-db", "namespace": "shop"},
         "spec": {"type": "ClusterIP", "ports": [{"protocol": "TCP", "port": 80, "targetPort": 8080}]}},
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "legacy-db", "namespace": "shop"},
         "subsets": [{"addresses": [{"ip": "10.0.0.8"}], "ports": [{"port": 8080}]}]}]
    named = objects(app, {"ip": "10.0.0.8", "port": 80, "targetPort": 8080, "name": "db",
                          "namespace": "export-service-target"})
    assert [o["metadata"] for o in named] == [{"name": "db", "namespace": "export-service-target"}] * 2


@pytest.mark.parametrize(("props", "field", "why"), [
    ({"port": "http"}, "port", "must be a port number"),
    ({"topology": None}, "topology", "required: without it KubeVela exports to its own hub cluster"),
    ({"topology": "nope"}, "topology", "no topology policy 'nope' (topology policies: first, others)"),
    ({"via": "mcs"}, "via", "field 'via' is not supported"),
])
def test_refusals_name_the_field(props, field, why):
    doc = export_app(**props)
    if props.get("topology", "") is None:
        del doc["spec"]["workflow"]["steps"][2]["properties"]["topology"]
    got = problems(doc)
    assert any(p.startswith(f"spec.workflow.steps[2].properties.{field}: {why}") for p in got), got


async def test_export_service_reaches_the_topology_clusters_endpointslices(hub, sim):
    await hub.apply(export_app())
    await settle(hub, sim, "shop", "legacy-db")
    await sim.advance(2)  # the source Service's endpoints: read after apply-object returned
    result = await hub.engine.reconcile("shop", "legacy-db")
    assert result.phase == "running", result
    app = await hub.get("shop", "legacy-db")
    assert phases(app) == {"first": "succeeded", "source": "succeeded", "export": "succeeded"}
    source_ip = sim.cluster("ack-hangzhou-a").get("services", "shop", "db")["spec"]["clusterIP"]
    assert app["status"]["workflow"]["steps"][2]["message"] == (
        f"exported {source_ip}:5432 as Service shop/legacy-db port 80 to idc-beijing, edge-shenzhen")
    for cluster in ("idc-beijing", "edge-shenzhen"):
        member = sim.cluster(cluster)
        svc = member.get("services", "shop", "legacy-db")
        assert "selector" not in svc["spec"] and svc["spec"]["ports"][0]["targetPort"] == 5432
        slices = [s for s in member.list("endpointslices.discovery.k8s.io", "shop")
                  if s["metadata"]["labels"].get("kubernetes.io/service-name") == "legacy-db"]
        assert len(slices) == 1
        assert slices[0]["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == MIRROR
        assert [e["addresses"] for e in slices[0]["endpoints"]] == [[source_ip]]
        assert slices[0]["ports"] == [{"port": 5432, "protocol": "TCP"}]
    assert sim.cluster("ack-hangzhou-a").get("services", "shop", "legacy-db") is None

    # a revision without the step collects the Service and Endpoints (and so the slices)
    await hub.apply(web_app("legacy-db", steps=[{"name": "first", "type": "deploy",
                                                 "properties": {"policies": ["first"]}}]))
    assert (await settle(hub, sim, "shop", "legacy-db")).phase == "running"
    await sim.advance(2)
    for cluster in ("idc-beijing", "edge-shenzhen"):
        member = sim.cluster(cluster)
        assert member.get("services", "shop", "legacy-db") is None
        assert member.get("endpoints", "shop", "legacy-db") is None
