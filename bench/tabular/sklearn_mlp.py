"""scikit-learn's MLPClassifier / MLPRegressor on the tabular benchmark's folds (bench/run.sh tabular).

Same files and folds as the ML.NET contenders (the Fold column written by export.py); the same featurisation
(one-hot for categorical columns, then standardisation of every column); the estimator's defaults (one hidden
layer of 100, Adam, batch min(200, n), up to 200 epochs, stop after 10 epochs without a 1e-4 loss gain), seeded
per fold. The regression target is standardised for training (TransformedTargetRegressor), as MLNetDeep does.

    /usr/bin/python3 bench/tabular/sklearn_mlp.py DATA_DIR OUT_CSV [dataset,dataset,...]
"""
import csv
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score, roc_auc_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def run(data_dir, out_csv, names):
    with open(out_csv, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["dataset", "task", "contender", "fold", "metric1", "metric2", "train_seconds"])
        for name in names:
            meta = json.load(open(os.path.join(data_dir, name + ".json")))
            frame = pd.read_csv(os.path.join(data_dir, name + ".csv"), keep_default_na=False)
            cat, num, label = meta["categorical"], meta["numeric"], meta["label"]
            for c in cat:
                frame[c] = frame[c].astype(str)
            for fold in range(5):
                train, test = frame[frame.Fold != fold], frame[frame.Fold == fold]
                features = ColumnTransformer([("num", "passthrough", num)] +
                                             ([("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat)] if cat else []))
                task = meta["task"]
                if task == "regression":
                    model = TransformedTargetRegressor(
                        regressor=make_pipeline(features, StandardScaler(), MLPRegressor(random_state=fold)),
                        transformer=StandardScaler())
                else:
                    model = make_pipeline(features, StandardScaler(), MLPClassifier(random_state=fold))
                start = time.perf_counter()
                model.fit(train[num + cat], train[label])
                seconds = time.perf_counter() - start
                x = test[num + cat]
                if task == "binary":
                    m1 = accuracy_score(test[label], model.predict(x))
                    m2 = roc_auc_score(test[label], model.predict_proba(x)[:, 1])
                elif task == "multiclass":
                    m1 = accuracy_score(test[label], model.predict(x))
                    m2 = log_loss(test[label], model.predict_proba(x), labels=model.classes_)
                else:
                    p = model.predict(x)
                    m1 = float(np.sqrt(mean_squared_error(test[label], p)))
                    m2 = r2_score(test[label], p)
                out.writerow([name, task, "sklearn-mlp", fold, repr(float(m1)), repr(float(m2)), repr(seconds)])
                f.flush()
                print(f"{name} fold {fold} sklearn-mlp: {m1:.4f} {m2:.4f} ({seconds:.1f} s)", flush=True)


if __name__ == "__main__":
    default = "breast-cancer,hmda,digits,letter,diabetes,diamonds"
    run(sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else default).split(","))
