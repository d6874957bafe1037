from __future__ import annotations

import numpy as np

from tickercast.features import log_returns, price_windows, supervised_windows, window_features


def test_log_returns_match_definition() -> None:
    prices = np.array([100.0, 110.0, 99.0])
    np.testing.assert_allclose(log_returns(prices), [np.log(1.1), np.log(0.9)])


def test_log_returns_work_row_wise_on_windows() -> None:
    windows = np.array([[1.0, 2.0, 4.0], [10.0, 10.0, 5.0]])
    np.testing.assert_allclose(log_returns(windows), np.log([[2, 2], [1, 0.5]]))


def test_price_windows_slide_by_one() -> None:
    w = price_windows(np.arange(5.0), 3)
    assert w.shape == (3, 3)
    np.testing.assert_array_equal(w[-1], [2.0, 3.0, 4.0])


def test_supervised_windows_align_target_with_next_return() -> None:
    prices = np.exp(np.arange(10.0) * 0.1 + np.sin(np.arange(10.0)))
    x, y = supervised_windows(prices, window=3)
    assert x.shape == (6, 4) and y.shape == (6,)
    # Row i holds prices i..i+3; its target is the return from i+3 to i+4.
    np.testing.assert_array_equal(x[2], prices[2:6])
    assert y[2] == np.log(prices[6] / prices[5])


def test_window_features_append_statistics() -> None:
    r = np.array([[0.01, -0.02, 0.03]])
    f = window_features(r)
    assert f.shape == (1, 8)
    np.testing.assert_allclose(f[0, 3:], [0.02 / 3, np.std(r), 0.03, 0.02, 0.03 - 0.02 / 3])


def test_window_features_do_not_mutate_input() -> None:
    r = np.array([[0.01, -0.02, 0.03]])
    before = r.copy()
    window_features(r)
    np.testing.assert_array_equal(r, before)
