"""LightGBM's own C library (``lib_lightgbm.so`` from the lightgbm wheel) called through its
C API with ctypes, without importing the lightgbm Python package.

Why: the package's import pulls in pandas and scikit-learn when they are installed (its
``compat`` module), which is most of the memory a serving worker would save; the C library
alone is a few MB. It reads the native model file that training saves (``lightgbm.txt``) and
predicts with LightGBM's own code, so the numbers are LightGBM's. The calls and constants are
the ones the package itself makes (``lightgbm/basic.py``: ``LGBM_BoosterLoadModelFromString``,
``LGBM_BoosterPredictForMat``).
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import sys
from pathlib import Path

import numpy as np

from tickercast.errors import ModelError

__all__ = ["NativeBooster", "library_path"]

_FLOAT64 = 1  # C_API_DTYPE_FLOAT64
_ROW_MAJOR = 1
_PREDICT_NORMAL = 0
_PARALLEL_FROM = 1_000  # rows from which LightGBM's threads pay off (models/lightgbm.py)


def library_path() -> Path:
    """Where the lightgbm wheel keeps its C library (found without importing the package)."""
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the lightgbm package is not installed; its C library serves LightGBM")
    name = {"darwin": "lib_lightgbm.dylib", "win32": "lib_lightgbm.dll"}.get(
        sys.platform, "lib_lightgbm.so"
    )
    path = Path(next(iter(spec.submodule_search_locations))) / "lib" / name
    if not path.is_file():
        raise ModelError(f"LightGBM's C library is not at {path}")
    return path


@functools.lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    lib = ctypes.cdll.LoadLibrary(str(library_path()))
    lib.LGBM_GetLastError.restype = ctypes.c_char_p
    return lib


def _check(code: int) -> None:
    if code != 0:
        message = _library().LGBM_GetLastError().decode("utf-8", "replace")
        raise ModelError(f"LightGBM: {message}")


class NativeBooster:
    """A booster loaded from LightGBM's model text; ``predict`` gives raw scores (float64)."""

    def __init__(self, model_text: str) -> None:
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int(0)
        lib = _library()
        _check(
            lib.LGBM_BoosterLoadModelFromString(
                ctypes.c_char_p(model_text.encode()),
                ctypes.byref(iterations),
                ctypes.byref(self._handle),
            )
        )
        self._free = lib.LGBM_BoosterFree
        features = ctypes.c_int(0)
        _check(lib.LGBM_BoosterGetNumFeature(self._handle, ctypes.byref(features)))
        self.n_features = features.value

    @classmethod
    def from_file(cls, path: Path) -> NativeBooster:
        if not path.is_file():
            raise ModelError(f"{path} is missing; the lightgbm model directory is incomplete")
        return cls(path.read_text())

    def predict(self, features: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ModelError(f"features have shape {x.shape}; expected (n, {self.n_features})")
        out = np.empty(x.shape[0], dtype=np.float64)
        written = ctypes.c_int64(0)
        threads = b"num_threads=1" if len(x) < _PARALLEL_FROM else b"num_threads=0"
        _check(
            _library().LGBM_BoosterPredictForMat(
                self._handle,
                x.ctypes.data_as(ctypes.c_void_p),
                ctypes.c_int(_FLOAT64),
                ctypes.c_int32(x.shape[0]),
                ctypes.c_int32(x.shape[1]),
                ctypes.c_int(_ROW_MAJOR),
                ctypes.c_int(_PREDICT_NORMAL),
                ctypes.c_int(0),  # start iteration
                ctypes.c_int(-1),  # every iteration in the file (it holds the best ones)
                ctypes.c_char_p(threads),
                ctypes.byref(written),
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
            )
        )
        if written.value != len(out):
            raise ModelError(f"LightGBM wrote {written.value} predictions for {len(out)} rows")
        return out

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            self._free(handle)
