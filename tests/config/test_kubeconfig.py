import pytest
import yaml

from fleettui.config.errors import ConfigError
from fleettui.config.kubeconfig import KubeConfig, load_kubeconfig


def write(path, clusters=(), users=(), contexts=(), current=None):
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": c} for n, c in clusters],
        "users": [{"name": n, "user": u} for n, u in users],
        "contexts": [{"name": n, "context": c} for n, c in contexts],
    }
    if current:
        doc["current-context"] = current
    path.write_text(yaml.safe_dump(doc))
    return str(path)


@pytest.fixture
def two_files(tmp_path):
    a = write(
        tmp_path / "a",
        clusters=[("c1", {"server": "https://a1/"}), ("shared", {"server": "https://from-a"})],
        users=[("u", {"token": "ta"})],
        contexts=[
            ("one", {"cluster": "c1", "user": "u"}),
            ("dup", {"cluster": "shared", "user": "u"}),
        ],
    )
    b = write(
        tmp_path / "b",
        clusters=[("shared", {"server": "https://from-b"}), ("c2", {"server": "https://b2"})],
        users=[("u", {"token": "tb"})],
        contexts=[
            ("dup", {"cluster": "c2", "user": "u", "namespace": "x"}),
            ("two", {"cluster": "c2", "user": "u"}),
        ],
        current="two",
    )
    return a, b


def test_first_file_to_set_a_key_wins(monkeypatch, two_files):
    a, b = two_files
    monkeypatch.setenv("KUBECONFIG", f"{a}:{b}")
    kc = load_kubeconfig(None)
    assert [c.name for c in kc.contexts] == ["one", "dup", "two"]
    dup = kc.context("dup")
    assert dup.cluster == "shared" and dup.server == "https://from-a" and dup.namespace is None
    assert kc.context("one").server == "https://a1"  # trailing slash dropped
    assert kc.current_context == "two"  # first file that sets it (b)
    users = {u["name"]: u["user"] for u in kc.as_dict()["users"]}
    assert users["u"] == {"token": "ta"}
    assert kc.paths == [a, b]


def test_order_reversed_changes_winner(two_files):
    a, b = two_files
    kc = load_kubeconfig(f"{b}:{a}")  # --kubeconfig may list several files too
    assert kc.context("dup").server == "https://b2"
    assert kc.context("dup").namespace == "x"


def test_missing_files_skipped_and_deduplicated(tmp_path, two_files):
    a, _ = two_files
    kc = load_kubeconfig(f"{tmp_path}/nope:{a}:{a}")
    assert kc.paths == [a]


def test_no_file_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="does not exist"):
        load_kubeconfig(str(tmp_path / "missing"))
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path}/x:{tmp_path}/y")
    with pytest.raises(ConfigError, match="no kubeconfig found"):
        load_kubeconfig(None)


def test_default_is_home_kube_config(tmp_path, monkeypatch):
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".kube").mkdir()
    write(
        tmp_path / ".kube" / "config",
        clusters=[("c", {"server": "https://s"})],
        contexts=[("home", {"cluster": "c"})],
    )
    assert [c.name for c in load_kubeconfig(None).contexts] == ["home"]


def test_invalid_yaml_names_file_and_line(tmp_path):
    p = tmp_path / "bad"
    p.write_text("apiVersion: v1\nclusters: [\n  - {name: x\n")
    with pytest.raises(ConfigError) as ei:
        load_kubeconfig(str(p))
    assert str(p) in str(ei.value) and ":" in str(ei.value)


def test_relative_paths_resolved_against_their_file(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    write(
        sub / "cfg",
        clusters=[("c", {"server": "https://s", "certificate-authority": "ca.crt"})],
        users=[
            (
                "u",
                {
                    "client-certificate": "certs/u.crt",
                    "client-key": "/abs/u.key",
                    "exec": {
                        "command": "./bin/auth",
                        "apiVersion": "client.authentication.k8s.io/v1",
                    },
                },
            ),
            ("v", {"exec": {"command": "aws", "apiVersion": "client.authentication.k8s.io/v1"}}),
        ],
        contexts=[("x", {"cluster": "c", "user": "u"})],
    )
    d = load_kubeconfig(str(sub / "cfg")).as_dict()
    assert d["clusters"][0]["cluster"]["certificate-authority"] == str(sub / "ca.crt")
    u = d["users"][0]["user"]
    assert u["client-certificate"] == str(sub / "certs/u.crt")
    assert u["client-key"] == "/abs/u.key"
    assert u["exec"]["command"] == str(sub / "bin/auth")
    assert d["users"][1]["user"]["exec"]["command"] == "aws"  # looked up on PATH


def test_select_globs(two_files):
    a, b = two_files
    kc = load_kubeconfig(f"{a}:{b}")
    assert [c.name for c in kc.select(None)] == ["one", "dup", "two"]
    assert [c.name for c in kc.select(["t*", "one"])] == ["one", "two"]
    with pytest.raises(ConfigError, match="no kubeconfig context matches 'prod-\\*'"):
        kc.select(["one", "prod-*"])


def test_as_dict_is_a_copy_with_current_context(two_files):
    a, b = two_files
    kc = load_kubeconfig(f"{a}:{b}")
    d = kc.as_dict(current_context="one")
    assert d["current-context"] == "one"
    d["clusters"][0]["cluster"]["server"] = "mutated"
    assert kc.context("one").server == "https://a1"


def test_unknown_context_error_lists_files(two_files):
    a, _ = two_files
    with pytest.raises(ConfigError, match="context 'zzz' not found"):
        load_kubeconfig(a).context("zzz")


def test_from_dict_and_missing_cluster():
    kc = KubeConfig.from_dict({"contexts": [{"name": "orphan", "context": {"cluster": "gone"}}]})
    ref = kc.context("orphan")
    assert ref.server is None and ref.cluster == "gone"


def test_empty_file_is_legal(tmp_path, two_files):
    a, _ = two_files
    (tmp_path / "empty").write_text("")
    assert len(load_kubeconfig(f"{tmp_path}/empty:{a}").contexts) == 2
