"""Vectorised NumPy/SciPy references of FlatMinima's BP and AMP iterations (binary perceptron storage),
the baselines the message-passing issue asks to beat. Same equations as
Sources/FlatMinima/Solvers/MessagePassing/{PerceptronBP,AMP}.swift (SCIENCE.md §3).

Run:  python3 Benchmarks/numpy/reference.py [N] [alpha] [iterations]
      (defaults 2001 0.6 10; needs numpy and scipy). Prints seconds per iteration, the best of 3 runs.
"""
import sys
import time

import numpy as np
from scipy.special import log_ndtr, ndtr


def log_h(x):
    # log H(x) = log Phi(-x)
    return log_ndtr(-x)


def bp_iteration(xi, u, theta, damping):
    """One parallel BP iteration; xi: P x N (+-1, labels absorbed), u: P x N fields."""
    h = u.sum(axis=0)
    cav = h[None, :] - u
    m = np.tanh(cav)
    v = 1.0 - m * m
    big_m = (xi * m).sum(axis=1, keepdims=True)
    big_v = v.sum(axis=1, keepdims=True)
    mc = big_m - xi * m
    vc = np.maximum(big_v - v, 1e-12)
    s = 1.0 / np.sqrt(vc)
    a = theta - mc
    new = 0.5 * (log_h((a - xi) * s) - log_h((a + xi) * s))
    np.clip(new, -30, 30, out=new)
    return damping * u + (1 - damping) * new


def amp_iteration(x, y, m, v, g, n, kappa, damping):
    """One AMP iteration, binary prior; x: P x N float64 (+-1), y: labels."""
    big_v = (x * x) @ v / n
    omega = x @ m / np.sqrt(n) - big_v * g
    sv = np.sqrt(big_v)
    u = (kappa - y * omega) / sv
    r = np.exp(-0.5 * u * u - log_ndtr(-u)) / np.sqrt(2 * np.pi)
    g = y * r / sv
    dg = -r * (r - u) / big_v
    a = -((x * x).T @ dg) / n
    b = x.T @ g / np.sqrt(n) + a * m
    new_m = np.tanh(b)
    m = damping * m + (1 - damping) * new_m
    v = damping * v + (1 - damping) * (1 - new_m ** 2)
    return m, v, g


def best_of(f, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2001
    alpha = float(sys.argv[2]) if len(sys.argv) > 2 else 0.6
    iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    p = int(round(alpha * n))
    rng = np.random.default_rng(1)
    x = rng.choice([-1.0, 1.0], size=(p, n))
    y = rng.choice([-1.0, 1.0], size=p)
    xi = x * y[:, None]
    u = rng.uniform(-0.01, 0.01, size=(p, n))

    def run_bp():
        nonlocal u
        for _ in range(iterations):
            u = bp_iteration(xi, u, 0.0, 0.5)

    m = rng.uniform(-1e-3, 1e-3, size=n)
    v = 1 - m * m
    g = np.zeros(p)

    def run_amp():
        nonlocal m, v, g
        for _ in range(iterations):
            m, v, g = amp_iteration(x, y, m, v, g, n, 0.0, 0.5)

    bp = best_of(run_bp) / iterations
    amp = best_of(run_amp) / iterations
    print(f"N={n} alpha={alpha} P={p} numpy={np.__version__}")
    print(f"bp  seconds/iteration {bp:.4f}")
    print(f"amp seconds/iteration {amp:.5f}")


if __name__ == "__main__":
    main()
