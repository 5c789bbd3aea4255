"""Bad input at every entry point: an error line on stderr, a non-zero exit, never a traceback."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fleettui.cli.common import CliError, summarize
from fleettui.cli.main import main
from fleettui.store import Store

LAUGHS = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KUBECONFIG = {"clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
              "contexts": [{"name": n, "context": {"cluster": "c"}} for n in ("idc-a", "ack-b")]}


@pytest.fixture
def env(tmp_path, monkeypatch):
    kc = tmp_path / "kubeconfig"
    kc.write_text(yaml.safe_dump(KUBECONFIG))
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(random.Random(7).randrange(128, 256) for _ in range(2000)))
    monkeypatch.setenv("KUBECONFIG", str(kc))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("FLEETTUI_CACHE", raising=False)
    return tmp_path


def _cli(env_dir: Path, *argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "NO_COLOR": "1"}
    res = subprocess.run([sys.executable, "-m", "fleettui.cli.main", *argv], input=stdin,
                         capture_output=True, timeout=60, env=e, cwd=env_dir)
    return subprocess.CompletedProcess(res.args, res.returncode, res.stdout.decode(errors="replace"),
                                       res.stderr.decode(errors="replace"))


BAD_INPUTS = [
    (["--kubeconfig", "junk.bin", "cluster", "list"], "junk.bin:1: kubeconfig is not UTF-8 text"),
    (["--fleet", "junk.bin", "cluster", "list"], "junk.bin:1: fleet file is not UTF-8 text"),
    (["app", "apply", "-f", "junk.bin"], "junk.bin:1: Application file is not UTF-8 text"),
    (["--kubeconfig", "junk.bin", "sync", "--once"], "not UTF-8 text"),
    (["sync", "--concurrency", "0"], "must be at least 1"),
    (["sync", "--concurrency", "-5"], "must be at least 1"),
    (["sync", "--timeout", "nan"], "is not a number"),
    (["sim", "--port", "99999", "--kubeconfig", "kc"], "a port is 0-65535"),
    (["sim", "--clusters", "-1", "--kubeconfig", "kc"], "must be 0 or more"),
    (["cluster", "list", "--request-timeout", "0"], "must be greater than 0"),
    (["cluster", "add", "idc-a", "--cpu-core-hour", "-1"], "must be 0 or more"),
    (["controller", "--poll", "abc"], "is not a number"),
    (["cluster", "add", "idc-a", "--name", "ünïcødé"], "a lowercase RFC 1123 subdomain"),
    (["cluster", "add", "idc-a", "--name", "with space"], "a lowercase RFC 1123 subdomain"),
    (["cluster", "add", "idc-a", "--name", "a" * 300], "must be no more than 63 characters"),
]


@pytest.mark.parametrize("argv,message", BAD_INPUTS, ids=[" ".join(a)[:40] for a, _ in BAD_INPUTS])
def test_bad_input_is_one_error_line(env, argv, message):
    res = _cli(env, *argv)
    assert res.returncode != 0
    assert "Traceback" not in res.stderr
    assert message in res.stderr
    assert not (env / "cfg" / "fleettui" / "fleet.yaml").exists()


def test_random_bytes_on_stdin(env):
    res = _cli(env, "app", "apply", "-f", "-", stdin=(env / "junk.bin").read_bytes())
    assert res.returncode == 1 and "Traceback" not in res.stderr and "not UTF-8 text" in res.stderr


def test_billion_laughs_apply_is_refused(env):
    (env / "laughs.yaml").write_text(LAUGHS)
    res = _cli(env, "app", "apply", "-f", "laughs.yaml")
    assert res.returncode == 1 and "excessive aliasing" in res.stderr
    assert not (env / "cache" / "fleettui" / "cache.db").exists()  # refused before the cache opens


def test_closed_stdout_is_not_a_traceback(env):
    cache = env / "c.db"
    asyncio.run(_cache(cache, 400))
    proc = subprocess.Popen([sys.executable, "-m", "fleettui.cli.main", "--cache", str(cache), "clusters",
                             "-o", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=env)
    proc.stdout.readline()  # like `| head -1`
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_unexpected_exception_is_one_line(env, capsys, monkeypatch):
    def boom(args):
        raise RuntimeError("kaboom")

    import fleettui.cli.commands.clusters as clusters

    monkeypatch.setattr(clusters, "run_clusters", boom)  # registered anew by each main()
    assert main(["clusters"]) == 70
    err = capsys.readouterr().err
    assert err == "fleettui: internal error: RuntimeError: kaboom\nfleettui: run with -v for the traceback\n"
    assert main(["clusters", "-v"]) == 70
    assert "Traceback" in capsys.readouterr().err


async def _cache(path, n=2):
    store = await Store.open(path)
    names = ["idc-beijing", "ack-hangzhou-a"] + [f"ack-{i}" for i in range(n - 2)]
    for name in names:
        store.writer.put_cluster(name, context=name, provider=name.split("-")[0])
        store.writer.probe(name, reachable=True, version="v1.31.0")
    await store.writer.flush()
    await store.close()


def test_clusters_honours_context_globs(env, capsys):
    cache = env / "c.db"
    asyncio.run(_cache(cache))
    assert main(["--cache", str(cache), "--context", "idc-*", "clusters", "-o", "json"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    assert [i["name"] for i in items] == ["idc-beijing"]
    assert main(["--cache", str(cache), "--context", "nope-*", "clusters"]) == 1
    assert "no cluster or context in the cache matches 'nope-*'" in capsys.readouterr().err


def test_unknown_theme_is_refused_before_the_dashboard(env):
    from fleettui.cli.dashboard import build_app

    args = main.__globals__["build_parser"]().parse_args(["--theme", "nosuch"])
    with pytest.raises(CliError, match="unknown theme 'nosuch'; themes: .*fleet-dark"):
        build_app(args)


def test_warnings_printed_once(env):
    fleet = env / "fleet.yaml"
    fleet.write_text(yaml.safe_dump({"clusters": {"gone": {"context": "not-in-kubeconfig"}}}))
    res = _cli(env, "--fleet", str(fleet), "cluster", "list")
    lines = [ln for ln in res.stderr.splitlines() if "not-in-kubeconfig" in ln]
    assert len(lines) == 1, res.stderr


def test_namespace_flag_must_match_the_file(env, capsys):
    doc = yaml.safe_load((EXAMPLES / "canary.yaml").read_text())
    ns = doc["metadata"]["namespace"]
    (env / "app.yaml").write_text(yaml.safe_dump(doc))
    assert main(["app", "apply", "-f", str(env / "app.yaml"), "-n", "other"]) == 1
    assert capsys.readouterr().err == (
        f"fleettui: the namespace from the provided object '{ns}' does not match the namespace 'other'. "
        f"You must pass '--namespace={ns}' to perform this operation.\n")
    assert not (env / "cache" / "fleettui" / "cache.db").exists()


def test_help_texts(env, capsys):
    with pytest.raises(SystemExit):
        main(["app", "apply", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: None)" not in out
    assert "--no-wait return at once" in out


def test_summarize_keeps_the_first_cause():
    long = ('ack-a: Deployment.apps "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": '
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            + ", ".join(f"spec.f{i}: Invalid value" for i in range(200)) + "] (422 Invalid)")
    short = summarize(long)
    assert short.startswith('ack-a: Deployment.apps "Bad_Name" is invalid: metadata.name: Invalid value')
    assert short.endswith("…") and len(short) <= 200
    assert summarize("short message") == "short message"
