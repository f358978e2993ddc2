"""Tests of the Python companion (pytest). The end-to-end test needs the release binary
(`make build`; `make python-test` builds it first) and checks the companion against `flatminima table`."""
from __future__ import annotations

import io
import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import flatminima as fm

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


def test_wilson_matches_the_tool():
    # The intervals `flatminima table` prints for 4 runs (README tour): 4/4, 3/4, 1/4, 0/4.
    assert [round(v, 4) for v in fm.wilson(4, 4)] == [0.5101, 1.0]
    assert [round(v, 4) for v in fm.wilson(3, 4)] == [0.3006, 0.9544]
    assert [round(v, 4) for v in fm.wilson(1, 4)] == [0.0456, 0.6994]
    assert [round(v, 4) for v in fm.wilson(0, 4)] == [0.0, 0.4899]
    assert all(math.isnan(v) for v in fm.wilson(0, 0))


def test_read_results_attaches_the_sidecar_and_spec():
    runs = fm.read_results(DATA / "local-entropy-low.tsv")
    assert len(runs) == runs.attrs["sidecar"]["runs"]
    assert runs.attrs["spec"]["name"] == "local-entropy-low"
    assert runs["arch"].eq("none").all()          # text "none" is not read as a missing value
    assert runs["test_error"].isna().all()        # NA is


def test_curves_are_long_tables_and_at_picks_a_point():
    runs = fm.read_results(DATA / "local-entropy-low.tsv")
    long = fm.curves(runs, "local_energy")
    points = runs["local_energy_perturbation"].map(lambda c: len(str(c).split(","))).sum()
    assert len(long) == points
    first = long[long["run_id"] == runs["run_id"].iloc[0]]
    assert first["local_energy_perturbation"].tolist() == [0.005, 0.01, 0.02, 0.05, 0.1]
    picked = fm.at(runs, "local_energy", "local_energy_perturbation", 0.01)
    expected = first.loc[first["local_energy_perturbation"] == 0.01, "local_energy"].iloc[0]
    assert picked.iloc[0] == expected
    entropy = fm.curves(runs, "local_entropy")
    # Above resolution (at least one flipped weight, d·N ≥ 1) no entropy exceeds the combinatorial ceiling.
    resolved = entropy[(entropy["local_entropy_d"] * entropy["N"] >= 1) & (entropy["local_entropy_converged"] == 1)]
    assert len(resolved) > 0.5 * len(entropy)
    assert (resolved["local_entropy_curve"] <= resolved["local_entropy_ceiling"] + 1e-9).all()
    with pytest.raises(ValueError):
        fm.curves(runs, "width")


def test_crlf_and_a_torn_last_row(tmp_path):
    path = tmp_path / "r.tsv"
    path.write_bytes(b"run_id\tsolver\tsolved\r\na\tsa\t1\r\nb\tsa\t0\r\nc\tsa")
    with pytest.warns(UserWarning, match="torn last row"):
        runs = fm.read_results(path)
    assert runs["run_id"].tolist() == ["a", "b"]
    table = fm.success_table(runs, ["solver"])
    assert (table["solved"].iloc[0], table["runs"].iloc[0]) == (1, 2)


def test_json_lines_and_error_rows(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"solver":"sa","alpha":0.2,"solved":1,"local_energy_perturbation":[0.01,0.02],'
                    '"local_energy":[0.1,0.2]}\n{"solver":"sa","alpha":0.2,"solved":0}\n')
    runs = fm.read_results(path)
    assert fm.curves(runs, "local_energy")["local_energy"].dropna().tolist() == [0.1, 0.2]
    runs = pd.read_csv(io.StringIO("solver\talpha\tsolved\terror\nsa\t0.2\t1\tNA\nsa\t0.2\tNA\tboom\n"),
                       sep="\t", keep_default_na=False, na_values=["NA"])
    table = fm.success_table(runs, ["solver", "alpha"])
    assert table[["solved", "runs", "errors"]].iloc[0].tolist() == [1, 1, 1]


def test_a_phase_diagram_in_three_lines(tmp_path):
    """From a sweep to the figure: read_results, success_table, plot_success, and the same numbers as
    `flatminima table --stat success`."""
    binary = fm.find_binary()
    spec = {"name": "py-e2e", "replicates": 4,
            "problem": {"N": 101, "alpha": "0.2:0.6:0.2"},
            "solver": [{"name": "sa", "max_iters": 300}, {"name": "fbp"}]}
    out = tmp_path / "e2e.tsv"
    fm.sweep(spec, out)

    runs = fm.read_results(out)
    table = fm.success_table(runs, ["solver", "alpha"])
    import matplotlib
    matplotlib.use("Agg")
    ax = fm.plot_success(table, x="alpha", hue="solver")

    assert runs.attrs["spec"]["name"] == "py-e2e" and len(runs) == 2 * 3 * 4
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["fbp", "sa"]
    tool = subprocess.run([binary, "table", str(out), "--rows", "alpha", "--cols", "solver", "--stat",
                           "success", "--format", "tsv"], capture_output=True, text=True, check=True).stdout
    printed = pd.read_csv(io.StringIO(tool), sep="\t")
    merged = table.merge(printed, on=["alpha", "solver"], suffixes=("", "_tool"))
    assert len(merged) == len(table) == 6
    assert (merged["solved"] == merged["successes"]).all() and (merged["runs"] == merged["runs_tool"]).all()
    assert ((merged["low"] - merged["low_tool"]).abs() < 1e-4).all()
    assert ((merged["high"] - merged["high_tool"]).abs() < 1e-4).all()


def test_a_curve_point_agrees_with_the_tool():
    """`at` on the committed table and `flatminima table --stat mean:local_energy@0.01` give the same means,
    and the tool's long table (`flatminima curves`) holds the same points as `curves`."""
    binary = fm.find_binary()
    path = DATA / "local-entropy-low.tsv"
    runs = fm.read_results(path)
    runs["le"] = fm.at(runs, "local_energy", "local_energy_perturbation", 0.01)
    mine = runs.groupby("solver")["le"].mean()
    tool = subprocess.run([binary, "table", str(path), "--rows", "solver", "--stat", "mean:local_energy@0.01",
                           "--format", "json"], capture_output=True, text=True, check=True).stdout
    printed = pd.read_json(io.StringIO(tool), lines=True).set_index("solver")["value"]
    assert set(printed.index) == set(mine.index)
    assert all(abs(printed[s] - mine[s]) <= 1e-12 * max(1.0, abs(mine[s])) for s in mine.index)
    long = subprocess.run([binary, "curves", str(path), "--measure", "local_energy", "--format", "tsv"],
                          capture_output=True, text=True, check=True).stdout
    points = pd.read_csv(io.StringIO(long), sep="\t", keep_default_na=False, na_values=["NA"])
    assert len(points) == len(fm.curves(runs, "local_energy"))
