import os
import stat

import pytest

from fleettui.config import fleetfile
from fleettui.config.errors import ConfigError
from fleettui.config.fleetfile import Cost, FleetCluster, FleetFile, edit

GOOD = """\
# my fleet
# (header kept)

hub: hub
clusters:
  ack-hangzhou-a:
    provider: ack
    region: cn-hangzhou
    zone: cn-hangzhou-h
    labels:
      env: prod
      topology.kubernetes.io/region: cn-hangzhou
    prometheus: http://prom.example:9090
    cost: {cpu_core_hour: 0.04, memory_gib_hour: 0.005}
  edge:
    context: edge-shenzhen
  bare:
"""


def test_load_good(tmp_path):
    p = tmp_path / "fleet.yaml"
    p.write_text(GOOD)
    f = FleetFile.load(p)
    assert f.hub == "hub"
    a = f.clusters["ack-hangzhou-a"]
    assert (a.context, a.provider, a.region, a.zone) == (
        "ack-hangzhou-a",
        "ack",
        "cn-hangzhou",
        "cn-hangzhou-h",
    )
    assert a.labels["env"] == "prod"
    assert a.cost == Cost(0.04, 0.005)
    assert f.clusters["edge"].context == "edge-shenzhen"
    assert f.cluster_for_context("edge-shenzhen").name == "edge"
    assert f.clusters["bare"] == FleetCluster("bare", "bare")


def test_missing(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        FleetFile.load(tmp_path / "nope.yaml")
    f = FleetFile.load(tmp_path / "nope.yaml", missing_ok=True)
    assert f.clusters == {} and f.hub is None


@pytest.mark.parametrize(
    "text,line,fragment",
    [
        ("clusters:\n  a:\n    provder: ack\n", 3, "unknown key 'provder'"),
        ("hub: h\nclustrs: {}\n", 2, "unknown key 'clustrs'"),
        ("clusters:\n  a:\n    labels:\n      env: 1\n", 4, "must be a string"),
        ("clusters:\n  a:\n    labels:\n      'bad key!': x\n", 4, "label key"),
        ("clusters:\n  a:\n    cost: {cpu_core_hour: -1}\n", 3, "non-negative"),
        ("clusters:\n  a:\n    cost: {gpu: 1}\n", 3, "unknown key 'gpu'"),
        ("clusters:\n  a:\n    prometheus: prom:9090\n", 3, "http(s) URL"),
        ("clusters:\n  a: {}\n  a: {}\n", 3, "duplicate key 'a'"),
        ("clusters:\n  a: {context: x}\n  b: {context: x}\n", 3, "both use context 'x'"),
        ("clusters: [a, b]\n", 1, "must be a mapping"),
        ("hub: [x]\n", 1, "'hub' must be a context name"),
        ("clusters:\n  a:\n    region: ''\n", 3, "non-empty string"),
        ("clusters:\n  a: [1]\n", 2, "settings must be a mapping"),
        ("version: 2\n", 1, "unsupported fleet file version"),
    ],
)
def test_validation_names_file_and_line(tmp_path, text, line, fragment):
    p = tmp_path / "fleet.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError) as ei:
        FleetFile.load(p)
    msg = str(ei.value)
    assert fragment in msg
    assert msg.startswith(f"{p}:{line}: "), msg


def test_invalid_yaml(tmp_path):
    p = tmp_path / "fleet.yaml"
    p.write_text("clusters:\n  a: {\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        FleetFile.load(p)


def test_save_round_trip_keeps_mode_and_header(tmp_path):
    p = tmp_path / "fleet.yaml"
    p.write_text(GOOD)
    os.chmod(p, 0o640)
    f = FleetFile.load(p)
    f.add(
        FleetCluster(
            "new", "new-ctx", provider="eks", labels={"env": "dev"}, cost=Cost(cpu_core_hour=0.1)
        )
    )
    f.save()
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    text = p.read_text()
    assert text.startswith("# my fleet\n# (header kept)\n")
    again = FleetFile.load(p)
    assert again.clusters["new"] == FleetCluster(
        "new", "new-ctx", provider="eks", labels={"env": "dev"}, cost=Cost(cpu_core_hour=0.1)
    )
    assert again.clusters["ack-hangzhou-a"] == f.clusters["ack-hangzhou-a"]
    assert again.hub == "hub"
    assert [x.name for x in tmp_path.iterdir()] == ["fleet.yaml"]  # no temp file left


def test_failure_mid_write_leaves_original_intact(tmp_path, monkeypatch):
    p = tmp_path / "fleet.yaml"
    p.write_text(GOOD)
    f = FleetFile.load(p)
    f.remove("edge")

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fleetfile.os, "fsync", boom)
    with pytest.raises(OSError, match="No space"):
        f.save()
    assert p.read_text() == GOOD
    assert [x.name for x in tmp_path.iterdir()] == ["fleet.yaml"]


def test_failure_in_rename_leaves_original_intact(tmp_path, monkeypatch):
    p = tmp_path / "fleet.yaml"
    p.write_text(GOOD)
    f = FleetFile.load(p)
    f.hub = None

    def boom(a, b):
        raise KeyboardInterrupt

    monkeypatch.setattr(fleetfile.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        f.save()
    assert p.read_text() == GOOD
    assert [x.name for x in tmp_path.iterdir()] == ["fleet.yaml"]


def test_new_file_created_with_dirs(tmp_path):
    p = tmp_path / "deep" / "dir" / "fleet.yaml"
    with edit(p) as f:
        f.hub = "hub"
        f.add(FleetCluster("a", "a"))
    assert FleetFile.load(p).clusters == {"a": FleetCluster("a", "a")}


def test_edit_writes_nothing_when_body_raises(tmp_path):
    p = tmp_path / "fleet.yaml"
    p.write_text(GOOD)
    with pytest.raises(ConfigError):
        with edit(p) as f:
            f.remove("edge")
            f.remove("nope")
    assert p.read_text() == GOOD


def test_add_refuses_duplicates_and_bad_labels(tmp_path):
    f = FleetFile.parse(GOOD, path=tmp_path / "f.yaml")
    with pytest.raises(ConfigError, match="already in the fleet file"):
        f.add(FleetCluster("edge", "other"))
    with pytest.raises(ConfigError, match="already registered as cluster 'edge'"):
        f.add(FleetCluster("other", "edge-shenzhen"))
    with pytest.raises(ConfigError, match="label key"):
        f.add(FleetCluster("x", "x", labels={"-bad": "v"}))


def test_relabel_kubectl_semantics(tmp_path):
    f = FleetFile.parse(GOOD, path=tmp_path / "f.yaml")
    f.relabel("ack-hangzhou-a", {"tier": "gold", "env": "prod"}, ["topology.kubernetes.io/region"])
    assert dict(f.clusters["ack-hangzhou-a"].labels) == {"env": "prod", "tier": "gold"}
    with pytest.raises(ConfigError, match="--overwrite"):
        f.relabel("ack-hangzhou-a", {"env": "dev"}, [])
    f.relabel("ack-hangzhou-a", {"env": "dev"}, [], overwrite=True)
    assert f.clusters["ack-hangzhou-a"].labels["env"] == "dev"
    with pytest.raises(ConfigError, match="not in the fleet file"):
        f.relabel("nope", {}, [])


def test_save_through_a_symlink_keeps_the_link(tmp_path):
    real_dir = tmp_path / "dotfiles"
    real_dir.mkdir()
    real = real_dir / "fleet.yaml"
    real.write_text(GOOD)
    link = tmp_path / "fleet.yaml"
    link.symlink_to(real)
    f = FleetFile.load(link)
    f.remove("bare")
    f.save()
    assert link.is_symlink()
    assert "bare" not in FleetFile.load(real).clusters


def test_alertmanager_top_level_key(tmp_path):
    p = tmp_path / "fleet.yaml"
    p.write_text("hub: hub\nalertmanager: http://127.0.0.1:9093\nclusters:\n"
                 "  a:\n    prometheus: http://127.0.0.1:9090\n")
    ff = FleetFile.load(p)
    assert ff.alertmanager == "http://127.0.0.1:9093"
    assert ff.to_dict()["alertmanager"] == "http://127.0.0.1:9093"
    p.write_text("alertmanager: not-a-url\n")
    with pytest.raises(ConfigError, match=r"'alertmanager' must be an http\(s\) URL") as exc:
        FleetFile.load(p)
    assert exc.value.line == 1


def test_access_is_direct_or_gateway(tmp_path):
    fleet = FleetFile.parse("hub: hub\nclusters:\n  edge-1:\n    access: gateway\n  dc:\n    access: direct\n"
                            "  other: {}\n")
    assert [fleet.clusters[n].access for n in ("edge-1", "dc", "other")] == ["gateway", "direct", None]
    assert FleetFile.parse(fleet.dumps()).clusters["edge-1"].access == "gateway"  # kept on save
    with pytest.raises(ConfigError, match=r":5: cluster 'edge-1': 'access' must be direct or gateway"):
        FleetFile.parse("hub: hub\nclusters:\n  edge-1:\n    context: e\n    access: proxy\n",
                        path=tmp_path / "f.yaml")
