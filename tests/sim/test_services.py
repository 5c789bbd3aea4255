"""Service defaulting and allocation at create/update, as the apiserver's Service storage does."""

from __future__ import annotations

import ipaddress

import pytest

from fleettui.sim import ApiError, Simulator
from fleettui.sim.defaults import NODE_PORTS

PATH = "/api/v1/namespaces/default/services"


def svc(name: str, *, type_: str = "ClusterIP", ports: list | None = None, selector: dict | None = None,
        **spec: object) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
            "spec": {"type": type_, "ports": ports if ports is not None else [{"port": 80}],
                     **({"selector": selector} if selector is not None else {"selector": {"app": name}}), **spec}}


def service_cidr(sim: Simulator) -> ipaddress.IPv4Network:
    ip = sim.cluster(sim.cluster_names[0]).get("services", "default", "kubernetes")["spec"]["clusterIP"]
    return ipaddress.ip_network(f"{ip}/16", strict=False)


async def test_create_defaults_and_allocates_a_cluster_ip(sim: Simulator, http):
    status, body = await http.call("POST", PATH, svc("web", ports=[{"name": "http", "port": 8080}]))
    assert status == 201, body
    spec = body["spec"]
    assert ipaddress.ip_address(spec["clusterIP"]) in service_cidr(sim)
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"], spec["sessionAffinity"], spec["internalTrafficPolicy"]) == (
        ["IPv4"], "SingleStack", "None", "Cluster")
    assert spec["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": 8080}]
    assert "nodePort" not in spec["ports"][0] and "externalTrafficPolicy" not in spec
    assert body["status"] == {"loadBalancer": {}}


async def test_cluster_ips_are_unique_per_cluster(sim: Simulator):
    cluster = sim.cluster(sim.cluster_names[0])
    before = {s["spec"].get("clusterIP") for s in cluster.list("services")}
    created = [cluster.create("services", svc(f"s{i}"))["spec"]["clusterIP"] for i in range(200)]
    assert len(set(created)) == 200 and not set(created) & before
    cidr = service_cidr(sim)
    assert all(ipaddress.ip_address(ip) in cidr for ip in created)


async def test_headless_stays_headless(sim: Simulator, http):
    _, body = await http.call("POST", PATH, svc("db", clusterIP="None"))
    assert (body["spec"]["clusterIP"], body["spec"]["clusterIPs"], body["spec"]["ipFamilyPolicy"]) == (
        "None", ["None"], "SingleStack")
    _, body = await http.call("POST", PATH, {**svc("ext", clusterIP="None"), "spec": {"clusterIP": "None"}})
    assert body["spec"]["ipFamilyPolicy"] == "RequireDualStack"  # no selector: any family
    _, body = await http.call("POST", PATH, svc("db2", clusterIP="None"))
    assert body["spec"]["clusterIP"] == "None"  # headless does not allocate, so no clash


async def test_node_ports_for_node_port_and_load_balancer(sim: Simulator, http):
    _, np = await http.call("POST", PATH, svc("np", type_="NodePort", ports=[{"port": 80}, {"port": 443}]))
    _, lb = await http.call("POST", PATH, svc("lb", type_="LoadBalancer", externalTrafficPolicy="Local"))
    ports = [p["nodePort"] for p in np["spec"]["ports"] + lb["spec"]["ports"]] + [lb["spec"]["healthCheckNodePort"]]
    assert len(set(ports)) == 4 and all(p in NODE_PORTS for p in ports)
    assert np["spec"]["externalTrafficPolicy"] == "Cluster" and lb["spec"]["allocateLoadBalancerNodePorts"] is True
    await sim.advance(2)  # the cloud controller stand-in gives the LoadBalancer an address
    live = sim.cluster(sim.cluster_names[0]).get("services", "default", "lb")
    assert live["status"]["loadBalancer"]["ingress"][0]["ip"]
    assert live["spec"] == lb["spec"]  # controllers no longer touch the spec


async def test_duplicate_or_out_of_range_requests_are_422(sim: Simulator, http):
    _, first = await http.call("POST", PATH, svc("a", type_="NodePort"))
    ip, node_port = first["spec"]["clusterIP"], first["spec"]["ports"][0]["nodePort"]
    status, body = await http.call("POST", PATH, svc("b", clusterIP=ip))
    assert (status, body["reason"]) == (422, "Invalid")
    assert body["message"] == (f'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{{"{ip}"}}: '
                               f"failed to allocate IP {ip}: provided IP is already allocated")
    status, body = await http.call("POST", PATH, svc("c", clusterIP="192.0.2.7"))
    assert status == 422 and "is not in the valid range. The range of valid IPs is " + str(service_cidr(sim)) \
        in body["message"]
    status, body = await http.call("POST", PATH, svc("d", type_="NodePort", ports=[{"port": 80, "nodePort": node_port}]))
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.ports[0].nodePort"
    assert body["details"]["causes"][0]["message"] == f"Invalid value: {node_port}: provided port is already allocated"
    status, body = await http.call("POST", PATH, svc("e", type_="NodePort", ports=[{"port": 80, "nodePort": 80}]))
    assert status == 422 and "The range of valid ports is 30000-32767" in body["message"]
    cluster = sim.cluster(sim.cluster_names[0])
    assert [cluster.get("services", "default", n) for n in "bcde"] == [None] * 4
    with pytest.raises(ApiError) as err:
        cluster.create("services", svc("f", clusterIP=ip))  # the Python API allocates the same way
    assert err.value.code == 422


async def test_dry_run_reserves_nothing(sim: Simulator, http):
    _, dry = await http.call("POST", PATH, svc("dry", clusterIP=str(service_cidr(sim)[4242])), dryRun="All")
    status, _ = await http.call("POST", PATH, svc("real", clusterIP=dry["spec"]["clusterIP"]))
    assert status == 201


async def test_updates_keep_allocations_and_the_cluster_ip_is_immutable(sim: Simulator, http):
    _, created = await http.call("POST", PATH, svc("u", type_="NodePort"))
    ip, node_port = created["spec"]["clusterIP"], created["spec"]["ports"][0]["nodePort"]
    # A PUT of the manifest without allocated values (what apply of a manifest sends) keeps them.
    status, body = await http.call("PUT", f"{PATH}/u", svc("u", type_="NodePort"))
    assert status == 200 and body["spec"]["clusterIP"] == ip and body["spec"]["ports"][0]["nodePort"] == node_port
    status, body = await http.call("PATCH", f"{PATH}/u", {"spec": {"clusterIP": "10.1.2.3", "clusterIPs": None}},
                                   ctype="application/merge-patch+json")
    assert status == 422 and "may not change once set" in body["message"]
    status, body = await http.call("PATCH", f"{PATH}/u", {"spec": {"type": "ClusterIP"}},
                                   ctype="application/merge-patch+json")
    assert status == 200 and "nodePort" not in body["spec"]["ports"][0]
    status, body = await http.call("PATCH", f"{PATH}/u", {"spec": {"type": "LoadBalancer"}},
                                   ctype="application/merge-patch+json")
    assert body["spec"]["ports"][0]["nodePort"] in NODE_PORTS and body["spec"]["clusterIP"] == ip
    status, body = await http.call("PATCH", f"{PATH}/u",
                                   {"spec": {"type": "ExternalName", "externalName": "db.example.com"}},
                                   ctype="application/merge-patch+json")
    assert status == 200 and "clusterIP" not in body["spec"] and "nodePort" not in body["spec"]["ports"][0]
    status, _ = await http.call("POST", PATH, svc("reuse", clusterIP=ip))
    assert status == 201  # the ExternalName switch gave the IP back
