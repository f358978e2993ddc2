# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Local entropy and local energy of the solutions each solver finds
#
# Binary perceptron storage, N = 1001. Around every solution w̃ a solver returns, FlatMinima runs BP
# with an extra field λ w̃ on each weight (Franz–Parisi; SCIENCE.md §5) and reports the local entropy
# S(d) — the log-number of solutions per weight at normalised Hamming distance d from w̃ — next to the
# ceiling −d log d − (1 − d) log(1 − d) that would hold if every configuration at that distance were a
# solution. Solutions in wide flat minima follow the ceiling to larger d; isolated (typical) solutions
# would have S < 0 at small d. The local energy is the training error after flipping each weight with
# probability p, minus the solution's own (100 draws per point).
#
# Tables: `local-entropy` (α = 0.5 and 0.6: rbp, fbp, rsgd, cpr — sa, sgd and esgd find no solution at
# these loads at N = 1001, see notebook 1) and `local-entropy-low` (α = 0.3: every solver that solves
# there), 10 instances each; λ grid 8 … 0.25, solvers with their defaults.

# %%
import sys
from pathlib import Path
root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "Package.swift").exists())
sys.path.insert(0, str(root / "notebooks"))
import fmdata as fm
import numpy as np
import pandas as pd

plt = fm.style()
names = ["local-entropy-low", "local-entropy"]
print(fm.provenance(*names).to_string(index=False))

# %%
runs = fm.tables(*names)
solved = runs[runs["solved"] == 1].copy()
print(solved.groupby(["alpha", "solver"]).size().unstack(fill_value=0).to_string())
print(f"runs without a solution (no curve): {int((runs['solved'] == 0).sum())} of {len(runs)}")

# Long table: one row per (run, λ).
points = []
for row in solved.itertuples(index=False):
    d, s, ceiling, ok = (fm.floats(getattr(row, c)) for c in
                         ["local_entropy_d", "local_entropy_curve", "local_entropy_ceiling", "local_entropy_converged"])
    lam = fm.floats(row.local_entropy_lambda)
    for i in range(len(d)):
        points.append({"alpha": row.alpha, "solver": row.solver, "instance": row.instance_seed, "lambda": lam[i],
                       "d": d[i], "S": s[i], "ceiling": ceiling[i], "converged": ok[i]})
points = pd.DataFrame(points)
print(f"BP fixed points: {len(points)}, not converged: {int((points['converged'] == 0).sum())}")

# %%
alphas = sorted(points["alpha"].unique())
fig, axes = plt.subplots(1, len(alphas), figsize=(4.2 * len(alphas), 4.2), sharey=True)
grid = np.linspace(1e-4, 0.3, 300)
for ax, alpha in zip(np.atleast_1d(axes), alphas):
    ax.plot(grid, -grid * np.log(grid) - (1 - grid) * np.log(1 - grid), "k--", lw=1, label="ceiling")
    part = points[(points["alpha"] == alpha) & (points["converged"] == 1)]
    for solver in fm.SOLVERS:
        s = part[part["solver"] == solver]
        for k, (_, run) in enumerate(s.groupby("instance")):
            run = run.sort_values("d")
            ax.plot(run["d"], run["S"], color=fm.COLOURS[solver], lw=0.8, alpha=0.6,
                    marker=fm.MARKERS[solver], ms=3, label=solver if k == 0 else None)
    ax.set_title(f"α = {alpha:g}")
    ax.set_xlabel("distance d")
    ax.set_xlim(0, 0.25)
    ax.set_ylim(-0.02, 0.6)
np.atleast_1d(axes)[0].set_ylabel("local entropy S(d)")
np.atleast_1d(axes)[0].legend(loc="lower right")
fig.tight_layout()
fm.save(fig, "local-entropy")
plt.show()

# %% [markdown]
# The gap to the ceiling shows the differences better. Below: ceiling − S(d) against d (log scale
# in d), one line per solution.

# %%
fig, axes = plt.subplots(1, len(alphas), figsize=(4.2 * len(alphas), 4.0), sharey=True)
for ax, alpha in zip(np.atleast_1d(axes), alphas):
    part = points[(points["alpha"] == alpha) & (points["converged"] == 1) & (points["d"] > 1e-4)]
    for solver in fm.SOLVERS:
        s = part[part["solver"] == solver]
        for k, (_, run) in enumerate(s.groupby("instance")):
            run = run.sort_values("d")
            ax.plot(run["d"], run["ceiling"] - run["S"], color=fm.COLOURS[solver], lw=0.8, alpha=0.6,
                    marker=fm.MARKERS[solver], ms=3, label=solver if k == 0 else None)
    ax.set_xscale("log")
    ax.set_title(f"α = {alpha:g}")
    ax.set_xlabel("distance d")
np.atleast_1d(axes)[0].set_ylabel("ceiling − S(d)")
np.atleast_1d(axes)[0].legend(loc="upper left")
fig.tight_layout()
fm.save(fig, "local-entropy-gap")
plt.show()

# %% [markdown]
# ## Interpolated at fixed distances
#
# S(d)/ceiling(d) at d = 0.01, 0.05 and 0.1 (linear interpolation of each curve; mean ± standard error
# over the solutions, n = their number).

# %%
rows = []
for (alpha, solver, instance), run in points[points["converged"] == 1].groupby(["alpha", "solver", "instance"]):
    run = run.sort_values("d")
    for d in [0.01, 0.05, 0.1]:
        if run["d"].min() <= d <= run["d"].max():
            s = np.interp(d, run["d"], run["S"])
            ceiling_d = -d * np.log(d) - (1 - d) * np.log(1 - d)
            rows.append({"alpha": alpha, "solver": solver, "d": d, "ratio": s / ceiling_d})
ratios = pd.DataFrame(rows)
summary = ratios.groupby(["alpha", "solver", "d"])["ratio"].agg(["mean", "sem", "count"]).round(4)
print(summary.unstack("d").to_string())

# %% [markdown]
# ## Local energy

# %%
fig, axes = plt.subplots(1, len(alphas), figsize=(4.2 * len(alphas), 4.0), sharey=True)
energy_rows = []
for row in solved.itertuples(index=False):
    p, e = fm.floats(row.local_energy_perturbation), fm.floats(row.local_energy)
    for i in range(len(p)):
        energy_rows.append({"alpha": row.alpha, "solver": row.solver, "p": p[i], "dE": e[i]})
energy = pd.DataFrame(energy_rows).groupby(["alpha", "solver", "p"])["dE"].agg(["mean", "sem", "count"]).reset_index()
for ax, alpha in zip(np.atleast_1d(axes), alphas):
    for solver in fm.SOLVERS:
        s = energy[(energy["alpha"] == alpha) & (energy["solver"] == solver)]
        if s.empty:
            continue
        ax.errorbar(s["p"], s["mean"], yerr=s["sem"], color=fm.COLOURS[solver], marker=fm.MARKERS[solver],
                    ms=4, capsize=2, label=solver)
    ax.set_xscale("log")
    ax.set_title(f"α = {alpha:g}")
    ax.set_xlabel("flip probability p")
np.atleast_1d(axes)[0].set_ylabel("local energy δE(p)")
np.atleast_1d(axes)[0].legend(loc="upper left")
fig.tight_layout()
fm.save(fig, "local-energy")
plt.show()
print(energy.pivot_table(index=["alpha", "solver"], columns="p", values="mean").round(4).to_string())
