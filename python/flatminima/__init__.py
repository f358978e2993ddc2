"""Python companion of the FlatMinima command-line tool: results as pandas DataFrames.

    import flatminima as fm
    runs = fm.read_results("demo.tsv")                  # a sweep's results, spec in runs.attrs["spec"]
    table = fm.success_table(runs, ["solver", "alpha"])  # fraction solved, 95 % Wilson intervals
    fm.plot_success(table, x="alpha", hue="solver")

Everything here is pure Python on pandas (matplotlib for the two plotting helpers); `run` and `sweep`
call the `flatminima` binary. The statistics are the ones `flatminima table` prints, so a table built
here and one printed by the tool agree to the last digit shown.
"""
from __future__ import annotations

import io
import json
import math
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "read_results", "curves", "at", "run", "sweep", "success_table", "wilson", "spearman",
    "plot_success", "plot_curves", "find_binary", "CURVE_COLUMNS",
]
__version__ = "0.1.0"

#: The list-valued record fields of each measure (one value per curve point), first the abscissa.
CURVE_COLUMNS: dict[str, list[str]] = {
    "local_energy": ["local_energy_perturbation", "local_energy", "local_energy_se", "local_energy_loss",
                     "local_energy_loss_se"],
    "local_entropy": ["local_entropy_lambda", "local_entropy_d", "local_entropy_curve", "local_entropy_ceiling",
                      "local_entropy_phi", "local_entropy_q", "local_entropy_converged"],
    "cone_volume": ["cone_angle", "cone_volume", "cone_ceiling", "cone_converged"],
    "hessian": ["hessian_top"],
}

# Columns that identify a run in a long table of curves, when present.
_KEYS = ["run_id", "run", "model", "weights", "arch", "K", "N", "P", "alpha", "alpha_actual", "task", "inputs",
         "margin", "solver", "instance_seed", "seed", "solved"]


# ----------------------------------------------------------------------------------------------- reading

def read_results(path: str | os.PathLike, sidecar: bool = True) -> pd.DataFrame:
    """Read a results file the tool writes into a DataFrame, one row per run.

    Accepted: the TSV of `flatminima sweep`/`merge` and of `flatminima solve --format tsv`, and the JSON
    lines of `solve --format json`. `NA` cells become NaN (text such as "none" stays text); CRLF line
    ends are accepted; a last row cut short by a crash (no final newline, or fewer cells than the
    header) is dropped with a warning, as `flatminima table` does. When `PATH.json` (the sweep's
    sidecar) exists, it is attached as `frame.attrs["sidecar"]` and the spec it holds, parsed from TOML
    or JSON, as `frame.attrs["spec"]`.
    """
    path = Path(path)
    text = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
    if text.lstrip().startswith("{"):
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
        frame = pd.DataFrame.from_records(records)
    else:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        elif len(lines) > 1:
            warnings.warn(f"{path}: dropping the torn last row (line {len(lines)}, no end of line)")
            lines.pop()
        if len(lines) > 1:
            width = lines[0].count("\t")
            if lines[-1].count("\t") != width:
                warnings.warn(f"{path}: dropping the torn last row (line {len(lines)}, wrong number of cells)")
                lines.pop()
        frame = pd.read_csv(io.StringIO("\n".join(lines) + "\n"), sep="\t", keep_default_na=False,
                            na_values=["NA"], low_memory=False)
    meta = path.with_name(path.name + ".json")
    if sidecar and meta.exists():
        info = json.loads(meta.read_text())
        frame.attrs["sidecar"] = info
        frame.attrs["spec"] = _parse_spec(info.get("spec", ""), info.get("spec_path", ""))
    return frame


def _parse_spec(text: str, name: str) -> dict:
    """A spec's text as a dict (TOML through tomllib on Python ≥ 3.11, JSON otherwise)."""
    if not text:
        return {}
    if text.lstrip().startswith("{"):
        return json.loads(text)
    try:
        import tomllib
    except ImportError:  # Python < 3.11: the text is still available in attrs["sidecar"]["spec"]
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        warnings.warn(f"the spec {name or '(sidecar)'} could not be parsed: {error}")
        return {}


def _values(cell) -> list[float]:
    """A list cell as floats: a JSON list, or the TSV form "0.1,0.2" (NA → NaN)."""
    if isinstance(cell, (list, tuple, np.ndarray)):
        return [math.nan if v is None else float(v) for v in cell]
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return []
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return [float(cell)]
    return [math.nan if v in ("NA", "") else float(v) for v in str(cell).split(",")]


def curves(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The curves of one measure as a long table: one row per run and curve point.

    `measure` is `local_energy`, `local_entropy`, `cone_volume` or `hessian`; the columns are the run's
    keys (run_id, solver, alpha, N, seeds, ... when present), `point` (0, 1, ...) and the measure's
    list-valued fields of CURVE_COLUMNS. Runs without the measure are left out.
    """
    if measure not in CURVE_COLUMNS:
        raise ValueError(f"measure: {measure!r} is not one of {', '.join(CURVE_COLUMNS)}")
    columns = [c for c in CURVE_COLUMNS[measure] if c in frame.columns]
    if not columns:
        raise KeyError(f"the results have no {measure} columns ({CURVE_COLUMNS[measure][0]}, ...)")
    keys = [k for k in _KEYS if k in frame.columns]
    rows = []
    for _, record in frame.iterrows():
        lists = {c: _values(record[c]) for c in columns}
        length = max(len(v) for v in lists.values())
        for c, v in lists.items():
            if v and len(v) != length:
                raise ValueError(f"run {record.get('run_id', '?')}: {c} has {len(v)} points, expected {length}")
        for point in range(length):
            row = {k: record[k] for k in keys}
            row["point"] = point
            row.update({c: (v[point] if v else math.nan) for c, v in lists.items()})
            rows.append(row)
    return pd.DataFrame(rows, columns=keys + ["point"] + columns)


def at(frame: pd.DataFrame, column: str, abscissa: str, value: float, tolerance: float = 1e-12) -> pd.Series:
    """One point of a curve for every run: `column` where `abscissa` equals `value` (NaN where absent).

    Example: `at(runs, "local_energy", "local_energy_perturbation", 0.01)`.
    """
    def pick(record):
        xs, ys = _values(record[abscissa]), _values(record[column])
        for x, y in zip(xs, ys):
            if abs(x - value) <= tolerance * max(1.0, abs(value)):
                return y
        return math.nan
    return frame.apply(pick, axis=1).rename(f"{column}@{value:g}")


# ------------------------------------------------------------------------------------------- statistics

def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95 % by default), as `flatminima table` prints."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # The interval contains p; clamp against rounding (at p = 1 the upper end can come out 1 − 1e−16).
    return (max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p)))


def success_table(frame: pd.DataFrame, by: Sequence[str], column: str = "solved") -> pd.DataFrame:
    """Fraction of runs with `column` = 1 for every group of `by`, with its Wilson interval.

    Columns: the keys of `by`, `solved` (successes), `runs`, `errors` (runs that failed with an error
    and have no result: counted apart, never as failures), `p`, `low`, `high`.
    """
    by = list(by)
    missing = [c for c in by + [column] if c not in frame.columns]
    if missing:
        raise KeyError(f"no column {', '.join(missing)} in the results")
    rows = []
    for key, group in frame.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        failed = group["error"].notna() if "error" in group.columns else pd.Series(False, index=group.index)
        valid = group[~failed]
        k, n = int((valid[column] == 1).sum()), len(valid)
        low, high = wilson(k, n)
        rows.append({**dict(zip(by, key)), "solved": k, "runs": n, "errors": int(failed.sum()),
                     "p": k / n if n else math.nan, "low": low, "high": high})
    return pd.DataFrame(rows)


def spearman(x, y) -> tuple[float, int]:
    """Spearman's rank correlation (Pearson on average ranks) and the number of pairs used."""
    pairs = pd.DataFrame({"x": list(x), "y": list(y)}).dropna()
    if len(pairs) < 3:
        return (math.nan, len(pairs))
    return (float(pairs["x"].rank().corr(pairs["y"].rank())), len(pairs))


# ---------------------------------------------------------------------------------------------- running

def find_binary(binary: str | os.PathLike | None = None) -> str:
    """The flatminima binary: `binary`, $FLATMINIMA, PATH, or .build/release/flatminima of a checkout
    above the working directory."""
    candidates = [binary, os.environ.get("FLATMINIMA"), shutil.which("flatminima")]
    here = Path.cwd().resolve()
    candidates += [str(d / ".build" / "release" / "flatminima") for d in [here, *here.parents]
                   if (d / "Package.swift").exists()]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise FileNotFoundError("flatminima binary not found: pass binary=, set FLATMINIMA, put it on PATH, "
                            "or run `make build` in the checkout")


def _flag(name: str) -> str:
    return f"-{name}" if len(name) == 1 else "--" + name.replace("_", "-")


def _call(arguments: list[str], binary) -> str:
    result = subprocess.run([find_binary(binary), *arguments], capture_output=True, text=True)
    if result.returncode not in (0,):
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no message"
        raise RuntimeError(f"flatminima {arguments[0]} exited with status {result.returncode}: {message}")
    return result.stdout


def run(solver: str | Iterable[str] = "sa", options: Mapping[str, object] | None = None,
        binary: str | os.PathLike | None = None, **problem) -> pd.DataFrame:
    """Run `flatminima solve` and return its records as a DataFrame.

    Keyword arguments are solve's flags with underscores (`N=1001, alpha=0.4, instances=10,
    measure="local-energy"`); `options` are solver parameters (`{"max_iters": 100}` → `-o max_iters=100`).
    A non-zero exit raises RuntimeError with the tool's one-line message.
    """
    solvers = solver if isinstance(solver, str) else ",".join(solver)
    arguments = ["solve", "--solver", solvers, "--format", "json"]
    for name, value in problem.items():
        if value is True:
            arguments.append(_flag(name))
        elif value is not None and value is not False:
            arguments += [_flag(name), str(value)]
    for name, value in (options or {}).items():
        arguments += ["-o", f"{name}={value}"]
    text = _call(arguments, binary)
    return pd.DataFrame.from_records([json.loads(line) for line in text.splitlines() if line.strip()])


def sweep(spec: Mapping | str | os.PathLike, out: str | os.PathLike, resume: bool = False,
          jobs: int | None = None, binary: str | os.PathLike | None = None) -> pd.DataFrame:
    """Run `flatminima sweep` on a spec (a dict, written as a JSON spec, or a spec file) into `out`,
    then return `read_results(out)`."""
    with tempfile.TemporaryDirectory() as scratch:
        if isinstance(spec, Mapping):
            path = Path(scratch) / f"{spec.get('name', 'sweep')}.json"
            path.write_text(json.dumps(spec, indent=1))
        else:
            path = Path(spec)
        arguments = ["sweep", str(path), "--out", str(out)]
        if resume:
            arguments.append("--resume")
        if jobs:
            arguments += ["--jobs", str(jobs)]
        _call(arguments, binary)
    return read_results(out)


# --------------------------------------------------------------------------------------------- plotting

def plot_success(table: pd.DataFrame, x: str = "alpha", hue: str = "solver", ax=None, order=None,
                 colours: Mapping | None = None, markers: Mapping | None = None, legend: bool = True,
                 labels: bool = True, **style):
    """Fraction solved against `x`, one line per value of `hue`, with the Wilson intervals as error bars.

    `table` is the output of `success_table(runs, [hue, x])`; `order` chooses and orders the lines,
    `colours` and `markers` map a value of `hue` to its colour and marker; `legend` and `labels` say
    whether to draw the legend and the axis labels; other keywords go to matplotlib's `errorbar`.
    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots()
    names = list(order) if order is not None else sorted(table[hue].unique())
    for name in names:
        part = table[table[hue] == name].sort_values(x)
        if part.empty:
            continue
        options = {"marker": (markers or {}).get(name, "o"), "ms": 5, "lw": 1.2, "capsize": 2, "label": str(name)}
        if colours and name in colours:
            options["color"] = colours[name]
        options.update(style)
        ax.errorbar(part[x], part["p"], yerr=[part["p"] - part["low"], part["high"] - part["p"]], **options)
    if labels:
        ax.set_xlabel(x)
        ax.set_ylabel("fraction solved")
    if legend:
        ax.legend(title=hue)
    return ax


def plot_curves(long: pd.DataFrame, x: str, y: str, hue: str = "solver", ax=None, error: str | None = None,
                **style):
    """Mean of `y` against `x` over the runs of each `hue` (e.g. the output of `curves`), with the
    standard error of the mean as error bars (or the column `error` when given). Returns the Axes."""
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots()
    for name, group in long.groupby(hue, sort=True):
        stats = group.groupby(x)[y].agg(["mean", "sem", "count"]).reset_index()
        bars = group.groupby(x)[error].mean().values if error else stats["sem"].fillna(0).values
        ax.errorbar(stats[x], stats["mean"], yerr=bars, marker="o", capsize=2, label=str(name), **style)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(title=hue)
    return ax
