"""``tickercast predict``: the champion's next price for a window of closes, locally or by
calling a running service (the original ``utilscli.py predict`` use)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import numpy as np
import typer

from tickercast.cli.common import console, print_json
from tickercast.config import get_settings
from tickercast.errors import ConfigError, DataError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("predict")(predict)


def _parse_prices(text: str) -> list[float]:
    try:
        return [float(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise ConfigError(f"--prices {text!r} is not a comma-separated list of numbers") from None


def predict(
    prices: Annotated[
        str, typer.Option(help="Closes, oldest first, comma-separated: 1,2,3,4,5,6,7.")
    ],
    ticker: Annotated[
        str | None, typer.Option(help="Whose champion to use (default TICKERCAST_DEFAULT_TICKER).")
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            help="Call a running service instead, e.g. http://localhost:8000 or its "
            "full /predict_next_price URL."
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="TICKERCAST_API_KEY",
            help="API key for --host (needed when the service runs with TICKERCAST_AUTH="
            "required); read from TICKERCAST_API_KEY so it stays out of the shell history.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Predict the next close (with 80/95% intervals) from the last prices."""
    values = _parse_prices(prices)
    settings = get_settings()
    ticker = (ticker or settings.default_ticker).upper()
    answer = _remote(host, ticker, values, api_key) if host else _local(ticker, values)
    if as_json:
        print_json(answer)
        return
    if "result" in answer:
        console.print(f"next price: {answer['result']:.4f}")
        return
    bands = ", ".join(
        f"{i['level']}%: {i['lower']:.4f} .. {i['upper']:.4f}" for i in answer["intervals"]
    )
    model = answer["model"]
    console.print(
        f"{answer['ticker']} next price {answer['point']:.4f} ({bands}) "
        f"from {model['name']} version {model['version']}" + _significance_note(model),
        highlight=False,
    )


def _significance_note(model: dict[str, Any]) -> str:
    p = model.get("beats_naive_p_value")
    shown = f"p = {p:.3f}" if p is not None else "not tested"
    if model["beats_naive"]:
        return f" (significantly better than naive, {shown})"
    return f" — not significantly better than naive ({shown})"


def _local(ticker: str, values: list[float]) -> dict[str, Any]:
    from tickercast.training.registry import load_champion

    model, info = load_champion(ticker, get_settings())
    forecast = model.predict(np.asarray(values), levels=(80, 95))
    return {
        "ticker": ticker,
        "point": float(forecast.point[0]),
        "intervals": [
            {
                "level": lv,
                "lower": float(forecast.lower[lv][0]),
                "upper": float(forecast.upper[lv][0]),
            }
            for lv in (80, 95)
        ],
        "model": {
            "name": model.name,
            "version": info.version,
            "beats_naive": info.beats_naive,
            "beats_naive_p_value": info.p_value,
            "margin": info.margin,
        },
    }


def _remote(host: str, ticker: str, values: list[float], api_key: str | None) -> dict[str, Any]:
    url = host.rstrip("/")
    original = url.endswith("/predict_next_price")
    if not original:
        url += "/v1/predict"
    body: dict[str, Any] = {"prices": values} if original else {"ticker": ticker, "prices": values}
    try:
        headers = {"X-API-Key": api_key} if api_key else {}
        response = httpx.post(url, json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        raise DataError(f"cannot reach {url}: {exc}") from exc
    if response.status_code != 200:
        problem = response.headers.get("content-type") == "application/problem+json"
        why = response.json().get("detail") if problem else response.text[:300]
        raise DataError(f"{url} answered HTTP {response.status_code}: {why}")
    result: dict[str, Any] = response.json()
    return result
