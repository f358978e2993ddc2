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
# # 3. Width of a minimum against generalization
#
# Three problems, every solver's configurations (several instances, and for SGD three cross-entropy
# scales β, the norm the loss starts from):
#
# - `width-teacher`: binary teacher–student perceptron, ±1 inputs, N = 1001, α = 0.4, 6 instances;
# - `width-committee`: teacher–student tree committee machine, K = 3, N = 501, α = 0.5, 6 instances;
# - `width-digits`: `data/digits.csv` (even against odd 8×8 digits, 64 inputs, binary perceptron),
#   10 train/test splits. No binary perceptron classifies these data without error, so the local entropy
#   of solutions is undefined there.
#
# Width measures (SCIENCE.md §5): the local energy δE(p) at p = 0.01 (training-error increase when 1 %
# of the weights flip), the local entropy at distance d = 0.05 relative to its ceiling (around solutions
# only), and the trace of the Hessian of the cross-entropy loss (β = 1) at the configuration. Against:
# the test error (10000 fresh patterns for a teacher; the held-out 20 % for the digits). Spearman's rank
# correlation ρ, with n the number of configurations, summarises each panel.

# %%
import sys
from pathlib import Path
root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "Package.swift").exists())
sys.path.insert(0, str(root / "notebooks"))
import fmdata as fm
import numpy as np
import pandas as pd

plt = fm.style()
names = ["width-teacher", "width-committee", "width-digits"]
print(fm.provenance(*names).to_string(index=False))


# %%
def widths(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration: the scalar width measures next to the test error."""
    rows = []
    for row in frame.itertuples(index=False):
        p, e = fm.floats(row.local_energy_perturbation), fm.floats(row.local_energy)
        energy = float(np.interp(0.01, p, e)) if len(p) else np.nan
        ratio = np.nan
        if row.solved == 1 and "local_entropy_d" in frame.columns and isinstance(row.local_entropy_d, str):
            d, s = fm.floats(row.local_entropy_d), fm.floats(row.local_entropy_curve)
            ok = fm.floats(row.local_entropy_converged) == 1
            if ok.all() and d.min() <= 0.05 <= d.max():
                order = np.argsort(d)
                ratio = float(np.interp(0.05, d[order], s[order])) / (-0.05 * np.log(0.05) - 0.95 * np.log(0.95))
        label = row.solver if row.solver != "sgd" else f"sgd β={getattr(row, 'opt_beta'):g}"
        rows.append({"solver": row.solver, "label": label, "instance": row.instance_seed, "solved": row.solved,
                     "train_errors": row.train_errors, "test_error": row.test_error,
                     "local_energy": energy, "local_entropy": ratio, "hessian_trace": row.hessian_trace})
    return pd.DataFrame(rows)


problems = {}
for name in names:
    frame = fm.tables(name)
    if not frame.empty:
        problems[name] = widths(frame)

for name, w in problems.items():
    print(f"\n{name}: configurations per solver, solved (zero training errors), mean test error")
    print(w.groupby("label").agg(n=("solved", "size"), solved=("solved", "sum"), train_errors=("train_errors", "mean"),
                                 test_error=("test_error", "mean")).round(4).to_string())

# %%
measures = [("local_energy", "local energy δE(0.01)"), ("local_entropy", "S(0.05) / ceiling"),
            ("hessian_trace", "Hessian trace")]
correlations = []
for name, w in problems.items():
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
    for ax, (column, title) in zip(axes, measures):
        usable = w.dropna(subset=[column])
        for label, rows in usable.groupby("label"):
            solver = rows["solver"].iloc[0]
            marker = {"sgd β=0.25": "<", "sgd β=4": ">"}.get(label, fm.MARKERS[solver])
            ax.scatter(rows[column], rows["test_error"], color=fm.COLOURS[solver], marker=marker,
                       s=22, alpha=0.8, label=label)
        rho, n = fm.spearman(usable[column], usable["test_error"])
        correlations.append({"problem": name, "measure": column, "spearman_rho": rho, "n": n})
        ax.set_xlabel(title)
        ax.set_title(f"ρ = {rho:.2f} (n = {n})" if n else "undefined here: no zero-error configuration")
    axes[0].set_ylabel("test error")
    axes[-1].legend(fontsize=7, loc="best")
    fig.suptitle(name)
    fig.tight_layout()
    fm.save(fig, name)
    plt.show()

# %% [markdown]
# ## Rank correlations
#
# Over all configurations of a problem (first table) and over its solutions only (second: zero training
# error, where the comparison between minima is cleanest). A positive ρ for local energy or Hessian trace
# and a negative one for the local entropy mean: wider minimum, lower test error.

# %%
print(pd.DataFrame(correlations).round(3).to_string(index=False))
rows = []
for name, w in problems.items():
    sol = w[w["solved"] == 1]
    for column, _ in measures:
        rho, n = fm.spearman(sol[column], sol["test_error"])
        rows.append({"problem": name, "measure": column, "spearman_rho (solutions)": rho, "n": n})
print()
print(pd.DataFrame(rows).round(3).to_string(index=False))

# %% [markdown]
# Instances differ in how hard their teacher (or split) is, which moves every solver's test error
# together. Within one instance the comparison is between minima only: the mean over instances of the
# per-instance Spearman ρ over every configuration of that instance (the local entropy: solutions only),
# with its standard error over instances.

# %%
rows = []
for name, w in problems.items():
    for column, _ in measures:
        per = [fm.spearman(g[column], g["test_error"])[0] for _, g in w.groupby("instance")]
        per = pd.Series(per).dropna()
        rows.append({"problem": name, "measure": column, "mean within-instance rho": per.mean(),
                     "s.e.": per.sem(), "instances": len(per)})
print(pd.DataFrame(rows).round(3).to_string(index=False))
