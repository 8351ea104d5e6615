"""pandas baseline for the flights CSV validation + profiling benchmark.

Reads bench/.data/flights-3m.csv (see prepare-data.ts) with explicit dtypes, runs the
same checks as the TypeScript validator and a per-column profile, then prints one JSON
line: {rows, seconds, rowsPerSec, peakRssMB, ...}. `seconds` covers read + checks +
profile (interpreter start-up and imports excluded).

Needs Debian's pandas (not visible to the pyenv python on PATH):
    /usr/bin/python3 bench/validate/baseline_pandas.py [CSV] [--verbose] [--repeat N]
"""

import json
import os
import resource
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CSV = os.path.join(HERE, "..", ".data", "flights-3m.csv")

REQUIRED = ["date", "delay", "distance", "origin", "destination"]
NUMERIC = ["delay", "distance"]
CATEGORICAL = ["origin", "destination"]
CODE_RE = r"^[A-Z]{3}$"
DATE_MIN = pd.Timestamp("2001-01-01")
DATE_END = pd.Timestamp("2002-01-01")  # exclusive: 2001-12-31 is included entirely
QUANTILES = np.round(np.arange(1, 100) / 100, 2)  # 0.01 .. 0.99


def read(path: str) -> pd.DataFrame:
    df = pd.read_csv(
        path,
        dtype={"date": "string", "delay": "int64", "distance": "int64",
               "origin": "category", "destination": "category"},
        engine="c",
    )
    # explicit format => vectorised strptime fast path (pandas 1.5 has no date_format=)
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%dT%H:%M:%S")
    return df


def count_bad_codes(col: pd.Series) -> int:
    """Rows whose category does not match CODE_RE (regex evaluated once per category)."""
    cats = col.cat.categories
    bad_cats = ~cats.astype(str).str.match(CODE_RE)
    if not bad_cats.any():
        return 0
    return int(np.isin(col.cat.codes.to_numpy(), np.flatnonzero(bad_cats)).sum())


def check(df: pd.DataFrame) -> dict:
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        return {"missingColumns": missing}
    d = df["date"]
    return {
        "missingColumns": [],
        "nulls": {c: int(n) for c, n in df.isna().sum().items()},
        "delayOutOfRange": int((~df["delay"].between(-120, 2000)).sum()),
        "distanceNegative": int((df["distance"] < 0).sum()),
        "originBadCode": count_bad_codes(df["origin"]),
        "destinationBadCode": count_bad_codes(df["destination"]),
        "dateOutOfRange": int(((d < DATE_MIN) | (d >= DATE_END)).sum()),
    }


def profile(df: pd.DataFrame) -> dict:
    out = {}
    for c in NUMERIC:
        s = df[c]
        q = s.quantile(QUANTILES)
        out[c] = {
            "count": int(s.count()),
            "mean": float(s.mean()),
            "var": float(s.var()),
            "min": int(s.min()),
            "max": int(s.max()),
            "quantiles": {f"{k:.2f}": float(v) for k, v in q.items()},
        }
    for c in CATEGORICAL:
        vc = df[c].value_counts()
        out[c] = {"distinct": int((vc > 0).sum()), "valueCounts": {str(k): int(v) for k, v in vc.items() if v > 0}}
    return out


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    path = next((a for a in args if not a.isdigit()), DEFAULT_CSV)

    # With --repeat N the last of N runs in this process is reported (the "warm" case).
    for _ in range(repeat):
        t0 = time.perf_counter()
        df = read(path)
        t1 = time.perf_counter()
        checks = check(df)
        prof = profile(df)
        t2 = time.perf_counter()

    rows = len(df)
    seconds = t2 - t0
    result = {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rowsPerSec": round(rows / seconds),
        "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "readSeconds": round(t1 - t0, 3),
        "checkProfileSeconds": round(t2 - t1, 3),
        "checks": checks,
        "pandas": pd.__version__,
    }
    print(json.dumps(result))
    if verbose:
        print(json.dumps(prof, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
