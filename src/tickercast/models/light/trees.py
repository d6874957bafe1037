"""LightGBM's boosted trees evaluated with numpy, from the booster's ``dump_model()`` JSON.

Why numpy and not ONNX: the dump holds every threshold and leaf value as a double written
with 17 significant digits, so each split decides exactly as LightGBM's C++ does; ONNX-ML
tree ensembles (onnxmltools' converter) hold float32 thresholds and outputs, which flips
splits near a threshold. Why not the lightgbm package itself: importing it imports pandas and
scikit-learn when they are installed. Numerical splits only (tickercast's features are all
numerical); ``TreeEnsemble.from_dump`` refuses anything else rather than guess.

Layout: every node of every tree in flat arrays; an internal node's children sit next to each
other (``child`` and ``child + 1``), a leaf is its own child with an infinite threshold. All
rows walk all trees at once, ``depth`` steps of ``node = child[node] + (x > threshold)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tickercast.errors import ModelError

__all__ = ["TreeEnsemble"]

_ZERO = 1e-35  # LightGBM's kZeroThreshold: |x| at or below it counts as zero
_MISSING = {"None": 0, "Zero": 1, "NaN": 2}
_ROWS_PER_CHUNK = 512  # bounds the (rows, trees) work arrays for large batches
_FIELDS = ("feature", "threshold", "child", "default_left", "missing", "value")


class TreeEnsemble:
    """Flattened trees (see the module docstring) and their sum per row."""

    def __init__(self, arrays: Mapping[str, np.ndarray], depth: int, n_features: int) -> None:
        self.roots = np.asarray(arrays["roots"], dtype=np.intp)
        self.feature = np.asarray(arrays["feature"], dtype=np.intp)
        self.threshold = np.asarray(arrays["threshold"], dtype=np.float64)
        self.child = np.asarray(arrays["child"], dtype=np.intp)
        self.default_left = np.asarray(arrays["default_left"], dtype=bool)
        self.missing = np.asarray(arrays["missing"], dtype=np.int8)
        self.value = np.asarray(arrays["value"], dtype=np.float64)
        self.depth = depth
        self.n_features = n_features
        self._zero_rule = bool((self.missing == 1).any())

    @classmethod
    def from_dump(cls, dump: Mapping[str, Any]) -> TreeEnsemble:
        """Compile ``Booster.dump_model()`` output; ``ModelError`` for what it cannot run."""
        if dump.get("num_tree_per_iteration", 1) != 1 or dump.get("average_output"):
            raise ModelError("the light tree runtime evaluates one boosted regression only")
        objective = str(dump.get("objective", ""))
        if not objective.startswith(("regression", "huber", "fair", "quantile")) or (
            "sqrt" in objective
        ):
            raise ModelError(f"objective {objective!r} transforms its output; not supported")
        nodes: dict[str, list[Any]] = {k: [] for k in _FIELDS}
        roots, depth = [], 0
        for info in dump["tree_info"]:
            roots.append(_allocate(nodes, 1))
            depth = max(depth, _fill(info["tree_structure"], roots[-1], nodes, 0))
        arrays = {k: np.asarray(v) for k, v in nodes.items()}
        arrays["roots"] = np.asarray(roots)
        return cls(arrays, depth, int(dump["max_feature_idx"]) + 1)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Sum of every tree's leaf value per ``(n, n_features)`` row, in float64."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ModelError(f"features have shape {x.shape}; expected (n, {self.n_features})")
        step = _ROWS_PER_CHUNK
        return np.concatenate(
            [self._predict_chunk(x[i : i + step]) for i in range(0, max(len(x), 1), step)]
        )[: len(x)]

    def _predict_chunk(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        flat = np.ascontiguousarray(x).reshape(-1)
        offsets = (np.arange(n) * self.n_features)[:, None]
        node = np.broadcast_to(self.roots, (n, self.roots.size)).copy()
        exact = self._zero_rule or bool(np.isnan(flat).any())
        for _ in range(self.depth):
            fval = flat[offsets + self.feature[node]]
            right = fval > self.threshold[node]
            if exact:  # LightGBM's NumericalDecision for missing values and zeros
                missing = self.missing[node]
                nan = np.isnan(fval)
                fval = np.where(nan & (missing != 2), 0.0, fval)
                default = ((missing == 1) & (np.abs(fval) <= _ZERO)) | ((missing == 2) & nan)
                right = np.where(default, ~self.default_left[node], fval > self.threshold[node])
            node = self.child[node] + right
        return self.value[node].sum(axis=1)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for ``np.savez`` (loaded back with ``allow_pickle=False``)."""
        return {
            "roots": self.roots,
            **{k: getattr(self, k) for k in _FIELDS},
            "shape": np.asarray([self.depth, self.n_features], dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> TreeEnsemble:
        try:
            depth, n_features = (int(v) for v in arrays["shape"])
            return cls(arrays, depth, n_features)
        except (KeyError, ValueError) as exc:
            raise ModelError(f"light tree arrays are incomplete ({exc}); re-export") from exc


def _allocate(nodes: dict[str, list[Any]], count: int) -> int:
    first = len(nodes["value"])
    for key in _FIELDS:
        nodes[key].extend([0] * count)
    return first


def _fill(node: Mapping[str, Any], index: int, nodes: dict[str, list[Any]], level: int) -> int:
    """Write ``node`` at ``index`` and its subtree below; returns the subtree's depth."""
    if "leaf_value" in node:
        nodes["child"][index] = index
        nodes["threshold"][index] = np.inf  # never "greater": a leaf stays where it is
        nodes["value"][index] = float(node["leaf_value"])
        return level
    if node.get("decision_type") != "<=":
        raise ModelError(
            f"split {node.get('split_index')} is {node.get('decision_type')!r} (categorical?); "
            "the light tree runtime evaluates numerical '<=' splits only"
        )
    nodes["feature"][index] = int(node["split_feature"])
    nodes["threshold"][index] = float(node["threshold"])
    nodes["default_left"][index] = bool(node["default_left"])
    nodes["missing"][index] = _MISSING[str(node["missing_type"])]
    first = _allocate(nodes, 2)
    nodes["child"][index] = first
    return max(
        _fill(node["left_child"], first, nodes, level + 1),
        _fill(node["right_child"], first + 1, nodes, level + 1),
    )
