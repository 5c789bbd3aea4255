"""`fleettui alerts|silence|rules status`: bad input is one line on stderr, never a traceback."""

from __future__ import annotations

import json

import pytest

from fleettui.cli.main import main


@pytest.fixture
def args(tmp_path):
    (tmp_path / "fleet.yaml").write_text("clusters: {}\n")
    return ["--fleet", str(tmp_path / "fleet.yaml"), "--cache", str(tmp_path / "cache.db")]


@pytest.mark.parametrize(("argv", "says"), [
    (["alerts", "--filter", "severity"], "fleettui: --filter: 'severity': expected label=value"),
    (["alerts", "--filter", "@state=burning"], "a state is one of"),
    (["alerts", "--refresh"], "the fleet file names no Prometheus"),
    (["silence", "list"], "the fleet file names no Alertmanager"),
    (["silence", "add", "--alert", "X", "--comment", "c", "--duration", "soon"], "--duration:"),
    (["silence", "add", "--alert", "X", "--comment", "c", "--matcher", "nothing"], "--matcher:"),
    (["rules", "status"], "give a rule file or --all"),
])
def test_refusals_are_one_line(args, capsys, argv, says) -> None:
    assert main([*argv, *args]) == 1
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_an_empty_cache_lists_nothing(args, capsys) -> None:
    assert main(["alerts", "-o", "json", *args]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == {"kind": "AlertList", "items": []}
    assert main(["alerts", *args]) == 0
    assert "0 firing" in capsys.readouterr().err
