#!/usr/bin/env python3
"""Checks of scripts/theory/local_entropy.py (pytest, or `python3 test_local_entropy.py` for plain asserts).

Sources of the reference values:
- Krauth & Mezard, J. Phys. France 50, 3057 (1989): RS capacity of the binary perceptron alpha_c = 0.833
  (kappa = 0), the zero of the Gardner entropy.
- Huang & Kabashima, PRE 90, 052813 (2014) (arXiv 1408.1784): the RS Franz-Parisi local entropy of a typical
  solution is negative at small d > 0 for every alpha > 0 (isolated solutions) and its maximum, at the
  typical distance d0 = (1 - q)/2, is the equilibrium (Gardner) entropy.
- Baldassi, Ingrosso, Lucibello, Saglietti & Zecchina, PRL 115, 128101 (2015) (arXiv 1509.05753): the RS
  local entropy of the densest regions (y -> infinity) approaches the ceiling H2(d) at small d for
  alpha < alpha_U ~= 0.77; the same value 0.77 (RS) for the load where the local entropy turns
  non-monotonic is quoted by Baldassi, Malatesta, Perugini & Zecchina, PRE 108, 024310 (2023)
  (arXiv 2304.13871).
No point value of S(d) was read off the papers' figures: the stored copies give no tables.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import local_entropy as le  # noqa: E402

GARDNER_05 = 0.3143900669  # S_Gardner(alpha = 0.5, kappa = 0), this script (value stated in the docs)


def test_gardner_capacity_and_value():
    q, qh, s = le.gardner(0.5)
    assert abs(s - GARDNER_05) < 1e-8, s
    # zero of the entropy at the Krauth-Mezard capacity 0.833
    assert abs(le.gardner(0.833)[2]) < 1e-3
    assert le.gardner(0.82)[2] > 0 > le.gardner(0.84)[2]
    # finer quadrature changes nothing
    assert abs(le.gardner(0.5, gauss=le.Gauss(640, 10))[2] - s) < 1e-12


def test_fp_exact_point_is_gardner():
    for alpha in (0.3, 0.5, 0.7):
        Q, Qh, s = le.gardner(alpha)
        d0 = (1 - Q) / 2
        v = le.fp_functional(le.fp_initial((Q, Qh)), alpha, 0.0, Q, (Q, Qh))
        assert abs(v - s) < 1e-8, (alpha, v, s)
        rows = le.fp_curve(alpha, 0.0, [d0 - 0.05, d0])
        assert rows[1]["S"] == s
        assert rows[0]["status"] == "ok" and rows[0]["S"] < s


def test_fp_negative_at_small_d():
    for alpha in (0.3, 0.5, 0.7):
        rows = le.fp_curve(alpha, 0.0, [0.1, 0.005])
        assert all(r["status"] == "ok" for r in rows), rows
        assert rows[1]["S"] < 0, (alpha, rows[1]["S"])
        assert rows[0]["S"] < le.h2(0.1)


def test_fp_quadrature():
    alpha, d = 0.5, 0.02
    Q, Qh, _ = le.gardner(alpha)
    gp = (Q, Qh)
    row = le.fp_curve(alpha, 0.0, [d])[0]
    x = np.array(row["params"])
    fine = le.FPGrid(2)
    s_fine = le.fp_functional(x, alpha, 0.0, 1 - 2 * d, gp, fine)
    assert abs(s_fine - row["S"]) < 1e-6, (s_fine, row["S"])


def test_dense_limits():
    # alpha = 0: the functional at c = atanh p with no disorder is the ceiling
    d = 0.1
    p = 1 - 2 * d
    v = le.dense_free_functional([math.atanh(p), 1e-300, p * p, 1e-300, 1e100], 0.0, 0.0, p)
    assert abs(v - le.h2(d)) < 1e-12
    # d -> 1/2 side: close to the Gardner entropy at d = 0.49 is not required, but S <= ceiling everywhere
    rows = le.dense_curve(0.4, 0.0, [0.3, 0.1, 0.01])
    for r in rows:
        assert r["S"] <= r["ceiling"] + 1e-9 and r["status"] in ("ok", "ceiling"), r
    assert rows[2]["ceiling"] - rows[2]["S"] < 1e-4     # touching at alpha = 0.4
    p_obs, q1_obs = le.dense_free_observables(rows[1]["params"])
    assert abs(p_obs - 0.8) < 1e-7 and abs(q1_obs - rows[1]["params"][2]) < 1e-7


def test_dense_detaches_above_alpha_u():
    c_min, d_min, _, _ = le.dense_min_slope(0.6, 0.0)
    assert c_min > 0          # monotonic below alpha_U
    c_min, d_min, _, _ = le.dense_min_slope(0.78, 0.0)
    assert c_min < 0          # dS/dd < 0 somewhere above alpha_U


def test_alpha_u():
    au, lo, hi = le.alpha_u(0.0)
    assert abs(au - 0.77) < 0.02, au


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            fn()
            print("ok", name, flush=True)
