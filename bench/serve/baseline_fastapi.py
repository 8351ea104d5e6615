"""FastAPI + uvicorn + scikit-learn baseline for the serving benchmark (bench/serve/run.ts).

The equivalent of our predict endpoint for one flights record: pydantic validates the record (date a
datetime, distance an integer, origin and destination strings, no other field), the features are built
as our dev transform spec builds them, and a HistGradientBoostingRegressor with the dev config's
hyperparameters answers.

Features (same as ours): distance; origin and destination as native categories with the codes our
transform spec fitted (CODES.json: code 0 = other / unseen, 1.. = the 64 kept categories), declared
categorical; dayOfWeek (0 = Sunday, JavaScript's getUTCDay), hour and month (1-12) of the date (naive = UTC).

    /usr/bin/python3 baseline_fastapi.py train TRAIN.csv CODES.json MODEL.pkl   # fit once, pickle
    /usr/bin/python3 baseline_fastapi.py serve MODEL.pkl PORT WORKERS           # uvicorn on 127.0.0.1

Training prints one JSON line {rows, fitSeconds, sklearn}; serving prints nothing on stdout.
Needs Debian's packages (visible to /usr/bin/python3 only):
    apt-get install -y python3-fastapi python3-uvicorn python3-sklearn python3-pandas
"""

import json
import os
import pickle
import sys
import time
from datetime import datetime, timezone

import numpy as np

HGB = dict(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, early_stopping=False, random_state=42)
FEATURES = ["distance", "origin", "destination", "dayOfWeek", "hour", "month"]


def train(train_path: str, codes_path: str, model_path: str) -> None:
    import pandas as pd
    import sklearn
    from sklearn.ensemble import HistGradientBoostingRegressor

    codes = json.load(open(codes_path))
    df = pd.read_csv(train_path, dtype={"delay": "float64", "distance": "float64", "origin": "string",
                                        "destination": "string", "date": "string"})
    date = pd.to_datetime(df["date"], format="%Y-%m-%dT%H:%M:%S")
    cols = {"distance": df["distance"].to_numpy(np.float64)}
    for c in ("origin", "destination"):
        index = {v: k for k, v in enumerate(codes[c]) if k > 0}
        cols[c] = df[c].map(index).fillna(0).to_numpy(np.float64)
    cols["dayOfWeek"] = ((date.dt.dayofweek.to_numpy() + 1) % 7).astype(np.float64)
    cols["hour"] = date.dt.hour.to_numpy().astype(np.float64)
    cols["month"] = date.dt.month.to_numpy().astype(np.float64)
    x = np.column_stack([cols[n] for n in FEATURES])
    t0 = time.perf_counter()
    model = HistGradientBoostingRegressor(categorical_features=[1, 2], **HGB).fit(x, df["delay"].to_numpy(np.float64))
    fit = time.perf_counter() - t0
    with open(model_path, "wb") as f:
        pickle.dump({"model": model, "codes": codes}, f)
    print(json.dumps({"rows": len(df), "fitSeconds": fit, "sklearn": sklearn.__version__}))


# ---- the app (imported by each uvicorn worker; the model path comes from the environment) ----
from fastapi import FastAPI  # noqa: E402
from pydantic import BaseModel, Extra, StrictInt, StrictStr  # noqa: E402


class Flight(BaseModel):
    """One record, checked as our request contract checks it."""

    date: datetime
    distance: StrictInt
    origin: StrictStr
    destination: StrictStr
    delay: StrictInt | None = None

    class Config:
        extra = Extra.forbid


app = FastAPI()
_state: dict = {}


def _model() -> dict:
    if not _state:
        with open(os.environ["SERVE_MODEL"], "rb") as f:
            loaded = pickle.load(f)
        loaded["index"] = {c: {v: k for k, v in enumerate(cats) if k > 0} for c, cats in loaded["codes"].items()}
        _state.update(loaded)
    return _state


@app.on_event("startup")
def _load() -> None:
    _model()


@app.post("/")
async def predict(flight: Flight) -> dict:
    m = _model()
    d = flight.date if flight.date.tzinfo is None else flight.date.astimezone(timezone.utc)
    row = [[float(flight.distance), float(m["index"]["origin"].get(flight.origin, 0)),
            float(m["index"]["destination"].get(flight.destination, 0)),
            float((d.weekday() + 1) % 7), float(d.hour), float(d.month)]]
    return {"predictions": [float(m["model"].predict(np.asarray(row))[0])]}


def serve(model_path: str, port: int, workers: int) -> None:
    import uvicorn

    os.environ["SERVE_MODEL"] = model_path
    uvicorn.run("baseline_fastapi:app", host="127.0.0.1", port=port, workers=workers, log_level="warning",
                access_log=False, app_dir=os.path.dirname(os.path.abspath(__file__)))


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(*sys.argv[2:5])
    else:
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
