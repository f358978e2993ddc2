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
# # 1. Phase diagram of the binary perceptron
#
# Probability that each solver finds a zero-error configuration of the binary perceptron (storage,
# ±1 patterns with random ±1 labels) against the load α = P/N, at N = 1001 and N = 4001, with 95 %
# Wilson intervals. Every solver runs with its defaults on the same instances (instance seeds 1…20
# at every α), except where the spec says otherwise (fbp capped at 3000 iterations, rbp at 400 at
# N = 4001). `bp` and `amp` are fixed-point methods: "solved" means that the signs of their marginals
# satisfy every pattern.
#
# Marked: the replica-symmetric capacity α_c = 0.833 (Krauth–Mézard; `data/theory-capacity.tsv`)
# and the band α ≈ 0.77–0.78 where, according to the large-deviation computations of Baldassi et al.
# (PRL 115, 2015; PNAS 113, 2016), the dense regions of solutions disappear (a literature value,
# not computed by FlatMinima; SCIENCE.md §6).
#
# Tables (specs of the same name in `sweeps/`): `phase-diagram-1001`, `phase-diagram-1001-sa-low`,
# `phase-diagram-4001-{sa,gd,cpr,rsgd,bp,rbp,fbp}`.

# %%
import sys
from pathlib import Path
root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "Package.swift").exists())
sys.path.insert(0, str(root / "notebooks"))
import fmdata as fm
import pandas as pd

plt = fm.style()
small = ["phase-diagram-1001", "phase-diagram-1001-sa-low"]
large = [f"phase-diagram-4001-{part}" for part in ["sa", "gd", "cpr", "rsgd", "bp", "rbp", "fbp"]]
print(fm.provenance(*small, *large).to_string(index=False))

# %%
runs = fm.tables(*small, *large)
capacity = fm.table("theory-capacity")
alpha_c = float(capacity.query("weights == 'binary' and margin == 0")["alpha_c"].iloc[0])
success = fm.success_table(runs, ["N", "solver", "alpha"])
print(f"RS capacity (binary, kappa = 0): {alpha_c:.4f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
for ax, n in zip(axes, [1001, 4001]):
    part = success[success["N"] == n]
    fm.plot_success(part, x="alpha", hue="solver", ax=ax, order=fm.SOLVERS, colours=fm.COLOURS,
                    markers=fm.MARKERS, legend=False, labels=False)
    ax.axvspan(0.77, 0.78, color="k", alpha=0.12, lw=0)
    ax.axvline(alpha_c, color="k", ls="--", lw=1)
    ax.text(alpha_c - 0.004, 0.5, "α_c", va="center", ha="right")
    ax.text(0.775, 0.15, "dense\nregions\nend ", ha="right", fontsize=8)
    runs_per_point = int(part["runs"].min()) if not part.empty else 0
    ax.set_title(f"N = {n}  ({runs_per_point} instances per point)")
    ax.set_xlabel("α = P / N")
    ax.set_xlim(0.08, 0.88)
axes[0].set_ylabel("fraction of instances solved")
fig.legend(*axes[0].get_legend_handles_labels(), loc="center right")
fig.tight_layout(rect=(0, 0, 0.93, 1))
fm.save(fig, "phase-diagram")
plt.show()

# %% [markdown]
# ## The largest load each solver reaches
#
# For every solver and size: the largest α at which it solved every instance, and the success rate
# at each load of its transition (first load below 100 % onward).

# %%
rows = []
for (n, solver), group in success.groupby(["N", "solver"]):
    group = group.sort_values("alpha")
    full = group[group["solved"] == group["runs"]]["alpha"]
    partial = group[(group["solved"] < group["runs"]) & (group["alpha"] > (full.max() if len(full) else 0))]
    rows.append({"N": n, "solver": solver,
                 "all solved up to α": full.max() if len(full) else float("nan"),
                 "above": ", ".join(f"{a:g}: {k}/{m}" for a, k, m in
                                    partial[["alpha", "solved", "runs"]].itertuples(index=False))})
summary = pd.DataFrame(rows).sort_values(["N", "all solved up to α"], ascending=[True, False])
print(summary.to_string(index=False))

# %% [markdown]
# ## Cost
#
# Median wall-clock seconds per run (each run used the cores its sweep gave it; see the sidecars for the
# host), at the loads where the solver succeeded in at least half of the instances.

# %%
good = runs.merge(success[success["p"] >= 0.5][["N", "solver", "alpha"]], on=["N", "solver", "alpha"])
cost = good.groupby(["N", "solver"])["seconds"].median().unstack(0).round(2)
print(cost.to_string())
