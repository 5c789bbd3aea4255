"""The one way fleettui reads a YAML file the user gives it (Application files, the fleet
file, kubeconfig, theme and rule files).

PyYAML shares aliased nodes while loading, so a "billion laughs" file of a few
hundred bytes loads quickly and then explodes in whatever walks it (JSON for the
cache, deepcopy, rendering): 745 bytes once took 19 s and 919 MB. The expanded size is
measured on the composed node graph before anything is constructed, and refused past
a limit, as go-yaml (and so kubectl) refuses "excessive aliasing". Bytes that are not
UTF-8 are an error naming the file, never a UnicodeDecodeError.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

from fleettui.config.errors import ConfigError

MAX_BYTES = 8 * 1024 * 1024
# Nodes that aliases add beyond those written out; anchors used for DRY settings
# (`<<: *defaults`) stay far below this.
MAX_ALIAS_EXPANSION = 100_000


def read_text(path: str | os.PathLike[str], *, what: str = "file") -> str:
    """The file's text (`-`: stdin), refused when too large or not UTF-8.
    OSError (missing file, permission) is left to the caller, who knows what absence means."""
    src = str(path)
    if src == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read(MAX_BYTES + 1) if stream is not None else sys.stdin.read().encode()
    else:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{what} is larger than {MAX_BYTES // (1024 * 1024)} MiB", path=src)
    return decode(data, source=src, what=what)


def decode(data: bytes, *, source: str, what: str = "file") -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            path=source, line=line,
        ) from None


def _yaml_error(exc: yaml.YAMLError, source: str) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    return ConfigError(
        f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
        path=source,
        line=mark.line + 1 if mark is not None else None,
    )


def check_node(node: yaml.Node, *, source: str) -> None:
    """Refuse a recursive alias or an alias expansion past MAX_ALIAS_EXPANSION."""
    sizes: dict[int, int] = {}
    distinct = 0
    # iterative post-order walk: a deeply nested file must not hit the recursion limit
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    open_: set[int] = set()
    while stack:
        n, done = stack.pop()
        key = id(n)
        if done:
            open_.discard(key)
            children = _children(n)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            continue
        if key in sizes:
            continue
        if key in open_:
            raise ConfigError("a YAML alias refers to the node that contains it (recursive alias)",
                              path=source, line=n.start_mark.line + 1)
        open_.add(key)
        distinct += 1
        stack.append((n, True))
        stack.extend((c, False) for c in _children(n) if id(c) not in sizes)
    if sizes[id(node)] - distinct > MAX_ALIAS_EXPANSION:
        raise ConfigError(
            f"document contains excessive aliasing (aliases expand it past {MAX_ALIAS_EXPANSION} "
            "extra nodes); refused", path=source)


def _children(n: yaml.Node) -> list[yaml.Node]:
    if isinstance(n, yaml.SequenceNode):
        return list(n.value)
    if isinstance(n, yaml.MappingNode):
        return [x for pair in n.value for x in pair]
    return []


def compose_single(text: str, *, source: str) -> tuple[yaml.Node | None, Any]:
    """(node, data) of a one-document stream, checked; the node keeps line numbers."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        check_node(node, source=source)
        return node, loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from exc
    finally:
        loader.dispose()


def load(text: str, *, source: str) -> Any:
    return compose_single(text, source=source)[1]


def load_all(text: str, *, source: str) -> list[Any]:
    """Every document of a stream (`---`), checked one by one."""
    loader = yaml.SafeLoader(text)
    docs = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # check_node() said one follows; the stubs cannot know
                break
            check_node(node, source=source)
            docs.append(loader.construct_document(node))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from exc
    finally:
        loader.dispose()
    return docs


def load_file(path: str | os.PathLike[str], *, what: str = "file") -> Any:
    return load(read_text(path, what=what), source=str(Path(path)) if str(path) != "-" else "-")
