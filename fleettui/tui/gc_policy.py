"""Full garbage collections while nobody is typing, not in the middle of a key press.

Python's collector runs a full (generation 2) collection on its own schedule; with a
thousand clusters' rows, cells and caches alive that walk took 20-70 ms, and it landed
on whatever key press happened to allocate at the time (one key in ten at 1,000
clusters). The dashboard takes over that one generation:

- on start, once the cached fleet is on screen, everything alive is collected and
  frozen (exempt from later collections: it lives as long as the app);
- automatic full collections are turned off (generations 0 and 1, which cost
  ~1-5 ms, stay automatic);
- every few seconds, if no key or click came for `QUIET` seconds and Python would
  have run a full collection by now (as many generation-1 collections since the
  last full one as its own threshold asks), a full collection runs and what survives
  is frozen too, so the next one only walks what is new;
- every `THAW_EVERY` seconds the frozen objects are thawed and collected with the
  rest at such a quiet moment, so garbage in reference cycles among them is freed
  (a long watch-mode session would otherwise keep it);
- if the user never pauses, a full collection still runs after `LATEST` seconds.

All of it is undone when the app stops (a test process runs many apps).
"""

from __future__ import annotations

import gc
import time

QUIET = 1.5  # seconds without input before a collection may run
CHECK_EVERY = 5.0
THAW_EVERY = 600.0
LATEST = 120.0
NEVER = 1 << 30  # a generation-2 threshold never reached


class GcPolicy:
    def __init__(self, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self._clock = clock
        self._saved: tuple[int, int, int] | None = None
        self._last_input = clock()
        self._last_full = clock()
        self._last_thaw = clock()

    @property
    def active(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        """The app's steady state begins: freeze what is alive, take over generation 2."""
        if self._saved is not None:
            return
        gc.collect()
        gc.freeze()
        self._saved = gc.get_threshold()
        gc.set_threshold(self._saved[0], self._saved[1], NEVER)
        self._last_full = self._last_thaw = self._clock()

    def input_seen(self) -> None:
        self._last_input = self._clock()

    def tick(self) -> str | None:
        """Called every CHECK_EVERY seconds: collect if the moment is right. Returns what
        it did ("full", "thaw") or None."""
        if self._saved is None:
            return None
        now = self._clock()
        quiet = now - self._last_input >= QUIET
        due = gc.get_count()[2] >= self._saved[2]  # Python's own schedule for a full collection
        overdue = now - self._last_full >= LATEST
        thaw = quiet and now - self._last_thaw >= THAW_EVERY
        if not overdue and not thaw and not (quiet and due):
            return None
        done = "full"
        if thaw:
            gc.unfreeze()
            self._last_thaw = now
            done = "thaw"
        gc.collect()
        gc.freeze()
        self._last_full = now
        return done

    def stop(self) -> None:
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        self._saved = None
        gc.unfreeze()  # an app run in a longer process (tests, Pilot) leaves nothing pinned
