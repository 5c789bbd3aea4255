"""Values shared by the component renderers and trait patchers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RenderContext:
    """KubeVela's `context` as the built-in definitions use it."""

    app_name: str
    app_namespace: str
    component: str
    revision: str = ""


@dataclass(frozen=True)
class Output:
    """An auxiliary object of a component: `outputs.<name>` of its definition or of a trait.
    KubeVela labels it `trait.oam.dev/type` (the trait, or AuxiliaryWorkload for the
    component's own) and `trait.oam.dev/resource` (the output's name)."""

    name: str
    trait_type: str
    object: dict[str, Any]
