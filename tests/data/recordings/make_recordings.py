"""Writes the recorded provider answers in this folder (run once; the output is committed).

The *formats* follow each provider's documentation (see README.md); the *numbers* are
real AAPL sessions of July 2024 from the bundled sample (src/tickercast/data/samples).
``python tests/data/recordings/make_recordings.py`` rewrites them identically.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent
SAMPLE = HERE.parents[2] / "src" / "tickercast" / "data" / "samples" / "AAPL.csv"
NY = ZoneInfo("America/New_York")
FIRST_STORED = "2024-07-22"  # the "full" answers end here; "update" answers go on to 07-30
SPLIT_FACTOR = 0.25  # a 4:1 split re-adjusts every earlier price to a quarter
DIVIDEND_FACTOR = 0.995  # a dividend re-adjusts earlier adj_close only


def sessions() -> list[dict[str, float | str]]:
    with SAMPLE.open() as f:
        rows = [r for r in csv.DictReader(f) if "2024-07-01" <= r["Date"] <= "2024-07-30"]
    return [
        {
            "date": r["Date"],
            **{
                k: float(r[c])
                for k, c in (
                    ("open", "Open"),
                    ("high", "High"),
                    ("low", "Low"),
                    ("close", "Close"),
                    ("adj_close", "Adj Close"),
                )
            },
            "volume": int(r["Volume"]),
        }
        for r in rows
    ]


def scaled(rows: list[dict], price: float, adj: float, before: str) -> list[dict]:
    out = []
    for r in rows:
        r = dict(r)
        if r["date"] < before:
            for k in ("open", "high", "low", "close"):
                r[k] = round(r[k] * price, 6)
            r["adj_close"] = round(r["adj_close"] * adj * price, 6)
            r["volume"] = round(r["volume"] / price)
        out.append(r)
    return out


def yahoo(rows: list[dict]) -> dict:
    stamps = [
        int(dt.datetime.combine(dt.date.fromisoformat(r["date"]), dt.time(9, 30), NY).timestamp())
        for r in rows
    ]
    result = {
        "meta": {
            "currency": "USD",
            "symbol": "AAPL",
            "exchangeName": "NMS",
            "fullExchangeName": "NasdaqGS",
            "instrumentType": "EQUITY",
            "firstTradeDate": 345479400,
            "gmtoffset": -14400,
            "timezone": "EDT",
            "exchangeTimezoneName": "America/New_York",
            "dataGranularity": "1d",
            "range": "",
            "validRanges": ["1d", "5d", "1mo", "max"],
        },
    }
    if rows:
        result["timestamp"] = stamps
        result["indicators"] = {
            "quote": [
                {k: [r[k] for r in rows] for k in ("open", "high", "low", "close", "volume")}
            ],
            "adjclose": [{"adjclose": [r["adj_close"] for r in rows]}],
        }
    else:
        result["indicators"] = {"quote": [{}], "adjclose": [{}]}
    return {"chart": {"result": [result], "error": None}}


def alphavantage(rows: list[dict]) -> dict:
    return {
        "Meta Data": {
            "1. Information": "Daily Prices (open, high, low, close) and Volumes",
            "2. Symbol": "AAPL",
            "3. Last Refreshed": rows[-1]["date"],
            "4. Output Size": "Compact",
            "5. Time Zone": "US/Eastern",
        },
        "Time Series (Daily)": {
            r["date"]: {
                "1. open": f"{r['open']:.4f}",
                "2. high": f"{r['high']:.4f}",
                "3. low": f"{r['low']:.4f}",
                "4. close": f"{r['close']:.4f}",
                "5. volume": str(r["volume"]),
            }
            for r in reversed(rows)
        },
    }


def stooq(rows: list[dict]) -> str:
    lines = ["Date,Open,High,Low,Close,Volume"]
    lines += [
        f"{r['date']},{r['open']:.4f},{r['high']:.4f},{r['low']:.4f},{r['close']:.4f},{r['volume']}"
        for r in rows
    ]
    return "\r\n".join(lines) + "\r\n"


def tiingo(rows: list[dict], split_on: str | None = None) -> list[dict]:
    return [
        {
            "date": f"{r['date']}T00:00:00.000Z",
            "close": r["close"],
            "high": r["high"],
            "low": r["low"],
            "open": r["open"],
            "volume": r["volume"],
            "adjClose": r["adj_close"],
            "adjHigh": r["high"],
            "adjLow": r["low"],
            "adjOpen": r["open"],
            "adjVolume": r["volume"],
            "divCash": 0.0,
            "splitFactor": 4.0 if r["date"] == split_on else 1.0,
        }
        for r in rows
    ]


def write(name: str, payload: object) -> None:
    path = HERE / name
    path.parent.mkdir(exist_ok=True)
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    path.write_text(text, newline="")


def main() -> None:
    rows = sessions()
    full = [r for r in rows if r["date"] <= FIRST_STORED]
    update = [r for r in rows if r["date"] >= "2024-07-15"]
    # after a 4:1 split new sessions trade at a quarter, and the provider re-adjusts all
    # earlier ones to match: every price in the answer is a quarter of the old scale
    split = scaled(update, SPLIT_FACTOR, 1.0, before="9999-12-31")
    dividend = scaled(update, 1.0, DIVIDEND_FACTOR, before="2024-07-23")
    write("yahoo/chart_full.json", yahoo(full))
    write("yahoo/chart_update.json", yahoo(update))
    write("yahoo/chart_split.json", yahoo(split))
    write("yahoo/chart_dividend.json", yahoo(dividend))
    write("yahoo/chart_empty.json", yahoo([]))
    text = json.dumps(yahoo(full), separators=(",", ":"))
    write("yahoo/chart_truncated.json", text[: len(text) // 2])
    write("alphavantage/daily_full.json", alphavantage(full))
    write("alphavantage/daily_update.json", alphavantage(update))
    raw_split = [dict(r) for r in update]
    for r in raw_split:  # raw data: the split shows as a one-day drop to a quarter
        if r["date"] >= "2024-07-29":
            for k in ("open", "high", "low", "close", "adj_close"):
                r[k] = round(r[k] * SPLIT_FACTOR, 4)
            r["volume"] = r["volume"] * 4
    write("alphavantage/daily_unadjusted_split.json", alphavantage(raw_split))
    write("stooq/daily_full.csv", stooq(full))
    write("stooq/daily_update.csv", stooq(update))
    write("tiingo/prices_full.json", tiingo(full))
    # raw close with a 4:1 split on 07-23: earlier raw closes stay, later ones are a quarter
    raw = [dict(r) for r in update]
    for r in raw:
        if r["date"] >= "2024-07-23":
            for k in ("open", "high", "low", "close"):
                r[k] = round(r[k] * SPLIT_FACTOR, 6)
            r["adj_close"] = round(r["adj_close"] * SPLIT_FACTOR, 6)
            r["volume"] *= 4
    for r in raw:
        if r["date"] < "2024-07-23":
            r["adj_close"] = round(r["adj_close"] * SPLIT_FACTOR, 6)
    write("tiingo/prices_split.json", tiingo(raw, split_on="2024-07-23"))


if __name__ == "__main__":
    main()
