"""Hold the screen still while a key's answer is put together, then paint it once.

A pane switch at 1,000 clusters used to paint five times: the old data of the new pane
(a full repaint, since the focused table restyles), the footer recomposed for the new
keys, that footer again, the fresh data, its scrollbar. Each paint is a compositor pass
and a terminal write, and the answer was the last of them. Holding paints (Textual's
batch) until the parts have arrived paints the answer once, and sooner.

Every hold has a cap: a refresh that is slow (a loaded machine, a locked cache) shows
what there is after `cap` seconds and the rest when it comes, as before. A hold is
named, so asking again for the same reason extends it instead of nesting.
"""

from __future__ import annotations

from textual.app import App
from textual.timer import Timer

# long enough for a refresh of 1,000 clusters on a busy machine, short enough that a
# slower one still shows the switch at once to the eye
REFRESH_CAP = 0.25
FOOTER_CAP = 0.1
SCROLL_CAP = 0.1


class PaintHolds:
    def __init__(self, app: App) -> None:
        self._app = app
        self._held: dict[str, Timer] = {}
        # Textual may compose a frame while paints are held (a screen laid out as it is
        # pushed does) and then drops it; what it covered is not dirty any more, so the
        # first paint after the hold must be the whole screen
        self.dropped = False

    def hold(self, reason: str, cap: float) -> None:
        timer = self._held.pop(reason, None)
        if timer is None:
            self._app._begin_batch()
        else:
            timer.stop()
        self._held[reason] = self._app.set_timer(cap, lambda: self.release(reason), name=f"paint hold: {reason}")

    def held(self, reason: str) -> bool:
        return reason in self._held

    def release(self, reason: str) -> None:
        timer = self._held.pop(reason, None)
        if timer is None:
            return
        timer.stop()
        self._app._end_batch()
        if not self._app._batch_count and self._app.screen_stack:
            if self.dropped:
                self.dropped = False
                self._app.screen.refresh()
            else:
                # the screen looks for dirty widgets when it goes idle; it may have gone
                # idle during the hold, so prompt it once more
                self._app.screen.check_idle()

    def release_all(self) -> None:
        for reason in list(self._held):
            self.release(reason)
