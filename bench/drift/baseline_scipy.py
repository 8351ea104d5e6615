"""scipy/pandas baseline of the drift benchmark (bench/drift/run.ts): the drift report of CURRENT against
REFERENCE with the same methods, thresholds, bins and "other" handling as lambda/core/drift/*.ts, computed
the way a pandas user would (Evidently's own stattests call these very scipy functions):

- method per column, from the reference alone (Evidently's defaults): numerical with > 5 distinct values:
  KS (scipy.stats.ks_2samp p-value, drift if p <= 0.05) when the reference has <= 1000 non-null rows, else
  scipy.stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001) (drift if >= 0.1); categorical or
  <= 5 distinct: chi-square (scipy.stats.chisquare, f_exp = reference counts scaled to the current total,
  3+ values) or the two-proportion z-test (2 values), drift if p < 0.05, for <= 1000 rows, else
  scipy.spatial.distance.jensenshannon (natural log) over category shares (drift if >= 0.1);
- categories: the 1000 most frequent reference categories by name, the rest of the reference and every
  current category not among them in one "other" cell (as the TypeScript baseline fixes them);
- PSI: numerical columns on interior edges at the reference quantiles k/bins ("inverted cdf": the
  ceil(k*n/bins)-th smallest value; duplicates and the maximum dropped), bins x <= e0, e(i-1) < x <= e(i),
  x > e(last); discrete columns on their cells; empty shares set to 1e-4.

Usage: /usr/bin/python3 baseline_scipy.py SPEC.json REF.csv CUR.csv [--repeat N] [--all-columns]
  SPEC.json: {"columns": {name: "numerical" | "categorical"}, "thresholds": {method: value},
              "datasetDriftShare": 0.5, "psiBins": 10, "datetimes": [name]}
  --all-columns: read every column of the files and parse the datetime ones (the work our reader does);
                 by default only the compared columns are read (usecols).
Prints one JSON line: rows, readSeconds, computeSeconds (first pass), computeWarmSeconds (best of the
other passes), e2eSeconds = read + first compute, peakRssMB, versions, per-column results.
Needs Debian's scipy and pandas (apt-get install -y python3-scipy python3-pandas), i.e. /usr/bin/python3.
"""

import json
import math
import resource
import sys
import time

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial import distance

SMALL_REFERENCE_ROWS = 1000
MAX_DISCRETE_VALUES = 5
CATEGORY_CAP = 1000
PSI_EPSILON = 1e-4


def read(path, columns, datetimes=None):
    """The compared columns only (usecols); with `datetimes` (--all-columns) every column, dates parsed, as ours reads."""
    dtype = {c: ("float64" if kind == "numerical" else "category") for c, kind in columns.items()}
    if datetimes is None:
        return pd.read_csv(path, usecols=list(columns), dtype=dtype, engine="c")
    df = pd.read_csv(path, dtype={**dtype, **{c: "string" for c in datetimes}}, engine="c")
    for c in datetimes:
        # explicit format: pandas' vectorised strptime path
        df[c] = pd.to_datetime(df[c], format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    return df


def select_method(kind, rows, unique):
    small = rows <= SMALL_REFERENCE_ROWS
    discrete = kind == "categorical" or unique <= MAX_DISCRETE_VALUES
    if discrete:
        return ("chisquare" if unique > 2 else "z") if small else "jensenshannon"
    return "ks" if small else "wasserstein"


def psi(ref_cells, cur_cells):
    r = np.asarray(ref_cells, dtype=float)
    c = np.asarray(cur_cells, dtype=float)
    if r.sum() == 0 or c.sum() == 0:
        return math.nan
    r = r / r.sum()
    c = c / c.sum()
    r[r == 0] = PSI_EPSILON
    c[c == 0] = PSI_EPSILON
    return float(np.sum((r - c) * np.log(r / c)))


def psi_edges(ref, bins):
    n = len(ref)
    idx = sorted({-(-k * n // bins) - 1 for k in range(1, bins)})
    part = np.partition(ref, idx)
    top = ref.max()
    edges = []
    for k in range(1, bins):
        e = part[-(-k * n // bins) - 1]
        if e < top and (not edges or e > edges[-1]):
            edges.append(e)
    return np.asarray(edges, dtype=float)


def discrete_cells(ref, cur):
    """Reference and current counts over the kept reference categories plus "other" (last)."""
    rc = ref.value_counts(dropna=True)
    rc = rc[rc > 0]
    # the most frequent CATEGORY_CAP, ties by name; the cell order does not change any score
    kept = sorted(rc.items(), key=lambda kv: (-kv[1], str(kv[0])))[:CATEGORY_CAP]
    names = [k for k, _ in kept]
    ref_cells = np.array([c for _, c in kept] + [int(rc.sum()) - sum(c for _, c in kept)], dtype=float)
    cc = cur.value_counts(dropna=True)
    cur_kept = cc.reindex(names, fill_value=0).to_numpy(dtype=float)
    cur_cells = np.append(cur_kept, float(cc.sum()) - cur_kept.sum())
    return ref_cells, cur_cells, len(rc), int(rc.sum())


def chisquare_p(ref_cells, cur_cells):
    n, m = ref_cells.sum(), cur_cells.sum()
    observed = cur_cells
    expected = ref_cells * m / n
    keep = (observed > 0) | (expected > 0)
    observed, expected = observed[keep], expected[keep]
    if len(observed) < 2:
        return 1.0
    if np.any((expected == 0) & (observed > 0)):
        return 0.0
    return float(stats.chisquare(observed, expected).pvalue)


def z_p(ref_cells, cur_cells):
    n, m = ref_cells.sum(), cur_cells.sum()
    p1, p2 = ref_cells[0] / n, cur_cells[0] / m
    pooled = (ref_cells[0] + cur_cells[0]) / (n + m)
    var = pooled * (1 - pooled) * (1 / n + 1 / m)
    if not var > 0:
        return 1.0
    return float(2 * stats.norm.sf(abs((p1 - p2) / math.sqrt(var))))


def column_drift(kind, ref, cur, thresholds, psi_bins):
    if kind == "numerical":
        r = ref.to_numpy(dtype=float)
        c = cur.to_numpy(dtype=float)
        r = r[np.isfinite(r)]
        c = c[np.isfinite(c)]
        unique = len(pd.unique(r))
        method = select_method("numerical", len(r), unique)
        if method in ("ks", "wasserstein"):
            if method == "ks":
                score = float(stats.ks_2samp(r, c).pvalue)
            else:
                score = float(stats.wasserstein_distance(r, c) / max(np.std(r), 0.001))
            edges = psi_edges(r, psi_bins)
            rc = np.bincount(np.searchsorted(edges, r, side="left"), minlength=len(edges) + 1)
            cc = np.bincount(np.searchsorted(edges, c, side="left"), minlength=len(edges) + 1)
            return method, score, psi(rc, cc), len(r)
        ref_s, cur_s = pd.Series(r), pd.Series(c)
    else:
        ref_s, cur_s = ref, cur
        method = None
    ref_cells, cur_cells, unique, rows = discrete_cells(ref_s, cur_s)
    method = method or select_method("categorical", rows, unique)
    if method == "jensenshannon":
        score = float(distance.jensenshannon(ref_cells, cur_cells))
    elif method == "chisquare":
        score = chisquare_p(ref_cells, cur_cells)
    else:
        score = z_p(ref_cells, cur_cells)
    return method, score, psi(ref_cells, cur_cells), rows


def drifted(method, score, threshold):
    if math.isnan(score):
        return False
    if method == "ks":
        return score <= threshold
    if method in ("chisquare", "z"):
        return score < threshold
    return score >= threshold


def report(spec, ref_df, cur_df):
    columns = {}
    for name, kind in spec["columns"].items():
        method, score, psi_value, rows = column_drift(kind, ref_df[name], cur_df[name], spec["thresholds"], spec["psiBins"])
        threshold = spec["thresholds"][method]
        columns[name] = {"method": method, "score": score, "threshold": threshold,
                         "drifted": drifted(method, score, threshold), "psi": psi_value, "referenceCount": rows}
    count = sum(1 for c in columns.values() if c["drifted"])
    share = count / len(columns) if columns else 0
    return {"columns": columns, "driftedCount": count, "driftedShare": share,
            "datasetDrift": bool(columns) and share >= spec["datasetDriftShare"]}


def main():
    spec_path, ref_path, cur_path = sys.argv[1:4]
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 2
    with open(spec_path) as f:
        spec = json.load(f)
    datetimes = spec.get("datetimes", []) if "--all-columns" in sys.argv else None
    t0 = time.perf_counter()
    ref_df = read(ref_path, spec["columns"], datetimes)
    cur_df = read(cur_path, spec["columns"], datetimes)
    t1 = time.perf_counter()
    result = report(spec, ref_df, cur_df)
    t2 = time.perf_counter()
    warm = []
    for _ in range(repeat - 1):
        t = time.perf_counter()
        report(spec, ref_df, cur_df)
        warm.append(time.perf_counter() - t)
    print(json.dumps({
        "referenceRows": len(ref_df),
        "currentRows": len(cur_df),
        "readSeconds": t1 - t0,
        "computeSeconds": t2 - t1,
        "computeWarmSeconds": min(warm) if warm else t2 - t1,
        "e2eSeconds": t2 - t0,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__},
        **result,
    }))


if __name__ == "__main__":
    main()
