#!/usr/bin/env python3
"""Replica-symmetric local-entropy curves of the binary perceptron (storage, margin kappa >= 0).

Reference implementation for issue 17 (docs/theory/local-entropy.md gives the equations):

  fp     Franz-Parisi local entropy S_FP(d) around a typical (equilibrium) solution
         (Huang & Kabashima, PRE 90, 052813, 2014; Huang, Wong & Kabashima, J. Phys. A 46, 375002, 2013).
  dense  large-deviation / robust-ensemble local entropy at y -> infinity, the densest regions
         (Baldassi, Ingrosso, Lucibello, Saglietti & Zecchina, PRL 115, 128101, 2015; J. Stat. Mech. 023301, 2016),
         with the reference (centre) free (robust ensemble, default) or itself a solution (--reference solution).
  gardner the RS entropy of solutions (Gardner & Derrida 1988, Krauth & Mezard 1989).
  --alpha-u  the load alpha_U above which the dense curve no longer reaches the ceiling at small d.

Notation: alpha = P/N, kappa the margin, H(x) = erfc(x/sqrt 2)/2, G(x) the standard normal density,
d = (1 - p)/2 the Hamming distance fraction (p the overlap), entropies per weight in nats; the ceiling is
H2(d) = -d log d - (1 - d) log(1 - d). Everything is replica symmetric; 1-RSB corrections are not computed.

Gaussian averages use composite Gauss-Legendre rules on [-L, L] (L = 11) with panels fine enough to resolve
the kinks of log H and log cosh at the saddle points used here; the stated accuracy (checked by doubling the
rules, see test_local_entropy.py) is ~1e-7 in S for d >= 0.005. Saddle points: scipy.optimize.root (hybr)
on the gradient of the RS functional (central differences, step 1e-5), continued in d from a point where the
solution is known in closed form; 'status' says ok / no-convergence / unphysical.
"""
import argparse
import math
import sys

import numpy as np
from scipy import optimize, special

LOG2 = math.log(2.0)
SQRT2PI = math.sqrt(2.0 * math.pi)


# ---------------------------------------------------------------- special functions, quadrature
def log_h(u):
    """log H(u), H(u) = P(z > u) for z ~ N(0, 1)."""
    return special.log_ndtr(-u)


def g_over_h(u):
    """G(u)/H(u) = d(-log H)/du, stable for all u."""
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(-0.5 * u * u - math.log(SQRT2PI) - special.log_ndtr(-u))


def log2cosh(x):
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax))


def h2(d):
    """Binary entropy in nats: the local-entropy ceiling."""
    if d <= 0.0 or d >= 1.0:
        return 0.0
    return -d * math.log(d) - (1.0 - d) * math.log1p(-d)


def gauss_legendre_panels(a, b, panels, order):
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(a, b, panels + 1)
    mid = 0.5 * (edges[1:] + edges[:-1])[:, None]
    half = 0.5 * (edges[1:] - edges[:-1])[:, None]
    return (mid + half * x).ravel(), (half * w).ravel()


class Gauss:
    """Nodes z and weights w with sum w f(z) ~ int Dz f(z) (Dz the standard normal measure)."""

    def __init__(self, panels=160, order=8, half_width=11.0):
        z, w = gauss_legendre_panels(-half_width, half_width, panels, order)
        self.z = z
        self.w = w * np.exp(-0.5 * z * z) / SQRT2PI

    def mean(self, f_values, axis=-1):
        return np.tensordot(f_values, self.w, axes=([axis], [0])) if axis != -1 else f_values @ self.w


FINE = Gauss(160, 8)      # 1-D averages
MID = Gauss(80, 6)        # outer/inner averages of 2-D and 3-D integrals


# ---------------------------------------------------------------- Gardner RS entropy
def gardner(alpha, kappa=0.0, gauss=FINE):
    """RS saddle point of the binary storage problem: returns (q, qhat, s).

    s = -qhat (1 - q)/2 + int Dz log 2cosh(sqrt(qhat) z) + alpha int Dz log H((kappa - sqrt(q) z)/sqrt(1 - q)),
    q = int Dz tanh^2(sqrt(qhat) z), qhat = alpha/(1 - q) int Dz (G/H)^2(u).
    """
    z = gauss.z

    def qhat_of(q):
        u = (kappa - math.sqrt(q) * z) / math.sqrt(1.0 - q)
        return alpha / (1.0 - q) * gauss.mean(g_over_h(u) ** 2)

    def residual(q):
        return gauss.mean(np.tanh(math.sqrt(qhat_of(q)) * z) ** 2) - q

    if alpha <= 0.0:
        return 0.0, 0.0, LOG2
    # smallest root: scan upward from small q
    grid = np.concatenate([np.geomspace(1e-12, 0.5, 60), 1.0 - np.geomspace(0.5, 1e-9, 80)[1:]])
    prev_q, prev_r = grid[0], residual(grid[0])
    root = None
    for q in grid[1:]:
        r = residual(q)
        if prev_r > 0 >= r:
            root = optimize.brentq(residual, prev_q, q, xtol=1e-15, rtol=1e-13)
            break
        prev_q, prev_r = q, r
    if root is None:
        return math.nan, math.nan, math.nan
    q = root
    qh = qhat_of(q)
    u = (kappa - math.sqrt(q) * z) / math.sqrt(1.0 - q)
    s = -qh * (1.0 - q) / 2.0 + gauss.mean(log2cosh(math.sqrt(qh) * z)) + alpha * gauss.mean(log_h(u))
    return q, qh, s


# ---------------------------------------------------------------- Moreau envelope of log H
def envelope(x0, scale, delta, bound=None):
    """max_b [ log H(u) - b^2/(2 delta) - P(b) ] elementwise, u = (-x0 - b)/scale (x0 = sqrt(q1) z - kappa).

    P(b) = w2 max(0, r0 - r1 b)^2 / 2 is the penalty of the reference-is-a-solution variant, bound = (w2, r0, r1)
    (arrays or scalars). The objective is strictly concave in b (log H is concave): safeguarded Newton on its
    derivative inside a bracket, to |step| < 1e-13. Returns (value, b*).
    """
    x0 = np.asarray(x0, dtype=float)

    def deriv(b):
        u = (-x0 - b) / scale
        r = g_over_h(u)
        g = r / scale - b / delta
        gp = -r * (r - u) / (scale * scale) - 1.0 / delta
        if bound is not None:
            w2, r0, r1 = bound
            act = (r0 - r1 * b) > 0
            g = g + w2 * r1 * np.where(act, r0 - r1 * b, 0.0)
            gp = gp - np.where(act, w2 * r1 * r1, 0.0)
        return g, gp

    lo = np.zeros_like(x0) - 1e-300
    hi = delta * (np.maximum(-x0 / scale, 0.0) + 2.0) / scale + 1e-300
    if bound is not None:
        lo = lo - 1.0
    for _ in range(200):
        g, _ = deriv(hi)
        bad = g > 0
        if not bad.any():
            break
        hi = np.where(bad, 2.0 * hi + 1.0, hi)
    for _ in range(200):
        g, _ = deriv(lo)
        bad = g < 0
        if not bad.any():
            break
        lo = np.where(bad, 2.0 * lo - 1.0, lo)
    b = 0.5 * (lo + hi)
    for _ in range(100):
        g, gp = deriv(b)
        lo = np.where(g > 0, b, lo)
        hi = np.where(g > 0, hi, b)
        nb = b - g / gp
        nb = np.where((nb > lo) & (nb < hi), nb, 0.5 * (lo + hi))
        step = np.max(np.abs(nb - b) / (1.0 + np.abs(b)))
        b = nb
        if step < 1e-13:
            break
    val = log_h((-x0 - b) / scale) - b * b / (2.0 * delta)
    if bound is not None:
        w2, r0, r1 = bound
        val = val - 0.5 * w2 * np.maximum(0.0, r0 - r1 * b) ** 2
    return val, b


# ---------------------------------------------------------------- saddle points
def gradient(f, x, step=1e-5):
    x = np.asarray(x, dtype=float)
    g = np.empty_like(x)
    for i in range(x.size):
        h = step * max(1.0, abs(x[i]))
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2.0 * h)
    return g


def _safe(f):
    def g(x):
        try:
            with np.errstate(all="ignore"):
                v = f(x)
        except (OverflowError, ValueError, ZeroDivisionError):
            return math.nan
        return v if np.isfinite(v) else math.nan
    return g


def stationary(f, x0, tol=1e-8):
    """A root of grad f near x0 (hybr). Returns (x, converged, residual norm)."""
    f = _safe(f)

    def grad(x):
        v = f(x)
        if not np.isfinite(v):
            return np.full(len(x), 1e3)
        return gradient(f, x)

    sol = optimize.root(grad, np.asarray(x0, dtype=float), method="hybr", options={"xtol": 1e-10, "maxfev": 300})
    res = float(np.max(np.abs(grad(sol.x))))
    return sol.x, bool(res < tol), res


def follow(make_f, ds, y0, tol=1e-8, max_halvings=5):
    """Continuation of a saddle point along the distances ds (in the order given) from the internal point y0,
    which must be a solution at ds[0] or close to it. Linear predictor from the last two solutions; a failed
    step is halved up to max_halvings times. Yields (d, y, converged, residual)."""
    y, ok, res = stationary(make_f(ds[0]), y0, tol)
    yield ds[0], y, ok, res
    prev = None
    d_cur = ds[0]
    for d_target in ds[1:]:
        step = d_target - d_cur
        halvings = 0
        while True:
            d_try = d_cur + step
            guess = y if prev is None else y + (y - prev[1]) * (d_try - d_cur) / (d_cur - prev[0])
            yn, okn, resn = stationary(make_f(d_try), guess, tol)
            if not okn and prev is not None:
                yn, okn, resn = stationary(make_f(d_try), y, tol)
            if okn or halvings >= max_halvings:
                prev = (d_cur, y)
                d_cur, y, ok, res = d_try, yn, okn, resn
                if abs(d_cur - d_target) < 1e-14:
                    break
                if not okn:
                    break
                continue
            step /= 2.0
            halvings += 1
        if abs(d_cur - d_target) > 1e-14:
            d_cur = d_target
        yield d_target, y, ok, res


# ---------------------------------------------------------------- dense regions, free reference (robust ensemble)
def log2cosh_envelope(a, dh):
    """max_u [log 2cosh(a + u) - u^2/(2 dh)] for a >= 0 (elementwise), and the copy field a + u*.

    The maximiser solves u = dh tanh(a + u); for a >= 0 the largest root is the global maximum (the objective
    is even under (a, u) -> (-a, -u) and larger on the side of a). Newton from u = dh (g(u) = u - dh tanh(a + u)
    is convex and increasing right of that root), to |step| < 1e-14."""
    if dh <= 0:
        return log2cosh(a), a
    u = np.full_like(a, dh)
    for _ in range(200):
        th = np.tanh(a + u)
        g = u - dh * th
        gp = 1.0 - dh * (1.0 - th * th)
        step = g / np.maximum(gp, 1e-300)
        u = u - step
        if np.max(np.abs(step)) < 1e-14:
            break
    return log2cosh(a + u) - u * u / (2.0 * dh), a + u


def dense_free_functional(x, alpha, kappa, p, gauss=FINE):
    """RS local entropy of the densest regions at y -> infinity, reference unconstrained (robust ensemble).

    x = (c, qh0, q1, Dh, dq):
    S = -c p - qh0 (1 - q1)/2 - (qh0 dq + Dh q1)/2
        + int Dz max_u [log 2cosh(A + u) - u^2/(2 Dh)],  A = sqrt(qh0)|z| + c   (centre w~ = sign z)
        + alpha int Dz max_b [log H((kappa - sqrt(q1) z - b)/sqrt(1 - q1)) - b^2/(2 dq)].
    """
    c, qh0, q1, dh, dq = x
    if qh0 < 0 or not 0 < q1 < 1 or dq <= 0 or dh < 0 or c < 0:
        return math.nan
    z = gauss.z
    a = math.sqrt(qh0) * np.abs(z) + c
    ent_values, _ = log2cosh_envelope(a, dh)
    env, _ = envelope(math.sqrt(q1) * z - kappa, math.sqrt(1.0 - q1), dq)
    return (-c * p - 0.5 * qh0 * (1.0 - q1) - 0.5 * (qh0 * dq + dh * q1) + gauss.mean(ent_values)
            + alpha * gauss.mean(env))


def dense_free_observables(x, gauss=FINE):
    """(p, q1) recomputed from the copies' magnetisation tanh(A + u*): checks of the saddle point."""
    c, qh0, q1, dh, dq = x
    a = math.sqrt(qh0) * np.abs(gauss.z) + c
    _, field = log2cosh_envelope(a, dh)
    m = np.tanh(field)
    return gauss.mean(m), gauss.mean(m * m)


def _logit(q):
    return math.log(q / (1.0 - q))


def _expit(y):
    return 1.0 / (1.0 + math.exp(-y))


def dense_free_to_internal(x):
    c, qh0, q1, dh, dq = x
    return np.array([c, math.log(qh0), _logit(q1), math.log(dh), math.log(dq)])


def dense_free_from_internal(y):
    return np.array([y[0], math.exp(y[1]), _expit(y[2]), math.exp(y[3]), math.exp(y[4])])


# ---------------------------------------------------------------- Franz-Parisi around a typical solution
class FPGrid:
    """Quadrature for the FP functional: z0 (common field), x (reference's own field, truncated at the margin),
    eta (copy's remaining field), z (copy's entropic noise)."""

    def __init__(self, scale=1):
        self.z0 = Gauss(20 * scale, 4, 10.0)
        self.z = Gauss(60 * scale, 4, 10.0)
        self.eta = Gauss(12 * scale, 4, 9.0)
        # x = c + s with s on [0, 0.6] and [0.6, 14]: nodes for s and plain Legendre weights
        s1, w1 = gauss_legendre_panels(0.0, 0.6, 2 * scale, 8)
        s2, w2 = gauss_legendre_panels(0.6, 14.0, 3 * scale, 8)
        self.s = np.concatenate([s1, s2])
        self.ws = np.concatenate([w1, w2])


FP_GRID = FPGrid(1)


def fp_functional(x, alpha, kappa, p, gardner_point, grid=FP_GRID):
    """RS Franz-Parisi local entropy (y -> 0 derivative of the replicated free entropy).

    x = (t, q1, th, qh1, ph); (Q, Qh) the Gardner saddle point of the reference.
    S = -qh1 (1 - q1)/2 - ph p + th t + int Dz0 (1 + tanh(sqrt(Qh) z0)) int Dz log 2cosh(A),
        A = (th/sqrt(Qh)) z0 + sqrt(qh1 - th^2/Qh) z + ph - th
      + alpha int Dz0 int_{x > c} Dx / H(c) int Deta log H((kappa - m)/sqrt(1 - q1)),
        c = (kappa - sqrt(Q) z0)/sqrt(1 - Q), m = (t/sqrt(Q)) z0 + ((p - t)/sqrt(1 - Q)) x + sigma eta,
        sigma^2 = q1 - t^2/Q - (p - t)^2/(1 - Q).
    """
    t, q1, th, qh1, ph = x
    Q, Qh = gardner_point
    var_a = qh1 - th * th / Qh
    sig2 = q1 - t * t / Q - (p - t) ** 2 / (1.0 - Q)
    if not 0 < q1 < 1 or var_a < -1e-12 or sig2 < -1e-12:
        return math.nan
    var_a, sig2 = max(var_a, 0.0), max(sig2, 0.0)
    z0 = grid.z0.z[:, None]
    a = (th / math.sqrt(Qh)) * z0 + math.sqrt(var_a) * grid.z.z[None, :] + (ph - th)
    inner = log2cosh(a) @ grid.z.w
    ent = (-0.5 * qh1 * (1.0 - q1) - ph * p + th * t
           + grid.z0.w @ ((1.0 + np.tanh(math.sqrt(Qh) * grid.z0.z)) * inner))
    # energetic: axes (z0, s, eta)
    sq, s1q = math.sqrt(Q), math.sqrt(1.0 - Q)
    c = (kappa - sq * grid.z0.z)[:, None] / s1q                      # (n0, 1)
    xx = c + grid.s[None, :]                                         # (n0, ns)
    wx = grid.ws[None, :] * np.exp(-0.5 * xx * xx - math.log(SQRT2PI) - log_h(c))
    m = ((t / sq) * grid.z0.z[:, None, None] + ((p - t) / s1q) * xx[:, :, None]
         + math.sqrt(sig2) * grid.eta.z[None, None, :])
    lh = log_h((kappa - m) / math.sqrt(1.0 - q1)) @ grid.eta.w       # (n0, ns)
    en = grid.z0.w @ np.sum(wx * lh, axis=1)
    return ent + alpha * en


def fp_initial(gardner_point):
    """The exact FP saddle point at d0 = (1 - Q)/2, where the copy is another typical solution."""
    Q, Qh = gardner_point
    return np.array([Q, Q, Qh, Qh, Qh])


def fp_from_internal(y, p, gardner_point):
    """Internal coordinates (t, log sigma^2, th, log var_a, ph) -> (t, q1, th, qh1, ph): keeps both
    conditional variances of the copy positive."""
    Q, Qh = gardner_point
    t, ls, th, lv, ph = y
    q1 = math.exp(ls) + t * t / Q + (p - t) ** 2 / (1.0 - Q)
    qh1 = math.exp(lv) + th * th / Qh
    return np.array([t, q1, th, qh1, ph])


def fp_to_internal(x, p, gardner_point):
    Q, Qh = gardner_point
    t, q1, th, qh1, ph = x
    sig2 = q1 - t * t / Q - (p - t) ** 2 / (1.0 - Q)
    var_a = qh1 - th * th / Qh
    return np.array([t, math.log(max(sig2, 1e-6)), th, math.log(max(var_a, 1e-6)), ph])


# ---------------------------------------------------------------- curves
def _path(start, targets, max_step=0.025, rel=0.3):
    """start followed by the targets, with intermediate points so that no step exceeds max_step nor
    rel * (the smaller distance): continuation is cheap in small steps and expensive when it fails."""
    out, cur = [start], start
    for t in targets:
        while abs(t - cur) > min(max_step, rel * cur) + 1e-15:
            cur = cur + math.copysign(min(max_step, rel * cur), t - cur)
            out.append(cur)
        out.append(t)
        cur = t
    return out

DENSE_SEED = (0.4, 0.0, 0.1, np.array([0.7137, 0.08769, 0.6436, 0.2196, 1.919]))  # (alpha, kappa, d, x)
CEILING_TOL = 1e-9


def _dense_make(alpha, kappa):
    return lambda d: (lambda v: dense_free_functional(dense_free_from_internal(v), alpha, kappa, 1.0 - 2.0 * d))


def dense_seed(alpha, kappa, d_seed=None):
    """Internal saddle point at (alpha, kappa, d = 0.1) by continuation from DENSE_SEED (steps <= 0.02 in alpha,
    0.05 in kappa). Returns (y, converged)."""
    a0, k0, d0, x0 = DENSE_SEED
    y = dense_free_to_internal(x0)
    ok = True
    for a in np.linspace(a0, alpha, max(2, int(math.ceil(abs(alpha - a0) / 0.02)) + 1))[1:]:
        y, ok, _ = stationary(_dense_make(a, k0)(d0), y)
    for k in np.linspace(k0, kappa, max(2, int(math.ceil(abs(kappa - k0) / 0.05)) + 1))[1:]:
        y, ok, _ = stationary(_dense_make(alpha, k)(d0), y)
    return y, ok


def _row(d, s, params, status):
    return {"d": d, "S": s, "ceiling": h2(d), "params": params, "status": status}


def dense_curve(alpha, kappa, ds):
    """Dense-region local entropy at the distances ds (each in (0, 1/2)); list of rows (dicts)."""
    y0, ok0 = dense_seed(alpha, kappa)
    d0 = DENSE_SEED[2]
    rows = {}
    make = _dense_make(alpha, kappa)
    for branch in ([d for d in sorted(ds, reverse=True) if d < d0], [d for d in sorted(ds) if d >= d0]):
        if not branch:
            continue
        at_ceiling = False
        for d, y, ok, res in follow(make, _path(d0, branch), y0):
            if d not in branch:
                continue
            x = dense_free_from_internal(y)
            s = _safe(make(d))(y)
            if at_ceiling or x[1] < 1e-12 or x[4] > 1e10:
                # the saddle point has reached q^0 = 0, dq = infinity: the energetic term vanishes and S = H2(d)
                at_ceiling = True
                rows[d] = _row(d, h2(d), x, "ceiling")
                continue
            status = "ok" if ok else "no-convergence"
            if s > h2(d) + CEILING_TOL or x[2] < 2 * (1 - 2 * d) - 1:
                status = "unphysical"
            rows[d] = _row(d, s, x, status)
    return [rows[d] for d in ds]


def _fp_make(alpha, kappa, gp):
    return lambda d: (lambda v: fp_functional(fp_from_internal(v, 1.0 - 2.0 * d, gp), alpha, kappa,
                                              1.0 - 2.0 * d, gp))


def fp_curve(alpha, kappa, ds, grid=FP_GRID):
    """Franz-Parisi local entropy at the distances ds; list of rows (dicts)."""
    Q, Qh, s_g = gardner(alpha, kappa)
    if not np.isfinite(Q):
        return [_row(d, math.nan, [], "no-gardner-solution") for d in ds]
    gp = (Q, Qh)
    d0 = (1.0 - Q) / 2.0
    make = lambda d: (lambda v: fp_functional(fp_from_internal(v, 1.0 - 2.0 * d, gp), alpha, kappa,
                                              1.0 - 2.0 * d, gp, grid))
    rows = {}
    for d in ds:
        if abs(d - d0) < 1e-12:
            rows[d] = _row(d, s_g, list(fp_initial(gp)), "ok")
    y_start = np.array([Q, math.log(1e-4), Qh, math.log(1e-4), Qh])
    for sign in (-1.0, 1.0):
        start = d0 + sign * 0.01
        branch = [d for d in sorted(ds, reverse=(sign < 0)) if sign * (d - start) > 0 or
                  (sign < 0 and start > d >= d0 - 0.01 and d < d0) or (sign > 0 and d0 < d <= start)]
        branch = [d for d in branch if d not in rows]
        if not branch:
            continue
        for d, y, ok, res in follow(make, _path(start, branch), y_start):
            if d not in branch:
                continue
            x = fp_from_internal(y, 1.0 - 2.0 * d, gp)
            s = _safe(make(d))(y)
            rows[d] = _row(d, s, x, "ok" if ok else "no-convergence")
    return [rows[d] for d in ds]


# ---------------------------------------------------------------- command line
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["fp", "dense", "gardner"], nargs="?", default=None)
    ap.add_argument("--alpha", type=float, default=None)
    ap.add_argument("--margin", type=float, default=0.0)
    ap.add_argument("--distance", type=str, default="0.005,0.01,0.02,0.05,0.1,0.2,0.3")
    ap.add_argument("--alpha-u", action="store_true", help="compute alpha_U of the dense curve (kappa = --margin)")
    args = ap.parse_args(argv)
    kappa = args.margin
    if kappa < 0:
        sys.exit("local_entropy.py: --margin must be >= 0 (got %g)" % kappa)
    if args.alpha_u:
        au, lo, hi = alpha_u(kappa)
        print("margin\talpha_U\tbracket_low\tbracket_high")
        print("%g\t%.4f\t%.4f\t%.4f" % (kappa, au, lo, hi))
        return
    if args.mode is None or args.alpha is None:
        sys.exit("local_entropy.py: give a mode (fp, dense, gardner) and --alpha, or --alpha-u")
    alpha = args.alpha
    if not alpha > 0:
        sys.exit("local_entropy.py: --alpha must be > 0 (got %g)" % alpha)
    if args.mode == "gardner":
        q, qh, s = gardner(alpha, kappa)
        print("alpha\tmargin\tq\tqhat\tS\tstatus")
        print("%g\t%g\t%.10g\t%.10g\t%.10g\t%s" % (alpha, kappa, q, qh, s, "ok" if np.isfinite(s) else "no-solution"))
        return
    try:
        ds = [float(v) for v in args.distance.split(",") if v.strip()]
    except ValueError:
        sys.exit("local_entropy.py: --distance takes comma-separated numbers (got %r)" % args.distance)
    if not ds or any(not 0 < d < 0.5 for d in ds):
        sys.exit("local_entropy.py: every distance must lie in (0, 1/2) (got %r)" % args.distance)
    q, qh, s_g = gardner(alpha, kappa)
    if not np.isfinite(s_g) or s_g <= 0:
        sys.exit("local_entropy.py: alpha = %g is at or above the RS capacity at margin %g (no solutions)"
                 % (alpha, kappa))
    if args.mode == "fp":
        rows = fp_curve(alpha, kappa, ds)
        names = ["t", "q1", "that", "qhat1", "phat"]
    else:
        rows = dense_curve(alpha, kappa, ds)
        names = ["c", "qhat0", "q1", "Dhat", "dq"]
    print("\t".join(["alpha", "margin", "d", "S", "ceiling"] + names + ["status"]))
    for r in rows:
        params = list(r["params"]) if len(r["params"]) else [math.nan] * len(names)
        print("\t".join(["%g" % alpha, "%g" % kappa, "%g" % r["d"], "%.8f" % r["S"], "%.8f" % r["ceiling"]]
                        + ["%.6g" % v for v in params] + [r["status"]]))


if __name__ == "__main__":
    main()


# ---------------------------------------------------------------- alpha_U
ALPHA_U_DS = (0.1, 0.08, 0.07, 0.06, 0.05, 0.045, 0.04, 0.035, 0.03, 0.025, 0.02, 0.017, 0.015, 0.012, 0.01)


def dense_min_slope(alpha, kappa, y_seed=None, ds=ALPHA_U_DS):
    """min over d <= 0.06 of c(d) = (dS/dd)/2 along the dense branch (parabola through the smallest grid value).
    Returns (c_min, d_at_min, y at d = ds[0], all converged)."""
    y0 = y_seed
    if y0 is None:
        y0, _ = dense_seed(alpha, kappa)
    make = _dense_make(alpha, kappa)
    cs, ys, good = [], None, True
    for d, y, ok, res in follow(make, list(ds), y0):
        if ys is None:
            ys = y
        good = good and ok
        cs.append(y[0])
    cs = np.array(cs)
    # the interior (small-d) minimum: c also decreases towards c = 0 at d = 1/2, so only d <= 0.06 counts
    small = [k for k, d in enumerate(ds) if d <= 0.06]
    i = small[int(np.argmin(cs[small]))]
    if 0 < i < len(ds) - 1:
        x3, y3 = np.array(ds[i - 1:i + 2]), cs[i - 1:i + 2]
        a2, a1, a0 = np.polyfit(x3, y3, 2)
        if a2 > 0:
            dm = -a1 / (2 * a2)
            return a0 + a1 * dm + a2 * dm * dm, dm, ys, good
    return cs[i], ds[i], ys, good


def alpha_u(kappa=0.0, lo=0.72, hi=0.78, tol=2e-3):
    """alpha_U: the load at which the dense curve stops being monotonic (min_d dS/dd = 0). Below it S(d)
    increases from the ceiling-touching small-d regime (S -> H2(d)) to d = 1/2; above it dS/dd < 0 on an
    interval, the small-d part that reaches the ceiling is cut off from the rest. Secant/bisection on
    c_min(alpha). Returns (alpha_U, bracket low, bracket high)."""
    y_lo, _ = dense_seed(lo, kappa)
    c_lo, _, y_lo, _ = dense_min_slope(lo, kappa, y_lo)
    y_hi = y_lo
    for a in np.linspace(lo, hi, int(math.ceil((hi - lo) / 0.02)) + 1)[1:]:
        y_hi, _ = stationary(_dense_make(a, kappa)(ALPHA_U_DS[0]), y_hi)
    c_hi, _, y_hi, _ = dense_min_slope(hi, kappa, y_hi)
    if not (c_lo > 0 > c_hi):
        return math.nan, lo, hi
    while hi - lo > tol:
        mid = lo - c_lo * (hi - lo) / (c_hi - c_lo)
        mid = min(max(mid, lo + 0.1 * (hi - lo)), hi - 0.1 * (hi - lo))
        y_mid, _ = stationary(_dense_make(mid, kappa)(ALPHA_U_DS[0]), y_lo)
        c_mid, _, y_mid, _ = dense_min_slope(mid, kappa, y_mid)
        if c_mid > 0:
            lo, c_lo, y_lo = mid, c_mid, y_mid
        else:
            hi, c_hi, y_hi = mid, c_mid, y_mid
    return lo - c_lo * (hi - lo) / (c_hi - c_lo), lo, hi
