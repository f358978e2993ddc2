"""Vectorised NumPy reference of one replicated-SGD epoch on the binary perceptron (storage, +-1 inputs),
the baseline the gradient-solvers issue asks to beat by 20x. Same update as
Sources/FlatMinima/Solvers/Gradient/ReplicatedSGD.swift with its defaults (least-action rule, batch 10,
lr 2, coupling 0.3, centre of mass with target tanh(gamma*y*m_c)):

    h_a <- h_a + lr * sum_{mu in B_a, Delta <= 0} sigma x  +  lambda * (tanh(gamma*y*m_c) - w_a),  w_a = sign(h_a)

To give NumPy its best case, the y replicas take their mini-batch steps together (one batched einsum per
round, centre updated after the round) instead of one after the other, and the inputs are float64 so
that the products go through BLAS-style kernels. An epoch also counts the centre's training errors once,
as FlatMinima does.

Run:  python3 Benchmarks/numpy/rsgd_reference.py [N] [alpha] [replicas] [epochs]
      (defaults 1001 0.6 5 5; needs numpy). Prints seconds per epoch, the best of 3 runs.
"""
import math
import sys
import time

import numpy as np


def epoch(x, sigma, h, w, total, rng, batch, lr, coupling, gamma):
    y, n = w.shape
    p = x.shape[0]
    perms = np.stack([rng.permutation(p) for _ in range(y)])
    counts = np.arange(y + 1)
    table = np.tanh(gamma * (2 * counts - y))
    root = math.sqrt(n)
    for start in range(0, p, batch):
        idx = perms[:, start:start + batch]                     # y x B
        xb = x[idx]                                               # y x B x N
        sb = sigma[idx]                                           # y x B
        delta = sb * np.einsum("ybn,yn->yb", xb, w) / root
        c = np.where(delta <= 0, sb, 0.0)
        d = np.einsum("yb,ybn->yn", c, xb)
        target = table[((total + y) // 2).astype(np.int64)]      # N
        h += lr * d + coupling * (target[None, :] - w)
        new = np.where(h > 0, 1.0, -1.0)
        total += (new - w).sum(axis=0)
        w[...] = new
    center = np.where(total >= 0, 1.0, -1.0)
    return int(np.sum(sigma * (x @ center) <= 0))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1001
    alpha = float(sys.argv[2]) if len(sys.argv) > 2 else 0.6
    y = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    p = int(round(alpha * n))
    rng = np.random.default_rng(1)
    x = rng.choice([-1.0, 1.0], size=(p, n))
    sigma = rng.choice([-1.0, 1.0], size=p)

    def run():
        start = rng.choice([-1.0, 1.0], size=n)
        h = np.tile(start, (y, 1))
        w = h.copy()
        total = w.sum(axis=0)
        for _ in range(epochs):
            epoch(x, sigma, h, w, total, rng, batch=10, lr=2.0, coupling=0.3, gamma=0.02)

    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    print(f"N={n} alpha={alpha} P={p} y={y} numpy={np.__version__}")
    print(f"rsgd seconds/epoch {min(times) / epochs:.5f}")


if __name__ == "__main__":
    main()
