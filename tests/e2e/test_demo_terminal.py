"""End to end: the real `fleettui demo` command in a real terminal (tmux).

This is what a user does first: start the demo, read the screen, switch panes,
quit. It proves the console script, the simulator child process, the sync into a
fresh cache and the TUI work together, and that quitting leaves nothing running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

FLEETTUI = str(Path(sys.executable).parent / "fleettui")


def _tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], check=True, capture_output=True, text=True, timeout=10
    ).stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-t", session, "-p")


def _wait_for(session: str, *needles: str, timeout: float = 45.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(session)
        if all(n in screen for n in needles):
            return screen
        time.sleep(0.3)
    raise AssertionError(f"never saw {needles!r} on screen; last screen:\n{screen}")


def _descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.split("\n"):
        if line.strip():
            p, pp = (int(x) for x in line.split())
            children.setdefault(pp, []).append(p)
    found, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in found:
                found.add(c)
                todo.append(c)
    return found


@pytest.fixture
def session(tmp_path: Path):
    assert shutil.which("tmux"), "tmux is installed by `make test` (system-deps)"
    name = f"fleettui-e2e-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


@pytest.mark.slow
def test_demo_opens_shows_the_fleet_switches_panes_and_quits_cleanly(
    session: str, tmp_path: Path
) -> None:
    exit_file = tmp_path / "exit"
    env = {
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "TERM": "xterm-256color",
    }
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = f"env {exports} {FLEETTUI} demo --clusters 3; echo $? > {exit_file}"
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    pane_pid = int(_tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())

    screen = _wait_for(session, "ack-hangzhou-a", "idc-beijing", "edge-shenzhen")
    assert "Clusters" in screen and "Topology" in screen
    # The fleet was read through the API by the sync: versions and node counts are real.
    assert "5/5" in screen or "4/5" in screen
    running = _descendants(pane_pid)
    assert len(running) >= 2, "fleettui and its simulator child should both be running"

    _tmux("send-keys", "-t", session, "2")
    _wait_for(session, "fleet", "region")

    # The demo declares the example applications; the dashboard's own engine runs
    # them: the canary is deployed to its first cluster and waits at its gate.
    _tmux("send-keys", "-t", session, "3")
    _wait_for(session, "node-agent", "orders-api", "workflowSuspending")

    _tmux("send-keys", "-t", session, "q")
    deadline = time.monotonic() + 20
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert exit_file.exists(), f"fleettui did not exit on q; screen:\n{_screen(session)}"
    assert exit_file.read_text().strip() == "0"
    time.sleep(0.5)
    left = {p for p in running if os.path.exists(f"/proc/{p}")}
    assert not left, f"processes left running after quit: {left}"
