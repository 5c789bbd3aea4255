from pathlib import Path

from fleettui.config import paths


def test_cache_path_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FLEETTUI_CACHE", raising=False)
    assert paths.cache_path(None) == tmp_path / "xdg" / "fleettui" / "cache.db"
    monkeypatch.setenv("FLEETTUI_CACHE", str(tmp_path / "env.db"))
    assert paths.cache_path(None) == tmp_path / "env.db"
    assert paths.cache_path(str(tmp_path / "flag.db")) == tmp_path / "flag.db"


def test_relative_xdg_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert paths.config_dir() == tmp_path / ".config" / "fleettui"


def test_config_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert paths.fleet_file_path(None) == tmp_path / "fleettui" / "fleet.yaml"
    assert paths.fleet_file_path("~/x.yaml") == Path.home() / "x.yaml"
    assert paths.user_themes_dir() == tmp_path / "fleettui" / "themes"


def test_default_kubeconfig_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert paths.default_kubeconfig_paths() == [str(tmp_path / ".kube" / "config")]
    monkeypatch.setenv("KUBECONFIG", "/a::/b:")
    assert paths.default_kubeconfig_paths() == ["/a", "/b"]
