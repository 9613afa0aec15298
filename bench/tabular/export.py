"""Exports the tabular benchmark's datasets (bench/run.sh tabular) from Debian packages, offline, into one folder.

Each dataset becomes NAME.csv (features, the label, a seeded fold number 0-4 and, for ML.NET's row filter,
columns k0..k4 with k_f = (fold - f) mod 5, so fold f's test rows are those with k_f = 0) and NAME.json (task,
label, numeric and categorical columns). Sources: scikit-learn's bundled files (python3-sklearn) and R packages
(r-cran-ggplot2, r-cran-mlbench, r-cran-aer) read through export.R. Nothing is downloaded.

    /usr/bin/python3 bench/tabular/export.py OUT_DIR
"""
import json
import random
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from sklearn import datasets

FOLDS = 5
FOLD_SEED = 20261207


def write(out, name, task, frame, label, categorical, source):
    frame = frame.dropna().reset_index(drop=True)
    numeric = [c for c in frame.columns if c != label and c not in categorical]
    rng = np.random.RandomState(FOLD_SEED)
    fold = np.empty(len(frame), dtype=int)
    fold[rng.permutation(len(frame))] = np.arange(len(frame)) % FOLDS
    frame = frame.copy()
    for c in categorical:
        frame[c] = frame[c].astype(str)
    frame["Fold"] = fold
    for f in range(FOLDS):
        frame[f"k{f}"] = (fold - f) % FOLDS
    frame.to_csv(os.path.join(out, name + ".csv"), index=False)
    meta = {"name": name, "task": task, "rows": len(frame), "label": label, "numeric": numeric,
            "categorical": categorical, "source": source}
    if task == "multiclass":
        meta["classes"] = int(frame[label].nunique())
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{name}: {len(frame)} rows, {len(numeric)} numeric, {len(categorical)} categorical, {task}")


def subsample(out, name, rows, seed):
    """name-<rows/1000>k: rows drawn from the written table (Python's random.Random(seed) shuffle of its lines), its
    folds kept. Not in the benchmark's table list: a clean regression inside the small-data range (BENCHMARKS.md
    section 8, "A smaller network for small tables"), for `tabular --datasets diamonds-6k`."""
    small = f"{name}-{rows // 1000}k"
    with open(os.path.join(out, name + ".csv")) as f:
        lines = f.read().splitlines()
    body = lines[1:]
    random.Random(seed).shuffle(body)
    with open(os.path.join(out, small + ".csv"), "w") as f:
        f.write("\n".join([lines[0]] + body[:rows]) + "\n")
    with open(os.path.join(out, name + ".json")) as f:
        meta = json.load(f)
    meta.update(name=small, rows=rows, source=meta["source"] + f" ({rows:,} rows drawn with random.Random({seed}), folds kept)")
    with open(os.path.join(out, small + ".json"), "w") as f:
        json.dump(meta, f)
    print(f"{small}: {rows} rows drawn from {name}")


def clean(columns):
    return [c.replace(" ", "_").replace("(", "").replace(")", "").replace(".", "_") for c in columns]


def sklearn_frame(bunch, label):
    frame = pd.DataFrame(bunch.data, columns=clean(bunch.feature_names))
    frame[label] = bunch.target
    return frame


def main(out):
    os.makedirs(out, exist_ok=True)
    bc = sklearn_frame(datasets.load_breast_cancer(), "Label")
    write(out, "breast-cancer", "binary", bc, "Label", [], "scikit-learn load_breast_cancer (UCI WDBC); label 1 = benign")
    digits = datasets.load_digits()
    dg = pd.DataFrame(digits.data, columns=[f"p{i}" for i in range(64)])
    dg["Label"] = digits.target
    write(out, "digits", "multiclass", dg, "Label", [], "scikit-learn load_digits (UCI optical digits, 8x8)")
    db = sklearn_frame(datasets.load_diabetes(), "Label")
    write(out, "diabetes", "regression", db, "Label", [], "scikit-learn load_diabetes (Efron et al. 2004)")

    subprocess.run(["Rscript", os.path.join(os.path.dirname(__file__), "export.R"), out], check=True)
    hmda = pd.read_csv(os.path.join(out, "r-hmda.csv"))
    hmda["Label"] = (hmda.pop("deny") == "yes").astype(int)
    write(out, "hmda", "binary", hmda, "Label",
          ["chist", "mhist", "phist", "selfemp", "insurance", "condomin", "afam", "single", "hschool"],
          "R AER::HMDA (Boston HMDA mortgage denials, Munnell et al. 1996); label 1 = denied")
    letter = pd.read_csv(os.path.join(out, "r-letter.csv"))
    letter["Label"] = letter.pop("lettr")
    letter.columns = clean(letter.columns)
    write(out, "letter", "multiclass", letter, "Label", [], "R mlbench::LetterRecognition (UCI letter, Frey and Slate 1991)")
    diamonds = pd.read_csv(os.path.join(out, "r-diamonds.csv"))
    diamonds["Label"] = diamonds.pop("price").astype(float)
    write(out, "diamonds", "regression", diamonds, "Label", ["cut", "color", "clarity"],
          "R ggplot2::diamonds; label = price in US dollars")
    subsample(out, "diamonds", 6000, seed=15)
    for f in ("r-hmda.csv", "r-letter.csv", "r-diamonds.csv"):
        os.remove(os.path.join(out, f))


if __name__ == "__main__":
    main(sys.argv[1])
