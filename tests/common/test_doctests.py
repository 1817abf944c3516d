"""The docstring examples of the shared package run as tests (in each environment that runs this suite).

A module whose imports need a service extra that this environment lacks (the common environment has no
OpenCV or FastAPI) is skipped with the missing module named; the pose-single environment has them all.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import har_common
import pytest

MODULES = sorted(m.name for m in pkgutil.walk_packages(har_common.__path__, "har_common."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        pytest.skip(f"{name} needs {exc.name}, not installed in this environment")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name} (run with -s to see them)"
