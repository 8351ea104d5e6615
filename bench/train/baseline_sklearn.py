"""scikit-learn baseline for the training benchmark (bench/train/run.ts).

Reads the same train (Jan-Mar 2001) and test (Apr-Jun 2001) CSVs as the TypeScript runner and builds
the same features:
  distance            raw number
  origin, destination ordinal codes from CODES.json (written by our transform spec fitted on the train
                      rows: code 0 = other / unseen, 1.. = the kept categories), declared categorical
  dayOfWeek           0 = Sunday .. 6 = Saturday (JavaScript getUTCDay, not pandas' Monday = 0)
  hour                0..23 of the departure time
Targets: delay (regression, RMSE) and late = delay > 15 (binary, AUC).

Cases (same names as core-runner.ts):
  gbdt-reg[-nohour]  HistGradientBoostingRegressor
  gbdt-bin[-nohour]  HistGradientBoostingClassifier
      max_iter=100, learning_rate=0.1, max_leaf_nodes=31, max_bins=255, min_samples_leaf=20,
      l2_regularization=0, early_stopping=False, categorical_features=[origin, destination]
  ridge-reg          Ridge(alpha=1), solver auto (= sparse_cg for sparse input with an intercept), on
                     the design our linear model builds internally: distance,
                     dayOfWeek, hour standardised with the train mean and population std; origin and
                     destination one-hot (sparse CSR) for codes 1.., code 0 the dropped reference.
                     Its fitSeconds include building that design (ours builds it inside trainLinear).
  logistic-bin       LogisticRegression(C=1, lbfgs) on the same design.

Prints one JSON line: {rows, testRows, loadSeconds, threads, cases: {name: {fitSeconds, fitCpuSeconds
(process CPU time, all threads), predictSeconds, metric, value}}}. Thread count: set OMP_NUM_THREADS before starting.

    OMP_NUM_THREADS=2 /usr/bin/python3 bench/train/baseline_sklearn.py TRAIN.csv TEST.csv CODES.json CASES
"""

import json
import os
import sys
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_squared_error, roc_auc_score

LINEAR_L2 = 1.0
HGB = dict(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, max_depth=None, max_bins=255,
           min_samples_leaf=20, l2_regularization=0.0, early_stopping=False, random_state=42)


def features(path: str, codes: dict) -> tuple:
    df = pd.read_csv(path, dtype={"delay": "float64", "distance": "float64", "origin": "string",
                                  "destination": "string", "date": "string"})
    date = pd.to_datetime(df["date"], format="%Y-%m-%dT%H:%M:%S")
    cols = {"distance": df["distance"].to_numpy(np.float64)}
    for c in ("origin", "destination"):
        index = {v: k for k, v in enumerate(codes[c]) if k > 0}
        cols[c] = df[c].map(index).fillna(0).to_numpy(np.float64)
    cols["dayOfWeek"] = ((date.dt.dayofweek.to_numpy() + 1) % 7).astype(np.float64)
    cols["hour"] = date.dt.hour.to_numpy().astype(np.float64)
    delay = df["delay"].to_numpy(np.float64)
    return cols, delay, (delay > 15).astype(np.float64)


def matrix(cols: dict, names: list) -> np.ndarray:
    return np.column_stack([cols[n] for n in names])


def linear_design(cols: dict, stats: dict, cardinality: dict) -> sp.csr_matrix:
    """Standardised numbers + one-hot codes 1.. (code 0 dropped), as our trainLinear builds it."""
    n = len(cols["distance"])
    blocks = [sp.csr_matrix(np.column_stack([(cols[c] - stats[c][0]) / stats[c][1] for c in ("distance", "dayOfWeek", "hour")]))]
    for c in ("origin", "destination"):
        code = cols[c].astype(np.int64)
        keep = code > 0
        blocks.append(sp.csr_matrix((np.ones(keep.sum()), (np.flatnonzero(keep), code[keep] - 1)), shape=(n, cardinality[c] - 1)))
    return sp.hstack(blocks, format="csr")


def main() -> None:
    train_path, test_path, codes_path, cases_arg = sys.argv[1:5]
    codes = json.load(open(codes_path))
    t0 = time.perf_counter()
    tr, y_reg, y_bin = features(train_path, codes)
    te, t_reg, t_bin = features(test_path, codes)
    load_seconds = time.perf_counter() - t0
    cardinality = {c: len(codes[c]) for c in ("origin", "destination")}

    cases = {}
    for name in [c for c in cases_arg.split(",") if c]:
        task = "regression" if "-reg" in name else "binary"
        y, t = (y_reg, t_reg) if task == "regression" else (y_bin, t_bin)
        if name.startswith("gbdt"):
            names = ["distance", "origin", "destination", "dayOfWeek"] + ([] if name.endswith("-nohour") else ["hour"])
            xa, xb = matrix(tr, names), matrix(te, names)
            cat = [names.index("origin"), names.index("destination")]
            model = (HistGradientBoostingRegressor(loss="squared_error", categorical_features=cat, **HGB) if task == "regression"
                     else HistGradientBoostingClassifier(loss="log_loss", categorical_features=cat, **HGB))
            t1, c1 = time.perf_counter(), time.process_time()
            model.fit(xa, y)
            fit, fit_cpu = time.perf_counter() - t1, time.process_time() - c1
            t2 = time.perf_counter()
            pred = model.predict(xb) if task == "regression" else model.predict_proba(xb)[:, 1]
            predict = time.perf_counter() - t2
        else:
            t1, c1 = time.perf_counter(), time.process_time()
            # Train mean and population std (ddof=0), as trainLinear standardises.
            stats = {c: (tr[c].mean(), tr[c].std() or 1.0) for c in ("distance", "dayOfWeek", "hour")}
            xa = linear_design(tr, stats, cardinality)
            model = Ridge(alpha=LINEAR_L2) if task == "regression" else LogisticRegression(C=1 / LINEAR_L2, max_iter=1000)
            model.fit(xa, y)
            fit, fit_cpu = time.perf_counter() - t1, time.process_time() - c1
            t2 = time.perf_counter()
            xb = linear_design(te, stats, cardinality)
            pred = model.predict(xb) if task == "regression" else model.predict_proba(xb)[:, 1]
            predict = time.perf_counter() - t2
        value = float(np.sqrt(mean_squared_error(t, pred))) if task == "regression" else float(roc_auc_score(t, pred))
        cases[name] = {"fitSeconds": fit, "fitCpuSeconds": fit_cpu, "predictSeconds": predict, "metric": "rmse" if task == "regression" else "auc", "value": value}
        if name.startswith("gbdt"):
            cases[name]["iterations"] = int(model.n_iter_)
        print(f"  sklearn {name}: fit {fit:.2f} s, {cases[name]['metric']} {value:.4f}", file=sys.stderr)

    print(json.dumps({"rows": len(y_reg), "testRows": len(t_reg), "loadSeconds": load_seconds,
                      "threads": os.environ.get("OMP_NUM_THREADS"), "sklearn": sklearn.__version__, "cases": cases}))


if __name__ == "__main__":
    main()
