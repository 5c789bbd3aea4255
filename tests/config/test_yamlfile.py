"""The one YAML loader: non-UTF-8 bytes, alias bombs, recursive aliases and size, refused clearly."""

import time

import pytest

from fleettui.config import yamlfile
from fleettui.config.errors import ConfigError

LAUGHS = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))


def test_billion_laughs_is_refused_quickly():
    start = time.monotonic()
    with pytest.raises(ConfigError, match="excessive aliasing"):
        yamlfile.load_all(LAUGHS, source="laughs.yaml")
    assert time.monotonic() - start < 5


def test_modest_anchors_still_load():
    text = "defaults: &d {cpu: 1, mem: 2}\nx: {<<: *d, cpu: 3}\ny: *d\n"
    assert yamlfile.load(text, source="t") == {"defaults": {"cpu": 1, "mem": 2}, "x": {"cpu": 3, "mem": 2},
                                               "y": {"cpu": 1, "mem": 2}}


def test_recursive_alias_is_refused():
    with pytest.raises(ConfigError, match="recursive alias"):
        yamlfile.load("a: &a [*a]\n", source="r.yaml")


def test_not_utf8_names_the_file(tmp_path):
    p = tmp_path / "bytes.yaml"
    p.write_bytes(b"a: 1\n\xff\xfe\x80garbage")
    with pytest.raises(ConfigError) as exc:
        yamlfile.load_file(p, what="kubeconfig")
    assert str(exc.value).startswith(f"{p}:2: kubeconfig is not UTF-8 text")


def test_too_large_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 100)
    p = tmp_path / "big.yaml"
    p.write_text("a: " + "x" * 200)
    with pytest.raises(ConfigError, match="larger than"):
        yamlfile.read_text(p)


def test_invalid_yaml_names_line():
    with pytest.raises(ConfigError) as exc:
        yamlfile.load_all("a: 1\nb: [\n", source="f.yaml")
    assert str(exc.value).startswith("f.yaml:")
