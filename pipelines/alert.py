"""One alert of the warehouse sensor (``pipelines.sensors``), in a module of its own so that the modules
computing alerts of one kind (``pipelines.final_figures``) and the sensor share it without a circle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Alert"]


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: a stable key (the run key), a message for people, and figures for machines."""

    key: str
    kind: str
    message: str
    figures: dict[str, Any] = field(default_factory=dict)
