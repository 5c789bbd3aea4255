"""Alert state in the cache: merge with the Alertmanager, per-source fetch state, the view."""

from __future__ import annotations

import pytest

from fleettui.alerts import matchers
from fleettui.alerts.sync import merge, suppression
from fleettui.alerts.view import alert_view, record
from fleettui.config import mode
from fleettui.store.alerts import ALERTMANAGER, AlertRow, AlertSource, AlertStore

CRASH = {"labels": {"alertname": "KubePodCrashLooping", "severity": "critical", "namespace": "payments"},
         "annotations": {"summary": "currency-rates restarts"}, "state": "firing",
         "activeAt": "2027-01-15T08:00:00Z", "value": "4e+00"}
PENDING = {"labels": {"alertname": "KubePodPending", "severity": "warning"}, "state": "pending",
           "activeAt": "2027-01-15T08:05:00.5Z", "value": "1"}


def am_alert(cluster: str, labels: dict, silenced=(), inhibited=()) -> dict:
    state = "suppressed" if silenced or inhibited else "active"
    return {"labels": {**labels, "cluster": cluster},
            "status": {"state": state, "silencedBy": list(silenced), "inhibitedBy": list(inhibited)}}


def test_merge_takes_silenced_and_inhibited_from_the_alertmanager_by_cluster_label() -> None:
    am = suppression([am_alert("a", CRASH["labels"], silenced=["s1"]),
                      am_alert("b", CRASH["labels"], inhibited=["x"]),
                      {"labels": {"alertname": "NoCluster"}, "status": {"silencedBy": ["s9"]}}])
    a = merge("a", [CRASH, PENDING], am)
    b = merge("b", [CRASH], am)
    c = merge("c", [CRASH], am)
    assert [(r.alertname, r.state, r.silenced_by) for r in a] == [("KubePodCrashLooping", "silenced", ("s1",)),
                                                                   ("KubePodPending", "pending", ())]
    assert b[0].state == "inhibited" and b[0].inhibited_by == ("x",)
    assert c[0].state == "firing"
    assert a[0].active_at == 1_800_000_000.0 and a[0].value == "4e+00" and a[0].summary == "currency-rates restarts"
    assert a[1].active_at == 1_800_000_300.5


def test_merge_keeps_a_known_silence_while_the_alertmanager_is_down() -> None:
    before = merge("a", [CRASH], suppression([am_alert("a", CRASH["labels"], silenced=["s1"])]))
    after = merge("a", [CRASH], None, {r.key: r for r in before})
    assert after[0].state == "silenced" and after[0].silenced_by == ("s1",)
    # without history it is what Prometheus says
    assert merge("a", [CRASH], None)[0].state == "firing"


async def test_a_failed_source_keeps_its_alerts_with_the_age_of_the_last_good_fetch(store, clock) -> None:
    store.writer.put_alerts("a", merge("a", [CRASH], {}))
    store.writer.put_alerts("b", merge("b", [CRASH, PENDING], {}))
    await store.writer.flush()
    fetched = clock.now
    clock.now += 120
    store.writer.alert_source("b", error="unreachable (connection refused or reset)")
    store.writer.put_alerts("a", [])
    await store.writer.flush()
    alerts = AlertStore(store)
    rows = await alerts.alerts()
    assert [(r.cluster, r.alertname) for r in rows] == [("b", "KubePodCrashLooping"), ("b", "KubePodPending")]
    src = await alerts.sources()
    assert src["a"].ok and src["a"].fetched_at == fetched + 120
    assert src["b"].error.startswith("unreachable") and src["b"].unknown_since() == fetched
    view = alert_view(rows, src)
    assert [u.line(fetched + 180) for u in view.unknown] == [
        "b: alerts unknown since 3m ago (unreachable (connection refused or reset))"]
    assert view.stale_clusters == {"b"}


async def test_a_removed_cluster_takes_its_alerts_with_it(store) -> None:
    store.writer.put_alerts("a", merge("a", [CRASH], {}))
    store.writer.put_alerts("b", merge("b", [CRASH], {}))
    await store.writer.flush()
    store.writer.remove_cluster("a")
    await store.writer.flush()
    alerts = AlertStore(store)
    assert [r.cluster for r in await alerts.alerts()] == ["b"] and set(await alerts.sources()) == {"b"}


async def test_alert_state_is_observed_state_and_keeps_updating_in_watch_mode(store) -> None:
    with mode.session_mode(watch=True):
        store.writer.put_alerts("a", merge("a", [CRASH], {}))
        store.writer.alert_source(ALERTMANAGER, error="timed out")
        await store.writer.flush()
    assert len(await AlertStore(store).alerts("a")) == 1


def rows() -> list[AlertRow]:
    out = []
    for cluster, alerts in (("ack-a", [CRASH, PENDING]), ("edge-1", [CRASH]), ("edge-2", [PENDING])):
        out += merge(cluster, alerts, {("edge-1", AlertRow("", "", "", CRASH["labels"]).fingerprint): (("s",), ())})
    return out


def test_view_filters_like_karma_groups_and_counts() -> None:
    sources = {"ack-a": AlertSource("ack-a", 10.0, 10.0, None),
               "edge-2": AlertSource("edge-2", 5.0, 10.0, "timed out"),
               ALERTMANAGER: AlertSource(ALERTMANAGER, None, 10.0, "unreachable")}
    view = alert_view(rows(), sources)
    assert [g.key for g in view.groups] == ["KubePodCrashLooping", "KubePodPending"]
    assert dict(view.counts) == {"firing": 1, "silenced": 1, "pending": 2}
    assert view.summary() == "1 firing (1 critical), 2 pending, 1 silenced; 2 sources unknown"
    edge = alert_view(rows(), sources, filters=matchers.parse("@cluster=edge-*"), group_by="cluster")
    assert [g.key for g in edge.groups] == ["edge-1", "edge-2"]
    assert [u.source for u in edge.unknown] == ["alertmanager", "edge-2"]
    firing = alert_view(rows(), sources, filters=matchers.parse("@state=firing,severity=critical"))
    assert [(a.cluster, a.state) for a in firing.alerts] == [("ack-a", "firing")]
    active = alert_view(rows(), sources, filters=matchers.parse("@state=active,alertname!~.*Pending"))
    assert [a.cluster for a in active.alerts] == ["ack-a"]
    by_sev = alert_view(rows(), sources, group_by="severity")
    assert [g.key for g in by_sev.groups] == ["critical", "warning"]
    gone = alert_view(rows(), sources, clusters=["ack-a"])
    assert {a.cluster for a in gone.alerts} == {"ack-a"} and [u.source for u in gone.unknown] == ["alertmanager"]
    with pytest.raises(ValueError):
        alert_view(rows(), sources, group_by="namespace")


def test_record_is_what_json_output_carries() -> None:
    r = merge("ack-a", [CRASH], {})[0]
    rec = record(r, r.active_at + 7200)
    assert rec["age"] == "2h" and rec["since"] == "2027-01-15T08:00:00Z"
    assert rec["labels"] == {"namespace": "payments"} and rec["severity"] == "critical" and rec["state"] == "firing"


async def test_alert_writes_publish_topic_alerts_for_the_pane(store) -> None:
    from fleettui.store import Change

    sub = store.subscribe(topics={"alerts"})
    store.writer.put_alerts("a", merge("a", [CRASH], {}))
    store.writer.alert_source(ALERTMANAGER, error="timed out")
    await store.writer.flush()
    assert set(sub.pending()) == {Change("alerts", "a"), Change("alerts", None)}
    sub.close()


async def test_refresher_for_a_fleet_file_pulls_prometheus_and_survives_a_dead_alertmanager(store, tmp_path) -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from fleettui.alerts.sync import AlertRefresher
    from fleettui.config.fleetfile import FleetCluster, FleetFile

    class Prometheus(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = json.dumps({"status": "success", "data": {"alerts": [CRASH, PENDING]}}).encode()
            self.send_response(200 if self.path == "/api/v1/alerts" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Prometheus)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        assert AlertRefresher.for_fleet(store, FleetFile(tmp_path / "f.yaml", clusters={
            "a": FleetCluster("a", "a")})) is None  # no Prometheus named: alerts off
        fleet = FleetFile(tmp_path / "f.yaml", alertmanager="http://127.0.0.1:1", clusters={
            "a": FleetCluster("a", "a", prometheus=url), "b": FleetCluster("b", "b", prometheus="http://127.0.0.1:1"),
            "c": FleetCluster("c", "c")})
        refresher = AlertRefresher.for_fleet(store, fleet, timeout=2.0)
        try:
            report = await refresher.refresh_once()
        finally:
            refresher.close()
    finally:
        server.shutdown()
        server.server_close()
    assert report.alerts == {"a": 2} and set(report.errors) == {"b", ALERTMANAGER}
    alerts = AlertStore(store)
    assert [(r.cluster, r.state) for r in await alerts.alerts()] == [("a", "firing"), ("a", "pending")]
    sources = await alerts.sources()
    assert sources["a"].ok and "unreachable" in sources["b"].error and "unreachable" in sources[ALERTMANAGER].error
