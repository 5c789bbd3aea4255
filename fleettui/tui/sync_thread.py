"""The background sync on its own thread and event loop, with its own connection to the store.

A first sync of a large fleet parses tens of thousands of objects; on the
screen's event loop that would make keys wait. So the sync runs on a loop of
its own in a thread, writes through its own Store on the same file, and the
screen learns of its writes from the change feed's `external` polling. It
talks back only by posting messages (`post_message` is thread-safe).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.message import Message

from fleettui.store import Store
from fleettui.tui.messages import SyncNotice, SyncStateChanged

# run_sync(store, notice): keeps the store current; notice(text) reports a problem
SyncRunner = Callable[[Store, Callable[[str], None]], Awaitable[None]]


class SyncThread:
    def __init__(self, run_sync: SyncRunner, post: Callable[[Message], object]) -> None:
        self._run_sync = run_sync
        self._post = post
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def fresh(self) -> SyncThread:
        """Another one with the same sync, to start on a new cache file."""
        return SyncThread(self._run_sync, self._post)

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, path: Path | str) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._main, args=(path,), name="fleet-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Cancel the sync and wait for its thread (blocking: call it off the UI loop when it may take long)."""
        loop, task, thread = self._loop, self._task, self._thread
        if loop is not None and task is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop closed meanwhile
                pass
        if thread is not None:
            thread.join(timeout=10)

    def _main(self, path: Path | str) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._sync(path))
        finally:
            loop.close()

    async def _sync(self, path: Path | str) -> None:
        self._task = asyncio.current_task()
        self._post(SyncStateChanged(True))
        error = None
        try:
            store = await Store.open(path)
        except Exception as exc:
            self._post(SyncStateChanged(False, f"cannot open the cache: {exc}"))
            return
        try:
            await self._run_sync(store, lambda text: self._post(SyncNotice(text)))
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # shown in the status bar; the cached view stays
            error = f"{type(exc).__name__}: {exc}"
        finally:
            await store.close()
        self._post(SyncStateChanged(False, error))
