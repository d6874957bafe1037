"""Shared PyTorch pieces for the LSTM models; torch is imported only when these run.

torch is the ``train`` extra (``pip install 'tickercast[train]'``): a serving install runs
the LSTMs' light form (``models.light``) and never needs it.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tickercast.errors import ModelError

if TYPE_CHECKING:
    import torch

__all__ = ["build_lstm", "load_state_dict", "predict_net", "save_state_dict", "train_net"]

_STATE_FILE = "state.pt"


def _torch() -> Any:
    """The torch module, or a ModelError that says how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ModelError(
            "the LSTM models train and load their native form with torch, which is not "
            "installed: pip install 'tickercast[train]'"
        ) from exc
    return torch


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one intra-op thread, restoring the setting afterwards.

    On a shared 2-core machine two spinning OpenMP threads slow a small LSTM down ~15x as soon
    as another process wants the CPU; one thread costs ~1.4x on an idle machine and never
    collapses. Small batches of a 32-unit LSTM gain little from more threads anyway.
    """
    torch = _torch()

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def build_lstm(hidden: int, layers: int, seed: int) -> torch.nn.Module:
    """A seeded ``(batch, seq, 1) -> (batch,)`` LSTM regressor on its last hidden state."""
    _torch()  # a clear error when torch is not installed
    import torch
    from torch import nn

    class _LSTMRegressor(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True)
            self.head = nn.Linear(hidden, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out, _ = self.lstm(x.unsqueeze(-1))
            return self.head(out[:, -1, :]).squeeze(-1)

    torch.manual_seed(seed)
    return _LSTMRegressor()


def train_net(
    net: torch.nn.Module,
    x_fit: np.ndarray,
    y_fit: np.ndarray,
    x_val: np.ndarray | None,
    y_val: np.ndarray | None,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    patience: int | None,
    seed: int,
    loss: str = "huber",
    progress: bool = False,
    description: str = "training",
) -> dict[str, Any]:
    """Adam with seeded shuffling; with a validation set, early stopping restores the best
    epoch's weights. Returns a small training log (epochs run, best validation loss)."""
    _torch()  # a clear error when torch is not installed
    import torch
    from torch import nn

    gen = torch.Generator().manual_seed(seed)
    xf = torch.from_numpy(np.array(x_fit, dtype=np.float32))
    yf = torch.from_numpy(np.array(y_fit, dtype=np.float32))
    has_val = x_val is not None and y_val is not None and len(y_val) > 0
    xv = torch.from_numpy(np.array(x_val, dtype=np.float32)) if has_val else None
    yv = torch.from_numpy(np.array(y_val, dtype=np.float32)) if has_val else None
    criterion: nn.Module = nn.HuberLoss(delta=1.0) if loss == "huber" else nn.MSELoss()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    best, best_state, waited, ran = float("inf"), None, 0, 0
    bar = _progress(progress)
    task = bar.add_task(description, total=epochs) if bar else None
    try:
        with one_thread():
            for _ in range(epochs):
                ran += 1
                net.train()
                order = torch.randperm(len(yf), generator=gen)
                for start in range(0, len(yf), batch_size):
                    idx = order[start : start + batch_size]
                    opt.zero_grad()
                    criterion(net(xf[idx]), yf[idx]).backward()
                    opt.step()
                if bar is not None and task is not None:
                    bar.advance(task)
                if xv is None or yv is None:
                    continue
                net.eval()
                with torch.no_grad():
                    val = float(criterion(net(xv), yv))
                if val < best - 1e-7:
                    best, best_state, waited = val, copy.deepcopy(net.state_dict()), 0
                else:
                    waited += 1
                    if patience is not None and waited >= patience:
                        break
    finally:
        if bar is not None:
            bar.stop()
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return {"epochs_run": ran, "best_val_loss": best if has_val else None}


def predict_net(net: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """One batched forward pass without autograd."""
    torch = _torch()

    with one_thread(), torch.inference_mode():
        out = net(torch.from_numpy(np.array(x, dtype=np.float32)))
    return out.numpy().astype(np.float64)


def save_state_dict(net: torch.nn.Module, directory: Path) -> None:
    torch = _torch()

    torch.save(net.state_dict(), directory / _STATE_FILE)


def load_state_dict(net: torch.nn.Module, directory: Path) -> None:
    """Load weights saved by ``save_state_dict`` (tensors only: ``weights_only=True``)."""
    torch = _torch()

    path = directory / _STATE_FILE
    if not path.is_file():
        raise ModelError(f"{path} is missing; the model directory is incomplete")
    try:
        net.load_state_dict(torch.load(path, weights_only=True))
    except (RuntimeError, KeyError) as exc:
        raise ModelError(f"{path} does not match the model's parameters: {exc}") from exc
    net.eval()


def _progress(enabled: bool) -> Any:
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    bar.start()
    return bar
