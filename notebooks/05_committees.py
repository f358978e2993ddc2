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
# # 5. Committee machines
#
# Fraction of instances solved against α (P over the number of weights) by focusing BP (`fbp`, hidden
# units in the Gaussian approximation, output majority summed exactly) and replicated SGD (`rsgd`) on
# binary committee machines with K = 5 hidden units: the tree architecture (disjoint receptive fields,
# N = 1005 inputs) and the fully connected one (N = 321 inputs, 1605 weights); storage of random ±1
# labels, 10 instances per load, solvers' defaults; 95 % Wilson intervals.
#
# Tables: `committee-phase-tree`, `committee-phase-full`.

# %%
import sys
from pathlib import Path
root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "Package.swift").exists())
sys.path.insert(0, str(root / "notebooks"))
import fmdata as fm
import pandas as pd

plt = fm.style()
names = ["committee-phase-tree", "committee-phase-full"]
print(fm.provenance(*names).to_string(index=False))

# %%
runs = fm.tables(*names)
success = fm.success_table(runs, ["arch", "solver", "alpha"]) if not runs.empty else pd.DataFrame()
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, arch in zip(axes, ["tree", "full"]):
    part = success[success["arch"] == arch] if not success.empty else success
    for solver in ["fbp", "rsgd"]:
        s = part[part["solver"] == solver].sort_values("alpha") if not part.empty else part
        if s.empty:
            continue
        ax.errorbar(s["alpha"], s["p"], yerr=[s["p"] - s["low"], s["high"] - s["p"]], color=fm.COLOURS[solver],
                    marker=fm.MARKERS[solver], capsize=2, label=solver)
    n = int(runs[runs["arch"] == arch]["N"].iloc[0]) if not runs.empty and (runs["arch"] == arch).any() else 0
    ax.set_title(f"{arch}, K = 5, N = {n}")
    ax.set_xlabel("α = P / number of weights")
axes[0].set_ylabel("fraction of instances solved")
axes[0].legend()
fig.tight_layout()
fm.save(fig, "committees")
plt.show()

# %%
if not success.empty:
    table = success.assign(cell=lambda s: s["solved"].astype(str) + "/" + s["runs"].astype(str))
    print(table.pivot_table(index="alpha", columns=["arch", "solver"], values="cell", aggfunc="first").to_string())
    print()
    print("median seconds per run:")
    print(runs.groupby(["arch", "solver", "alpha"])["seconds"].median().unstack([0, 1]).round(1).to_string())
