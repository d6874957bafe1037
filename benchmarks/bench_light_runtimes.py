"""Candidate light runtimes for LightGBM's trees: speed per call and resident memory.

    .venv/bin/python benchmarks/bench_light_runtimes.py [--synthetic]

Rows: the lightgbm package (``Booster.predict``), LightGBM's C library through ctypes
(``models/light/lgbm_capi.py``, the one chosen), and, when ``models/light/trees.py`` exists
(commit 9590d14: ``git checkout 9590d14 -- src/tickercast/models/light/trees.py``), a numpy
walk of ``dump_model()`` node arrays. ``--synthetic`` fits on strongly autocorrelated returns
so that early stopping keeps many trees (on AMZN's real returns it keeps one). RSS is read in
a fresh interpreter after import + load + one prediction. Prints plain lines.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np


def rss_mb(body: str) -> float:
    code = (
        "import re\nimport numpy as np\n"
        + body
        + "\nstatus = open('/proc/self/status').read()"
        + "\nprint(int(re.search(r'VmRSS:\\s+(\\d+)', status).group(1)) / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def closes(synthetic: bool) -> np.ndarray:
    if not synthetic:
        from tickercast.data.providers import BundledProvider
        from tickercast.data.validation import validate_table

        return validate_table(BundledProvider().fetch("AMZN")).bars["close"].to_numpy()
    rng = np.random.default_rng(5)
    r = np.zeros(6000)
    for t in range(2, 6000):
        r[t] = 0.6 * r[t - 1] - 0.3 * r[t - 2] + 0.01 * rng.standard_normal()
    return 100 * np.exp(np.cumsum(r))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic", action="store_true")
    args = parser.parse_args()
    from tickercast.models import create_model
    from tickercast.models.light.lgbm_capi import NativeBooster

    model = create_model("lightgbm", patience=400).fit(closes(args.synthetic))
    directory = Path(tempfile.mkdtemp())
    model.save(directory)
    model_file = directory / "lightgbm.txt"
    print(f"trees kept: {model.booster_.num_trees()}")
    runtimes = {"package": model._trees, "C library": NativeBooster.from_file(model_file).predict}
    try:
        from tickercast.models.light.trees import TreeEnsemble  # type: ignore[import-not-found]

        trees = TreeEnsemble.from_dump(model.booster_.dump_model())
        runtimes["numpy"] = trees.predict
        np.savez(directory / "trees.npz", **trees.to_arrays())
    except ImportError:
        trees = None
    rng = np.random.default_rng(0)
    for n in (1, 1_000, 10_000):
        features = model._features(100 * np.exp(np.cumsum(rng.normal(0, 0.02, (n, 7)), axis=1)))
        reference = model._trees(features)
        for name, predict in runtimes.items():
            error = float(np.max(np.abs(predict(features) - reference) / np.abs(reference)))
            number = 200 if n == 1 else 5
            seconds = min(timeit.repeat(lambda p=predict, f=features: p(f), number=number)) / number
            print(f"{n:>6} windows  {name:10} {seconds * 1e6:>10.1f} us  max rel err {error:.1e}")
    one = directory / "one.npy"
    np.save(one, model._features(np.full((1, 7), 100.0)))
    print(f"RSS numpy only: {rss_mb(''):.1f} MB")
    load = (
        f"import lightgbm\nlightgbm.Booster(model_file={str(model_file)!r})"
        f".predict(np.load({str(one)!r}))"
    )
    print(f"RSS lightgbm package: {rss_mb(load):.1f} MB")
    load = (
        "from pathlib import Path\nfrom tickercast.models.light.lgbm_capi import NativeBooster\n"
        f"NativeBooster.from_file(Path({str(model_file)!r})).predict(np.load({str(one)!r}))"
    )
    print(f"RSS C library: {rss_mb(load):.1f} MB")
    if trees is not None:
        load = (
            "from tickercast.models.light.trees import TreeEnsemble\n"
            f"TreeEnsemble.from_arrays(dict(np.load({str(directory / 'trees.npz')!r})))"
            f".predict(np.load({str(one)!r}))"
        )
        print(f"RSS numpy trees: {rss_mb(load):.1f} MB")
    print(f"RSS import torch: {rss_mb('import torch'):.1f} MB")


if __name__ == "__main__":
    main()
