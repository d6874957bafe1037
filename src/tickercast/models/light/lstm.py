"""The tickercast LSTM regressor's forward pass in numpy (float32, like torch on CPU).

A 1-input LSTM over a window of 6-7 values is a few small matrix products per step; numpy
does it without the ~200 MB that importing torch costs a serving worker. The equations are
torch.nn.LSTM's (gates in the order input, forget, cell, output), followed by the model's
``Linear(hidden, 1)`` head on the last step's hidden state (``models/_torch.build_lstm``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tickercast.errors import ModelError

__all__ = ["NumpyLSTM"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.float32(1.0) / (np.float32(1.0) + np.exp(-x))


class NumpyLSTM:
    """``(batch, seq)`` inputs -> ``(batch,)`` outputs, from a torch ``state_dict``'s arrays."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        try:
            self.layers = [
                (
                    np.asarray(arrays[f"lstm.weight_ih_l{k}"], dtype=np.float32).T.copy(),
                    np.asarray(arrays[f"lstm.weight_hh_l{k}"], dtype=np.float32).T.copy(),
                    np.asarray(arrays[f"lstm.bias_ih_l{k}"], dtype=np.float32)
                    + np.asarray(arrays[f"lstm.bias_hh_l{k}"], dtype=np.float32),
                )
                for k in range(_count_layers(arrays))
            ]
            self.head_w = np.asarray(arrays["head.weight"], dtype=np.float32).reshape(-1)
            self.head_b = np.float32(np.asarray(arrays["head.bias"]).reshape(-1)[0])
        except KeyError as exc:
            raise ModelError(f"LSTM weights lack {exc}; re-export the model") from exc
        self.hidden = self.head_w.size

    def __call__(self, x: np.ndarray) -> np.ndarray:
        seq = np.asarray(x, dtype=np.float32)[:, :, None]  # (batch, steps, 1 input)
        n, steps = seq.shape[0], seq.shape[1]
        for w_ih, w_hh, bias in self.layers:
            h = np.zeros((n, self.hidden), dtype=np.float32)
            c = np.zeros((n, self.hidden), dtype=np.float32)
            outputs = np.empty((n, steps, self.hidden), dtype=np.float32)
            # the input projection of every step in one matrix product, then the recurrence
            projected = (seq.reshape(n * steps, -1) @ w_ih + bias).reshape(n, steps, -1)
            for t in range(steps):
                gates = projected[:, t] + h @ w_hh
                i, f, g, o = np.split(gates, 4, axis=1)
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                h = _sigmoid(o) * np.tanh(c)
                outputs[:, t] = h
            seq = outputs
        return (seq[:, -1] @ self.head_w + self.head_b).astype(np.float64)


def _count_layers(arrays: Mapping[str, np.ndarray]) -> int:
    layers = 0
    while f"lstm.weight_ih_l{layers}" in arrays:
        layers += 1
    if layers == 0:
        raise ModelError("LSTM weights hold no 'lstm.weight_ih_l0'; re-export the model")
    return layers
