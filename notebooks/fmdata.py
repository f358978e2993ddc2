"""Shared helpers of the FlatMinima notebooks: locate the repository, read the tables in data/ and a
common figure style; Wilson intervals, success tables, rank correlations and the plotting helpers come
from the Python companion in python/flatminima.

The notebooks read only the TSV tables in data/ (each produced by a spec in sweeps/, see
data/README.md); nothing here runs a solver.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def repo_root() -> Path:
    """The directory holding Package.swift, searched upwards from the working directory."""
    here = Path.cwd().resolve()
    for candidate in [here, *here.parents]:
        if (candidate / "Package.swift").exists():
            return candidate
    raise FileNotFoundError("run the notebooks inside a FlatMinima checkout (no Package.swift found)")


ROOT = repo_root()
DATA = ROOT / "data"

# The statistics and plotting helpers are the Python companion's (python/flatminima), used from the
# checkout so that the notebooks need no installation step.
sys.path.insert(0, str(ROOT / "python"))
import flatminima as companion  # noqa: E402
from flatminima import plot_success, plot_curves, spearman, wilson  # noqa: E402,F401


def table(name: str) -> pd.DataFrame:
    """data/NAME.tsv as a DataFrame (NA → NaN)."""
    return pd.read_csv(DATA / f"{name}.tsv", sep="\t", na_values=["NA"], low_memory=False)


def tables(*names: str) -> pd.DataFrame:
    """Several tables of the same kind, concatenated; a missing table is reported, not fatal."""
    frames = []
    for name in names:
        path = DATA / f"{name}.tsv"
        if path.exists():
            frames.append(table(name))
        else:
            print(f"note: data/{name}.tsv is missing (make data regenerates it)")
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def sidecar(name: str) -> dict:
    """The JSON sidecar of data/NAME.tsv (spec, version, git commit, ...)."""
    return json.loads((DATA / f"{name}.tsv.json").read_text())


def provenance(*names: str) -> pd.DataFrame:
    """One line per table: rows, version and git commit, for the record at the top of a notebook."""
    rows = []
    for name in names:
        path = DATA / f"{name}.tsv"
        if not path.exists():
            rows.append({"table": f"data/{name}.tsv", "rows": 0, "version": "missing", "commit": ""})
            continue
        meta = sidecar(name)
        commit = meta.get("git_commit") or meta.get("commit") or ""
        rows.append({"table": f"data/{name}.tsv", "rows": len(table(name)),
                     "version": meta.get("version", ""), "commit": str(commit)[:10]})
    return pd.DataFrame(rows)


def success_table(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Fraction solved with its Wilson interval for every group of `by` (the companion's, without the
    count of failed runs, which the tables in data/ do not have)."""
    return companion.success_table(frame, by).drop(columns="errors")


def floats(cell) -> np.ndarray:
    """A comma-separated list cell ("0.1,0.2") as an array (NaN for a missing cell)."""
    if isinstance(cell, float) and math.isnan(cell):
        return np.array([])
    return np.array([float(v) if v != "NA" else math.nan for v in str(cell).split(",")])


def save(fig, name: str) -> None:
    """Also write the figure as Notebooks-export/figures/NAME.png (stable names for the README), except
    when notebooks/build.py runs with --check (FLATMINIMA_NOTEBOOK_CHECK=1), which writes nothing."""
    import os
    if os.environ.get("FLATMINIMA_NOTEBOOK_CHECK") == "1":
        return
    directory = ROOT / "Notebooks-export" / "figures"
    directory.mkdir(parents=True, exist_ok=True)
    fig.savefig(directory / f"{name}.png", metadata={"Software": None})


def style():
    """Matplotlib defaults shared by every figure (fixed size and DPI so exports are comparable)."""
    import matplotlib.pyplot as plt  # the kernel's inline backend: figures become PNG outputs
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (9, 4.2), "font.size": 10,
        "axes.grid": True, "grid.alpha": 0.3, "legend.fontsize": 8, "legend.frameon": False,
        "svg.hashsalt": "flatminima", "path.simplify": False,
    })
    return plt


# One colour and marker per solver, the same in every figure.
SOLVERS = ["sa", "sgd", "esgd", "rsgd", "cpr", "bp", "rbp", "fbp", "amp"]
COLOURS = dict(zip(SOLVERS, ["#7f7f7f", "#1f77b4", "#17becf", "#2ca02c", "#bcbd22",
                             "#9467bd", "#ff7f0e", "#d62728", "#8c564b"]))
MARKERS = dict(zip(SOLVERS, ["x", "o", "v", "s", "D", "P", "^", "*", "h"]))
