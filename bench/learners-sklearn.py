#!/usr/bin/python3
"""scikit-learn reference figures for the `learners` bench suite (issue 16).

Run with Debian's python3-sklearn: `/usr/bin/python3 bench/learners-sklearn.py` from the
repository root; writes bench/results/learners-sklearn.json (numbers only).

Datasets, featurisation, split and the label-efficiency protocol are those of
bench/suites/learners.mjs (its header states the rules; this file implements them again):
- birdstrikes.csv: target `Effect Amount of damage`, classes with >= 10 rows; numeric year,
  month (of `Flight Date`) and `Speed IAS in knots`; 8 categorical columns; no cost columns.
- SpamAssassin: hard-ham-1 (all), easy-ham-1 (first 2,000 by file name), spam-1 (all), spam-2
  (first 1,000); a document = Subject value + "\\n" + body, first 4,000 code points.
- Digits: public/demo/digits.zip, PNG pixels / 255.
- Split: row i is test when h(i) = ((i + 1) * 2654435761 mod 2^32) / 2^32 < 0.25; the rest
  (train + validation) trains.
"""

import io
import json
import os

# One thread, as our learners in the page: the machine is shared, and OpenMP threads fighting
# for two loaded cores made HistGradientBoosting 50x slower than single-threaded.
os.environ.setdefault("OMP_NUM_THREADS", "1")
import platform
import re
import sys
import time
import zipfile

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATEGORICAL = [
    "Airport Name",
    "Aircraft Make Model",
    "Aircraft Airline Operator",
    "Origin State",
    "Phase of flight",
    "Wildlife Size",
    "Wildlife Species",
    "Time of day",
]
NUMERIC = ["year", "month", "speed"]
SPAM_DIR = os.path.join(ROOT, "node_modules", "@stdlib", "datasets-spam-assassin", "data")
SPAM_FOLDERS = [("hard-ham-1", 0, None), ("easy-ham-1", 0, 2000), ("spam-1", 1, None), ("spam-2", 1, 1000)]
MAX_CODE_POINTS = 4000
SEEDS = [1, 2, 3]
QUICK = os.environ.get("LEARNERS_QUICK") == "1"


def is_test(i):
    return ((i + 1) * 2654435761) % 4294967296 / 4294967296 < 0.25


def birdstrikes():
    import csv

    with open(os.path.join(ROOT, "node_modules", "vega-datasets", "data", "birdstrikes.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    target = "Effect Amount of damage"
    counts = {}
    for r in rows:
        counts[r[target]] = counts.get(r[target], 0) + 1
    classes = sorted(c for c, n in counts.items() if n >= 10)
    num, cat, y, test = [], [], [], []
    for i, r in enumerate(rows):
        if r[target] not in classes:
            continue
        year, month, _ = r["Flight Date"].split("-")
        speed = r["Speed IAS in knots"]
        num.append([float(year), float(month), float(speed) if speed != "" else np.nan])
        cat.append([r[c] for c in CATEGORICAL])
        y.append(classes.index(r[target]))
        test.append(is_test(i))
    return np.array(num), np.array(cat, dtype=object), np.array(y), np.array(test), classes


def email_document(raw):
    text = raw.replace("\r\n", "\n")
    end = text.find("\n\n")
    head = text if end < 0 else text[:end]
    body = "" if end < 0 else text[end + 2 :]
    # JS: /^subject:(.*)$/im — `.` stops at line terminators (\n, \r, \u2028, \u2029).
    m = re.search(r"^subject:([^\n\r\u2028\u2029]*)$", head, re.I | re.M)
    subject = m.group(1).strip() if m else ""
    return (subject + "\n" + body)[:MAX_CODE_POINTS]


def spam_assassin():
    docs, y = [], []
    for folder, label, limit in SPAM_FOLDERS:
        d = os.path.join(SPAM_DIR, folder)
        files = sorted(f for f in os.listdir(d) if f.endswith(".json"))
        for f in files[:limit]:
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                docs.append(email_document(json.load(fh)["text"]))
            y.append(label)
    test = np.array([is_test(i) for i in range(len(docs))])
    return docs, np.array(y), test


def digits():
    from PIL import Image

    xs, ys = [], []
    with zipfile.ZipFile(os.path.join(ROOT, "public", "demo", "digits.zip")) as zf:
        for name in sorted(zf.namelist()):
            if not name.lower().endswith(".png"):
                continue
            image = Image.open(io.BytesIO(zf.read(name))).convert("L")
            xs.append(np.asarray(image, dtype=np.float64).ravel() / 255.0)
            ys.append(int(name.split("/")[-2]))
    return np.vstack(xs), np.array(ys), np.array([is_test(i) for i in range(len(ys))])


def tabular_linear():
    return Pipeline(
        [
            (
                "features",
                ColumnTransformer(
                    [
                        ("num", Pipeline([("impute", SimpleImputer(strategy="mean", add_indicator=True)), ("scale", StandardScaler())]), [0, 1, 2]),
                        ("cat", OneHotEncoder(handle_unknown="ignore"), list(range(3, 3 + len(CATEGORICAL)))),
                    ]
                ),
            ),
            ("model", LogisticRegression(C=1.0, max_iter=1000)),
        ]
    )


def tree_features(num, cat, train_cat):
    """Numbers raw; category -> index in the sorted training categories, unknown -> NaN."""
    cols = [num]
    for j in range(cat.shape[1]):
        codes = {c: k for k, c in enumerate(sorted(set(train_cat[:, j])))}
        cols.append(np.array([[codes.get(c, np.nan)] for c in cat[:, j]], dtype=np.float64))
    return np.hstack(cols)


def scores(y, pred):
    return {"accuracy": float(accuracy_score(y, pred)), "macroF1": float(f1_score(y, pred, average="macro"))}


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t0) * 1000


def tfidf():
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)


def accuracy_part(num, cat, y, test, docs, ys, ttest):
    tr, te = ~test, test
    xall = np.hstack([num, cat])
    lin, lin_ms = timed(lambda: tabular_linear().fit(xall[tr], y[tr]))
    mask = [False] * 3 + [True] * len(CATEGORICAL)
    xt_tr = tree_features(num[tr], cat[tr], cat[tr])
    xt_te = tree_features(num[te], cat[te], cat[tr])
    hgb, hgb_ms = timed(lambda: HistGradientBoostingClassifier(categorical_features=mask, random_state=0).fit(xt_tr, y[tr]))
    bird = {
        "logisticRegression": {**scores(y[te], lin.predict(xall[te])), "fitMs": lin_ms},
        "histGradientBoosting": {**scores(y[te], hgb.predict(xt_te)), "fitMs": hgb_ms, "iterations": int(hgb.n_iter_)},
    }
    dtr = [d for d, t in zip(docs, ttest) if not t]
    dte = [d for d, t in zip(docs, ttest) if t]
    vec = tfidf()
    xtr, tf_ms = timed(lambda: vec.fit_transform(dtr))
    xte = vec.transform(dte)
    lr, lr_ms = timed(lambda: LogisticRegression(C=1.0, max_iter=1000).fit(xtr, ys[~ttest]))
    spam = {"logisticRegression": {**scores(ys[ttest], lr.predict(xte)), "tfidfMs": tf_ms, "fitMs": lr_ms, "vocabulary": len(vec.vocabulary_)}}
    return {"birdstrikes": bird, "spamAssassin": spam}


def fit_part(num, cat, y, docs, ys):
    rng = np.random.default_rng(7)
    mask = [False] * 3 + [True] * len(CATEGORICAL)
    xall = np.hstack([num, cat])
    tab = []
    for size in [1000, 10000] if QUICK else [1000, 10000, 100000]:
        idx = rng.integers(0, len(y), size)
        _, lin_ms = timed(lambda: tabular_linear().fit(xall[idx], y[idx]))
        xt = tree_features(num[idx], cat[idx], cat[idx])
        hgb, hgb_ms = timed(lambda: HistGradientBoostingClassifier(categorical_features=mask, random_state=0).fit(xt, y[idx]))
        tab.append({"rows": size, "linearPipelineMs": lin_ms, "treesMs": hgb_ms, "treesIterations": int(hgb.n_iter_)})
        print(tab[-1], file=sys.stderr)
    txt = []
    for size in [1000, 5000] if QUICK else [1000, 5000, 20000]:
        idx = rng.integers(0, len(ys), size)
        vec = tfidf()
        x, tf_ms = timed(lambda: vec.fit_transform([docs[i] for i in idx]))
        _, lr_ms = timed(lambda: LogisticRegression(C=1.0, max_iter=1000).fit(x, ys[idx]))
        txt.append({"documents": size, "tfidfMs": tf_ms, "linearMs": lr_ms, "vocabulary": len(vec.vocabulary_)})
        print(txt[-1], file=sys.stderr)
    return {"tabular": tab, "text": txt, "note": "linearPipelineMs includes imputation, scaling and one-hot encoding"}


def efficiency(x, y, test, initial_per_class, batch, max_labels):
    pool = np.flatnonzero(~test)
    te = np.flatnonzero(test)
    xp, yp, xt, yt = x[pool], y[pool], x[te], y[te]
    K = int(y.max()) + 1
    full = LogisticRegression(C=1.0, max_iter=1000).fit(xp, yp)
    full_acc = float(accuracy_score(yt, full.predict(xt)))
    target = 0.9 * full_acc
    runs = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(pool))
        initial, taken = [], np.zeros(K)
        for i in order:
            if taken[yp[i]] < initial_per_class:
                taken[yp[i]] += 1
                initial.append(int(i))
        for strategy in ["random", "margin"]:
            pick = np.random.default_rng(seed * 1000 + 1)
            labelled = list(initial)
            is_l = np.zeros(len(pool), dtype=bool)
            is_l[labelled] = True
            reached, curve = None, []
            while True:
                m = LogisticRegression(C=1.0, max_iter=1000).fit(xp[labelled], yp[labelled])
                acc = float(accuracy_score(yt, m.predict(xt)))
                curve.append([len(labelled), round(acc, 4)])
                if acc >= target:
                    reached = len(labelled)
                    break
                if len(labelled) >= max_labels:
                    break
                rest = np.flatnonzero(~is_l)
                take = min(batch, max_labels - len(labelled), len(rest))
                if strategy == "random":
                    chosen = pick.choice(rest, take, replace=False)
                else:
                    p = np.sort(m.predict_proba(xp[rest]), axis=1)
                    chosen = rest[np.argsort(p[:, -1] - p[:, -2], kind="stable")[:take]]
                labelled.extend(int(c) for c in chosen)
                is_l[chosen] = True
            runs.append({"seed": seed, "strategy": strategy, "labelsToTarget": reached, "curve": curve})
            print(seed, strategy, reached, file=sys.stderr)
    cost = lambda r: r["labelsToTarget"] if r["labelsToTarget"] is not None else r["curve"][-1][0]
    mean = lambda s: float(np.mean([cost(r) for r in runs if r["strategy"] == s]))
    return {
        "poolRows": int(len(pool)),
        "testRows": int(len(te)),
        "fullDataAccuracy": full_acc,
        "target": target,
        "meanLabelsRandom": mean("random"),
        "meanLabelsMargin": mean("margin"),
        "marginOverRandom": mean("margin") / mean("random"),
        "runs": runs,
    }


def main():
    num, cat, y, test, classes = birdstrikes()
    docs, ys, ttest = spam_assassin()
    results = {"datasets": {"birdstrikes": {"rows": int(len(y)), "classes": classes, "testRows": int(test.sum())}, "spamAssassin": {"documents": len(docs), "testRows": int(ttest.sum())}}}
    results["accuracy"] = accuracy_part(num, cat, y, test, docs, ys, ttest)
    print(json.dumps(results["accuracy"], indent=1), file=sys.stderr)
    results["fitTime"] = fit_part(num, cat, y, docs, ys)
    xd, yd, dtest = digits()
    # The whole pool's TF-IDF (no labels needed), as the bench page does.
    xs = tfidf().fit_transform(docs)
    results["efficiency"] = {
        "protocol": "initial 10 random rows per class, batches of 10, text <= 1000 labels, digits <= 1000; target 90% of the full-pool accuracy",
        "spamAssassin": efficiency(xs, ys, ttest, 10, 10, 1000),
        "digits": efficiency(xd, yd, dtest, 10, 10, 1000),
    }
    out = {
        "benchmark": "learners-sklearn",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "loadAverage": [round(v, 2) for v in os.getloadavg()],
        },
        "method": "bench/learners-sklearn.py: " + (__doc__ or "").strip().splitlines()[0],
        "results": results,
    }
    path = os.path.join(ROOT, "bench", "results", "learners-sklearn.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
