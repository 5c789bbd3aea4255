"""fleettui's own KEP-1645 analysis of exported Services (pure)."""

from __future__ import annotations

import copy

from fleettui.store.mcs import LocalExport, analyze, preview_export, preview_unexport


def svc(*ports: tuple[str, int], headless: bool = False, affinity: str = "None") -> dict:
    return {"type": "ClusterIP", "cluster_ip": "None" if headless else "10.0.0.1", "session_affinity": affinity,
            "ip_families": ["IPv4"], "port_specs": [{"name": n, "port": p, "protocol": "TCP"} for n, p in ports]}


A = LocalExport("ack-a", 100.0, svc(("http", 80)))
B = LocalExport("idc-b", 200.0, svc(("http", 8080), ("grpc", 8443)))


def test_the_oldest_export_wins_a_port_conflict_and_partial_ports_are_named() -> None:
    a = analyze([B, A])
    assert a.winner == "ack-a" and a.exporters == ("ack-a", "idc-b")
    assert [(p.name, p.port, p.clusters) for p in a.ports] == [("http", 80, ("ack-a",)), ("grpc", 8443, ("idc-b",))]
    assert [(c.cluster, c.reason) for c in a.conflicts] == [("idc-b", "PortConflict")]
    assert "in ack-a; ack-a (oldest export) wins" in a.conflicts[0].message
    assert [p.port for p in a.partial_ports] == [80, 8443]


def test_ports_match_by_name_then_protocol_and_port() -> None:
    c = LocalExport("c", 300.0, svc(("web", 80)))
    d = LocalExport("d", 400.0, svc(("http", 80)))
    a = analyze([A, c, d])
    assert [(x.cluster, x.reason) for x in a.conflicts] == [("c", "PortConflict")]
    assert [p.clusters for p in a.ports] == [("ack-a", "d")]


def test_unmergeable_properties_take_the_oldest_value() -> None:
    headless = LocalExport("h", 50.0, svc(("http", 80), headless=True, affinity="ClientIP"))
    a = analyze([A, headless])
    assert a.winner == "h" and a.import_type == "Headless"
    assert {(c.cluster, c.reason) for c in a.conflicts} == {("ack-a", "TypeConflict"),
                                                             ("ack-a", "SessionAffinityConflict")}


def test_invalid_exports_do_not_take_part() -> None:
    ext = LocalExport("x", 1.0, {"type": "ExternalName"})
    gone = LocalExport("y", 2.0, None)
    a = analyze([ext, gone, B])
    assert a.winner == "idc-b" and a.invalid == {"x": "InvalidServiceType", "y": "NoService"}


def test_previews_say_what_changes_in_the_union() -> None:
    before = [A]
    assert preview_export(before, LocalExport("c", 500.0, svc(("http", 80), ("tls", 8443)))) == [
        "adds port 8443/TCP (tls) to the union", "port 8443/TCP (tls) is served only by c"]
    assert preview_export(before, LocalExport("h", 500.0, svc(("http", 80), headless=True)))[0] == (
        "this headless export conflicts: ClusterSetIP wins")
    assert "no Service of that name" in preview_export(before, LocalExport("n", 1.0, None))[0]
    assert preview_unexport([A, B], "idc-b") == ["removes port 8443/TCP (grpc) from the union"]
    assert preview_unexport([A], "ack-a") == ["no cluster exports it any more: importers lose every endpoint"]


def test_analysis_does_not_touch_its_input() -> None:
    data = svc(("http", 80))
    snapshot = copy.deepcopy(data)
    analyze([LocalExport("a", 1.0, data), B])
    assert data == snapshot
