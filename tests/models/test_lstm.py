from __future__ import annotations

import numpy as np

from tests.models.factories import TINY_PARAMS, random_walk
from tickercast.features import log_returns
from tickercast.models import LSTMForecaster


def test_fit_lstm_scaler_uses_training_rows_only() -> None:
    prices = random_walk(300, seed=3)
    spiked = prices.copy()
    spiked[-20:] *= np.linspace(1.0, 3.0, 20)  # only the early-stopping tail differs
    a = LSTMForecaster(**TINY_PARAMS["lstm"]).fit(prices)
    b = LSTMForecaster(**TINY_PARAMS["lstm"]).fit(spiked)
    n_fit = (len(prices) - 7) - max(20, int((len(prices) - 7) * 0.1))
    train_r = log_returns(prices[: n_fit + 7])
    assert a.center_ == np.mean(train_r) and a.scale_ == np.std(train_r)
    assert (a.center_, a.scale_) == (b.center_, b.scale_)


def test_fit_lstm_stops_early_and_logs_epochs() -> None:
    model = LSTMForecaster(hidden=8, epochs=50, patience=2, batch_size=64).fit(random_walk(300))
    assert 1 <= model.train_log_["epochs_run"] < 50
    assert np.isfinite(model.train_log_["best_val_loss"])
