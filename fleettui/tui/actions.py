"""The keys a pane or screen binds, as data, and the guard on the write ones.

An `ActionSpec` is one key: its binding (footer), its help line, and whether it
writes to a cluster or a hub. The registry (`tui/registry.py`) collects them, so
the help screen, the footer and the read-only lists cannot disagree.

`WriteGuard` hides the write actions from the footer in `--read-only` and
`--watch` and refuses them with a word (a notification and the status bar):
a binding refused by `check_action` would otherwise be skipped in silence and
the key look broken. The kube layer's guard refuses them again below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from textual import events
from textual.binding import Binding


@dataclass(frozen=True)
class ActionSpec:
    key: str
    action: str  # a Textual action string; "app.x" runs on the app
    description: str  # the footer's word
    help: str  # the help screen's line
    write: bool = False
    show: bool = True  # in the footer

    @property
    def name(self) -> str:
        """The action's name as `check_action` receives it (no namespace, no arguments)."""
        return self.action.removeprefix("app.").split("(")[0]

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.description, show=self.show)


def bindings(actions: Iterable[ActionSpec]) -> list[Binding]:
    return [a.binding() for a in actions]


def key_display(key: str) -> str:
    """A binding's key as the help shows it: "ctrl+d" -> "Ctrl+D", "R" stays "R"."""
    *mods, last = key.split("+")
    return "+".join([m.capitalize() for m in mods] + [last.upper() if mods else last])


@runtime_checkable
class WritePolicy(Protocol):
    """What the guard asks of the app: the mode, and how a refusal is said."""

    read_only: bool

    def refuse_write(self, what: str, *, key: str | None = None) -> None: ...


class WriteGuard:
    """Mixin for a widget or screen whose `ACTIONS` include write actions."""

    ACTIONS: ClassVar[tuple[ActionSpec, ...]] = ()

    @property
    def _policy(self) -> WritePolicy | None:
        app = getattr(self, "app", None)
        return app if isinstance(app, WritePolicy) else None

    def _refused(self) -> bool:
        policy = self._policy
        return policy is not None and policy.read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._refused() and any(a.write and a.name == action for a in self.ACTIONS):
            return False  # hidden from the footer and not run
        return True

    def on_key(self, event: events.Key) -> None:
        spec = next((a for a in self.ACTIONS if a.write and a.key == event.key), None)
        policy = self._policy
        if spec is not None and policy is not None and policy.read_only:
            event.stop()
            event.prevent_default()
            policy.refuse_write(spec.description.lower(), key=event.key)
