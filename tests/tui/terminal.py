"""What a terminal shows of a Pilot-driven app: the bytes the app writes, frame by frame,
fed to a VT100 screen in memory (pyte).

Pilot's headless driver makes Textual skip turning its frames into terminal bytes.
`record_frames` swaps in a driver that is not headless but drops what it is given
after keeping it, so the app does all a real terminal session costs, and each frame's
bytes are kept with the time they were written. `TerminalModel` replays them and says
which frames changed what is on screen (a frame that repaints the same characters in
the same colours changes nothing a user can see).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyte
from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver


@dataclass
class Frames:
    """Frames written so far: (time written, bytes)."""

    frames: list[tuple[float, str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.frames.clear()


def record_frames(app: App) -> Frames:
    """From now on, `app` (running under Pilot) renders each frame to terminal bytes,
    kept in the returned Frames."""
    frames = Frames()

    class Rendering(HeadlessDriver):
        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            frames.pending.append(data)

        def flush(self) -> None:
            if frames.pending:
                frames.frames.append((time.perf_counter(), "".join(frames.pending)))
                frames.pending.clear()

    assert app._driver is not None
    app._driver.__class__ = Rendering
    return frames


class TerminalModel:
    def __init__(self, width: int, height: int) -> None:
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.Stream(self.screen)

    def _state(self) -> list:
        buffer = self.screen.buffer
        return [tuple(buffer[y][x] for x in range(self.screen.columns)) for y in range(self.screen.lines)]

    def feed(self, data: str) -> bool:
        """Apply one frame; True if what the terminal shows changed."""
        before = self._state()
        self.stream.feed(data)
        return self._state() != before

    def changed_at(self, frames: list[tuple[float, str]]) -> list[float]:
        """Apply these frames; the times of those that changed the screen."""
        return [t for t, data in frames if self.feed(data)]

    @property
    def text(self) -> list[str]:
        return list(self.screen.display)


def full_frame_text(app: App) -> list[str]:
    """The screen as the app would paint it from scratch, as text lines."""
    update = app.screen._compositor.render_update(full=True)
    assert update is not None
    model = TerminalModel(*app.size)
    model.stream.feed(update.render_segments(app.console))  # type: ignore[union-attr]
    return model.text
