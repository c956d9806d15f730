#!/usr/bin/env python3
"""Spearman's rho with ties, computed by scipy.stats.spearmanr, for CorrelationTiesTest.

Run from the repository root with a Python that has numpy and scipy (pyenv's here: numpy 2.4,
scipy 1.17):

    python3 distill-core/src/test/python/make_spearman_fixtures.py [~/.m2/repository]

Writes distill-core/src/test/resources/eval/spearman_ties.json: each case's two score lists and
scipy's rho (ties get the mean of the ranks they span). Committed; the Java test only reads it.
The inputs are real STS gold scores, read from the dkpro jar, which are full of ties (0..5 in
steps of 0.2 or so, many exactly 5.0 or 0.0), against predictions with ties of their own.
"""
import json
import os
import sys
import zipfile

import numpy as np
import scipy
from scipy.stats import spearmanr

M2 = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.m2/repository")
DKPRO = os.path.join(M2, "org/dkpro/similarity/dkpro-similarity-uima-data-asl/2.3.0/"
                         "dkpro-similarity-uima-data-asl-2.3.0.jar")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "eval", "spearman_ties.json")


def gold(name):
    with zipfile.ZipFile(DKPRO) as z:
        lines = z.read(name).decode("utf-8").splitlines()
    return [float(line) for line in lines if line.strip()]


rng = np.random.default_rng(20261203)
cases = []


def add(name, x, y):
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    rho = spearmanr(x, y).statistic
    ties_x = len(x) - len(set(x))
    ties_y = len(y) - len(set(y))
    cases.append({"name": name, "x": x, "y": y, "rho": float(rho), "tied_x": ties_x, "tied_y": ties_y})


fnwn = gold("goldstandards/sts-2013/test/STS.gs.FNWN.txt")
# predictions: gold plus noise, rounded to one decimal (ties on both sides)
add("sts2013_FNWN_gold_vs_noisy_rounded", fnwn, np.round(np.array(fnwn) + rng.normal(0, 1.0, len(fnwn)), 1))
msrvid = gold("goldstandards/semeval-2012/test/STS.gs.MSRvid.txt")
# predictions on a coarse 0..5 integer scale: heavy ties
add("sts2012_MSRvid_gold_vs_integer_scale", msrvid,
    np.clip(np.round(np.array(msrvid) + rng.normal(0, 1.5, len(msrvid))), 0, 5))
# a prediction that is constant except for two values (almost everything tied)
y = np.zeros(len(fnwn))
y[int(np.argmax(fnwn))] = 1.0
y[int(np.argmin(fnwn))] = -1.0
add("sts2013_FNWN_gold_vs_almost_constant", fnwn, y)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"generator": "distill-core/src/test/python/make_spearman_fixtures.py",
               "scipy": scipy.__version__, "cases": cases}, f, indent=1)
for c in cases:
    print(f"{c['name']}: n={len(c['x'])}, tied x {c['tied_x']}, tied y {c['tied_y']}, rho={c['rho']:.12f}")
