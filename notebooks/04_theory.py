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
# # 4. Replica-symmetric theory, with AMP and solvers on top
#
# `flatminima theory` (SCIENCE.md §7; tables written by `sweeps/theory.sh`): the storage entropy of the
# binary and spherical perceptrons against α with margins κ, the capacity against κ, and the
# Bayes-optimal teacher–student errors against α. On the last figure: AMP (binary prior) on binary
# teachers with Gaussian inputs, N = 2001, 10 instances per load (`teacher-amp`), and the solutions of
# rsgd and fbp, N = 1001, 5 instances (`teacher-solvers`).

# %%
import sys
from pathlib import Path
root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "Package.swift").exists())
sys.path.insert(0, str(root / "notebooks"))
import fmdata as fm
import numpy as np
import pandas as pd

plt = fm.style()
names = ["theory-storage", "theory-capacity", "theory-teacher", "theory-transitions", "teacher-amp", "teacher-solvers"]
print(fm.provenance(*names).to_string(index=False))

# %%
storage = fm.table("theory-storage")
capacity = fm.table("theory-capacity")
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
for ax, weights in zip(axes, ["binary", "spherical"]):
    for (margin, rows), ls in zip(storage[storage["weights"] == weights].groupby("margin"), ["-", "--", ":"]):
        ok = rows[rows["entropy"].notna()]
        ax.plot(ok["alpha"], ok["entropy"], ls, color="k", label=f"κ = {margin:g}")
        alpha_c = float(capacity.query("weights == @weights and margin == @margin")["alpha_c"].iloc[0])
        ax.axvline(alpha_c, color="k", lw=0.6, ls=ls, alpha=0.5)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("α")
    ax.set_title(f"{weights} perceptron")
    ax.legend()
axes[0].set_ylabel("entropy of solutions s(α) per weight")
axes[1].set_ylabel("log volume of solutions per weight")
axes[0].set_ylim(-0.1, 0.72)
fig.tight_layout()
fm.save(fig, "storage-entropy")
plt.show()
print("capacities at these margins:")
table = capacity[capacity["margin"].isin([0, 0.5, 1])].pivot(index="margin", columns="weights", values="alpha_c")
print(table.round(6).to_string())

# %% [markdown]
# The binary curves stop where the replica-symmetric saddle point with q < 1 ceases to exist (some way
# above the capacity at κ > 0); the vertical lines are the capacities, where s = 0 (binary) or the volume
# shrinks to nothing (spherical, Gardner's α_c(κ)). The spherical "entropy" is the log of the fraction of
# the sphere that solves the problem.

# %%
fig, ax = plt.subplots(figsize=(5.5, 4))
for weights, ls in [("spherical", "--"), ("binary", "-")]:
    rows = capacity[(capacity["weights"] == weights) & capacity["alpha_c"].notna()]
    ax.plot(rows["margin"], rows["alpha_c"], ls, color="k", label=weights)
ax.set_xlabel("margin κ")
ax.set_ylabel("capacity α_c(κ)")
ax.set_yscale("log")
ax.legend()
fig.tight_layout()
fm.save(fig, "capacity")
plt.show()

# %% [markdown]
# ## Teacher–student generalization

# %%
teacher = fm.table("theory-teacher")
transitions = fm.table("theory-transitions")
amp = fm.tables("teacher-amp")
solvers = fm.tables("teacher-solvers")
transition, spinodal = float(transitions["transition"].iloc[0]), float(transitions["spinodal"].iloc[0])
print(f"binary teacher: first-order transition α = {transition:.4f}, spinodal (AMP's threshold) α = {spinodal:.4f}")

fig, ax = plt.subplots(figsize=(7.5, 4.6))
for prior, colour in [("binary", "k"), ("gaussian", "#1f77b4")]:
    rows = teacher[teacher["prior"] == prior]
    ax.plot(rows["alpha"], rows["bayes_error"], "-", color=colour, label=f"Bayes-optimal, {prior} prior (RS)")
    ax.plot(rows["alpha"], rows["gibbs_error"], ":", color=colour, label=f"Gibbs, {prior} prior (RS)")
binary = teacher[(teacher["prior"] == "binary") & teacher["branch_q"].notna()]
ax.plot(binary["alpha"], np.arccos(np.sqrt(binary["branch_q"])) / np.pi, "-", color="k", lw=0.6, alpha=0.5,
        label="q < 1 branch (metastable above the transition)")
ax.axvline(transition, color="k", lw=0.6, ls="--")
ax.axvline(spinodal, color="k", lw=0.6, ls="-.")
if not amp.empty:
    a = amp.groupby("alpha").agg(bayes=("bayes_error", "mean"), bayes_se=("bayes_error", "sem"),
                                 sign=("test_error", "mean"), sign_se=("test_error", "sem")).reset_index()
    ax.errorbar(a["alpha"], a["bayes"], yerr=a["bayes_se"], fmt="o", color=fm.COLOURS["amp"], ms=4, capsize=2,
                label="AMP, Bayes predictor (N = 2001)")
    ax.errorbar(a["alpha"], a["sign"], yerr=a["sign_se"], fmt="s", mfc="none", color=fm.COLOURS["amp"], ms=4,
                capsize=2, label="AMP, sign of the means")
if not solvers.empty:
    for solver, rows in solvers[solvers["solved"] == 1].groupby("solver"):
        s = rows.groupby("alpha")["test_error"].agg(["mean", "sem"]).reset_index()
        ax.errorbar(s["alpha"], s["mean"], yerr=s["sem"], fmt=fm.MARKERS[solver], color=fm.COLOURS[solver],
                    ms=6, capsize=2, label=f"{solver} solutions (N = 1001)")
ax.set_xlabel("α = P / N")
ax.set_ylabel("generalization error")
ax.set_xlim(0, 3)
ax.legend(fontsize=7)
fig.tight_layout()
fm.save(fig, "teacher-student")
plt.show()

# %% [markdown]
# The solvers' solutions (zero training error only; the count is in the table) against the typical
# solution (Gibbs error) and the Bayes-optimal predictor at the same load: solutions in wide flat minima
# generalize better than typical ones.

# %%
if not solvers.empty:
    binary = teacher[teacher["prior"] == "binary"].set_index("alpha")
    rows = []
    for (solver, alpha), group in solvers.groupby(["solver", "alpha"]):
        sol = group[group["solved"] == 1]
        rows.append({"solver": solver, "alpha": alpha, "solved": f"{len(sol)}/{len(group)}",
                     "test error (solutions)": sol["test_error"].mean(), "s.e.": sol["test_error"].sem(),
                     "Gibbs (RS)": np.interp(alpha, binary.index, binary["gibbs_error"]),
                     "Bayes (RS)": np.interp(alpha, binary.index, binary["bayes_error"])})
    print(pd.DataFrame(rows).round(4).to_string(index=False))

# %% [markdown]
# AMP against the replica prediction of its overlap q = m·w*/N (below the spinodal AMP follows the
# q < 1 branch; above it, it finds the teacher). Mean over instances; the last column is the largest
# deviation allowed by 3 standard errors.

# %%
if not amp.empty:
    branch = teacher[teacher["prior"] == "binary"].set_index("alpha")["branch_q"]
    rows = []
    for alpha, group in amp.groupby("alpha"):
        theory_q = np.interp(alpha, branch.dropna().index, branch.dropna().values) if alpha < spinodal else 1.0
        rows.append({"alpha": alpha, "AMP q (mean)": group["teacher_mean_overlap"].mean(),
                     "s.e.": group["teacher_mean_overlap"].sem(), "RS q": theory_q,
                     "solved exactly": f"{int((group['teacher_overlap'] == 1).sum())}/{len(group)}"})
    print(pd.DataFrame(rows).round(4).to_string(index=False))
