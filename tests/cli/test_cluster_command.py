"""`fleettui cluster add|remove|label|hub` through the real CLI entry point."""

import pytest
import yaml

from fleettui.cli.main import main
from fleettui.config.fleetfile import Cost, FleetFile


@pytest.fixture
def env(tmp_path, monkeypatch):
    kc = tmp_path / "kubeconfig"
    kc.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "c", "cluster": {"server": "https://x"}}],
                "contexts": [
                    {"name": n, "context": {"cluster": "c"}} for n in ("prod-1", "dev-1", "hub")
                ],
            }
        )
    )
    monkeypatch.setenv("KUBECONFIG", str(kc))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    return tmp_path / "cfg" / "fleettui" / "fleet.yaml"


def test_add_label_remove_round_trip(env, capsys):
    assert (
        main(
            [
                "cluster",
                "add",
                "prod-1",
                "--label",
                "env=prod",
                "-l",
                "tier=gold",
                "--provider",
                "ack",
                "--region",
                "cn-hangzhou",
                "--zone",
                "cn-hangzhou-h",
                "--prometheus",
                "http://p:9090",
                "--cpu-core-hour",
                "0.04",
            ]
        )
        == 0
    )
    assert main(["cluster", "add", "dev-1", "--name", "dev"]) == 0
    assert main(["cluster", "hub", "hub"]) == 0
    f = FleetFile.load(env)
    assert f.hub == "hub"
    p = f.clusters["prod-1"]
    assert (p.provider, p.region, p.zone, p.prometheus) == (
        "ack",
        "cn-hangzhou",
        "cn-hangzhou-h",
        "http://p:9090",
    )
    assert dict(p.labels) == {"env": "prod", "tier": "gold"} and p.cost == Cost(cpu_core_hour=0.04)
    assert f.clusters["dev"].context == "dev-1"

    assert main(["cluster", "label", "prod-1", "tier-", "team=a"]) == 0
    assert dict(FleetFile.load(env).clusters["prod-1"].labels) == {"env": "prod", "team": "a"}
    assert main(["cluster", "remove", "dev"]) == 0
    assert list(FleetFile.load(env).clusters) == ["prod-1"]
    assert "cluster dev removed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["cluster", "add", "nope"], "context 'nope' is not in the kubeconfig"),
        (["cluster", "add", "prod-1", "-l", "bad key=x"], "label key"),
        (["cluster", "add", "prod-1", "--prometheus", "ftp://x"], "http(s) URL"),
        (["cluster", "remove", "ghost"], "'ghost' is not in the fleet file"),
        (["cluster", "label", "ghost", "a=b"], "'ghost' is not in the fleet file"),
        (["cluster", "label", "x", "oops"], "expected KEY=VALUE or KEY-"),
        (["cluster", "hub"], "give a hub CONTEXT or --unset"),
    ],
)
def test_errors_go_to_stderr_and_leave_file_alone(env, capsys, argv, fragment):
    assert main(["cluster", "add", "dev-1"]) == 0
    before = env.read_bytes()
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("fleettui: ") and fragment in err
    assert env.read_bytes() == before


def test_duplicate_add_and_overwrite(env, capsys):
    assert main(["cluster", "add", "prod-1", "-l", "env=prod"]) == 0
    assert main(["cluster", "add", "prod-1"]) == 1
    assert "already in the fleet file" in capsys.readouterr().err
    assert main(["cluster", "label", "prod-1", "env=dev"]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(["cluster", "label", "prod-1", "env=dev", "--overwrite"]) == 0
    assert FleetFile.load(env).clusters["prod-1"].labels["env"] == "dev"


def test_no_verify_and_explicit_fleet_path(env, tmp_path):
    other = tmp_path / "elsewhere.yaml"
    assert main(["cluster", "add", "not-in-kubeconfig", "--no-verify", "--fleet", str(other)]) == 0
    assert list(FleetFile.load(other).clusters) == ["not-in-kubeconfig"]
    assert not env.exists()


def test_invalid_existing_file_is_reported_not_overwritten(env, capsys):
    env.parent.mkdir(parents=True)
    env.write_text("clusters:\n  a:\n    zone: [x]\n")
    assert main(["cluster", "add", "prod-1"]) == 1
    assert f"{env}:3:" in capsys.readouterr().err
    assert env.read_text() == "clusters:\n  a:\n    zone: [x]\n"


def test_cluster_list_and_clusters_say_which_is_which(capsys):
    # two commands on purpose: membership discovered now vs. state from the cache; each
    # help text names the other so nobody has to guess
    texts = {}
    for argv in (["cluster", "list", "--help"], ["clusters", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        texts[argv[0]] = " ".join(capsys.readouterr().out.split())
    assert "no cache" in texts["cluster"] and "`fleettui clusters`" in texts["cluster"]
    assert "as the cache last saw them" in texts["clusters"] and "`fleettui cluster list`" in texts["clusters"]
