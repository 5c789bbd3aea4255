"""The alerts pane (key 7) on the seeded fleet with seeded alert state."""

from __future__ import annotations

from fleettui.store.alerts import AlertRow, AlertSource
from fleettui.tui.alerts_renderers import GROUP, pipeline_broken, shown_labels
from fleettui.tui.panes.alerts import AlertsPane
from tui.alerts_fixture import PROMETHEUS_DOWN, WATCHDOG_SILENT
from tui.conftest import make_app, settle, wait_for_data


async def _alerts(pilot) -> AlertsPane:
    await wait_for_data(pilot)
    await pilot.press("7")
    await settle(pilot)
    pane = pilot.app.pane
    assert isinstance(pane, AlertsPane)
    return pane


def _alert_keys(pane: AlertsPane) -> list[str]:
    return [k for k in pane.table.shown_keys if not k.startswith(GROUP)]


def _text(widget) -> str:
    return str(widget.render())


async def test_lists_every_cluster_with_counts_and_pipeline_problems(alerts_cache):
    app = make_app(alerts_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = await _alerts(pilot)
        view = pane.view
        assert view is not None
        # 7 Watchdogs (idc-beijing's is silent), node, checkout on shanghai-b: firing
        assert view.counts == {"firing": 9, "pending": 1, "silenced": 1}
        info = _text(pane.query_one("#alerts-status"))
        assert "9 firing (1 critical), 1 pending, 1 silenced; 1 source unknown" in info
        problems = _text(pane.query_one("#alerts-status"))
        assert f"{PROMETHEUS_DOWN}: alerts unknown since 7m ago" in problems
        assert f"{WATCHDOG_SILENT}: alert pipeline broken" in problems
        # the down cluster's last known alerts stay, marked stale
        stale = [a for a in view.alerts if a.cluster == PROMETHEUS_DOWN]
        assert stale and PROMETHEUS_DOWN in view.stale_clusters


async def test_filter_takes_karma_matchers_and_group_key_cycles(alerts_cache):
    app = make_app(alerts_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = await _alerts(pilot)
        await pilot.press("slash")
        await pilot.press(*"@cluster=ack-*,severity!=none")
        await settle(pilot)
        shown = {(a.cluster, a.alertname) for a in pane.view.alerts}
        assert shown == {("ack-shanghai-b", "KubeNodeNotReady"),
                         ("ack-shanghai-b", "KubeDeploymentReplicasMismatch"),
                         ("ack-hangzhou-b", "KubeDeploymentReplicasMismatch")}
        # the unknown source is not an ack-* cluster: its line goes with the filter
        assert PROMETHEUS_DOWN not in _text(pane.query_one("#alerts-status"))
        pane.set_filter("@state=silenced")
        assert [(a.cluster, a.state) for a in pane.view.alerts] == [("ack-hangzhou-b", "silenced")]
        pane.set_filter("severity=~(crit")  # half-typed: keeps the last good filter, says why
        assert [a.state for a in pane.view.alerts] == ["silenced"]
        assert "not a regular expression" in _text(pane.query_one("#alerts-status"))
        pane.set_filter("")
        await pilot.press("escape")
        await settle(pilot)
        table = pane.table
        groups = [k for k in table.shown_keys if k.startswith(GROUP)]
        assert groups[0] == f"{GROUP}CPUThrottlingHigh"
        table.focus()
        await pilot.press("g")
        await settle(pilot)
        assert pane.group_by == "cluster"
        assert [k for k in table.shown_keys if k.startswith(GROUP)][0] == f"{GROUP}ack-hangzhou-a"
        await pilot.press("g")
        await settle(pilot)
        assert [k for k in table.shown_keys if k.startswith(GROUP)][:2] == [f"{GROUP}critical", f"{GROUP}warning"]
        assert len(_alert_keys(pane)) == 11


def test_noisy_labels_are_hidden():
    labels = {"alertname": "X", "severity": "warning", "instance": "10.0.0.1:8080", "job": "ksm",
              "pod_template_hash": "7d9f", "uid": "u", "namespace": "shop", "deployment": "checkout"}
    assert shown_labels(labels) == "deployment=checkout namespace=shop"


def _source(name: str, error: str | None = None) -> AlertSource:
    return AlertSource(name, 1.0 if error is None else None, 2.0, error)


def test_pipeline_broken_only_where_the_watchdog_is_silent_and_the_source_answers():
    def wd(c: str, state: str = "firing") -> AlertRow:
        return AlertRow(c, "Watchdog", state, {"alertname": "Watchdog"})

    sources = {c: _source(c) for c in ("a", "b", "c")} | {"d": _source("d", "refused")}
    assert pipeline_broken([wd("a"), wd("b", "pending")], sources, ["a", "b", "c", "d"]) == ["b", "c"]
    # a fleet that runs no Watchdog anywhere has nothing to say about it
    assert pipeline_broken([], sources, ["a", "b"]) == []


async def open_alert(pilot, pane: AlertsPane, needle: str) -> None:
    pane.set_filter(needle)
    await settle(pilot)
    pane.focus_table()
    pane.table.move_cursor(row=1)  # row 0 is the group's header
    await pilot.press("enter")
    await settle(pilot)


async def test_enter_opens_the_alert_with_its_labels_and_annotations(alerts_cache):
    from fleettui.tui.screens.alert import AlertScreen

    app = make_app(alerts_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _alerts(pilot)
        await pilot.press("enter")  # on a group header: nothing opens
        assert not isinstance(app.screen, AlertScreen)
        await open_alert(pilot, pane, "alertname=KubeNodeNotReady")
        screen = app.screen
        assert isinstance(screen, AlertScreen)
        heading = _text(screen.query_one("#alert-heading"))
        assert "critical" in heading and "KubeNodeNotReady on ack-shanghai-b" in heading and "for 25m" in heading
        detail = _text(screen.query_one("#alert-detail"))
        assert "node=ack-shanghai-b-node-2" in detail and "instance=10.0.4.12:8080" in detail
        assert "summary: ack-shanghai-b-node-2 has been unready" in detail
        # the fixture's fleet file names no Prometheus: said, not a crash
        assert "no Prometheus for ack-shanghai-b in the fleet file" in _text(screen.query_one("#alert-history"))
        await pilot.press("escape")
        assert app.screen is not screen


async def test_silence_keys_are_hidden_and_refused_in_read_only_mode(alerts_cache):
    from fleettui.tui.screens.silences import SilenceDialog

    app = make_app(alerts_cache, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _alerts(pilot)
        pane.set_filter("alertname=KubeNodeNotReady")
        await settle(pilot)
        pane.focus_table()
        pane.table.move_cursor(row=1)
        assert pane.check_action("silence", ()) is False  # hidden from the footer
        app.clear_notifications()
        await pilot.press("s")
        await settle(pilot)
        assert not isinstance(app.screen, SilenceDialog)
        [note] = list(app._notifications)
        assert "read-only" in note.message and "silence" in note.message


async def test_the_silence_dialog_checks_its_input_and_an_unreachable_alertmanager_is_said(alerts_cache):
    from fleettui.config.fleetfile import FleetFile
    from fleettui.tui.screens.silences import SilenceDialog

    fleet = FleetFile.parse("alertmanager: http://127.0.0.1:9\n")
    app = make_app(alerts_cache, pane_options={"fleet": fleet})
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _alerts(pilot)
        pane.set_filter("alertname=KubeNodeNotReady")
        await settle(pilot)
        pane.focus_table()
        pane.table.move_cursor(row=1)
        sent = []
        app._silence_worker = lambda am, req: _record(sent, req)  # what would be sent, once answered
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SilenceDialog)
        assert "alertname=KubeNodeNotReady, cluster=ack-shanghai-b" in _text(dialog.query_one(".dialog-title"))
        duration = dialog.query_one("#silence-duration")
        duration.value = "soon"
        duration.focus()
        await pilot.press("enter")
        assert "not a duration" in _text(dialog.query_one("#silence-error")) and not sent
        duration.value = "90m"
        await pilot.press("enter")  # no comment yet: on to the comment, nothing sent
        assert app.focused.id == "silence-comment" and not sent
        await pilot.press("enter")
        assert "comment" in _text(dialog.query_one("#silence-error")) and not sent
        await pilot.press(*"known: node drained")
        await pilot.press("enter")
        await settle(pilot)
        [req] = sent
        assert req.seconds == 5400 and req.comment == "known: node drained" and req.author
        assert [str(m) for m in req.matchers] == ["alertname=KubeNodeNotReady", "cluster=ack-shanghai-b"]
        assert app.screen is not dialog


async def _record(sent: list, req) -> None:
    sent.append(req)


async def test_an_unreachable_alertmanager_is_said_not_a_crash(alerts_cache):
    from fleettui.config.fleetfile import FleetFile

    app = make_app(alerts_cache, pane_options={"fleet": FleetFile.parse("alertmanager: http://127.0.0.1:9\n")})
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _alerts(pilot)
        pane.set_filter("alertname=KubeNodeNotReady")
        await settle(pilot)
        pane.focus_table()
        pane.table.move_cursor(row=1)
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#silence-comment").value = "known"
        await pilot.press("enter")
        for _ in range(50):
            errors = [n for n in app._notifications if n.severity == "error"]
            if errors:
                break
            await pilot.pause(0.1)
        assert errors and errors[0].title == "silence failed" and "127.0.0.1:9" in errors[0].message
