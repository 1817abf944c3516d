"""The two pose back ends as ``har batch`` runs them: the service's own settings class and loader.

The settings are read once, on the driver, from the same ``HAR_POSE_SINGLE_*`` / ``HAR_POSE_MULTI_*``
environment variables the service reads (docs/configuration.md), and handed to every worker as a
plain dict, so a worker on another machine of a cluster runs with the driver's settings, not its own
environment's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BackendKind:
    """A pose back end: its service's settings class and model loader, by import path."""

    name: str  # the service's name, as in results and logs
    module: str  # the service's main module: ``Settings`` and ``load_backend``

    def load(self):
        import importlib

        return importlib.import_module(self.module)

    def settings(self, overrides: dict[str, Any] | None = None):
        """The service's settings: its environment variables, then ``overrides``; paths made absolute,
        so workers started elsewhere (another folder, another machine with the same layout) find them."""
        s = self.load().Settings(**(overrides or {}))
        if hasattr(s, "models_dir"):
            s.models_dir = s.models_dir.resolve()
        return s


SINGLE = BackendKind("pose-single", "har_pose_single.main")
MULTI = BackendKind("pose-multi", "har_pose_multi.main")


def kind(multi: bool) -> BackendKind:
    return MULTI if multi else SINGLE
