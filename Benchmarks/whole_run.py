#!/usr/bin/env python3
"""Whole-run times of `flatminima solve`, split into the solver's own time and the rest.

For each case, every binary given is run REPS times, alternating binaries so that both see the same
machine. Per run it records the process's wall time and the record's `seconds` (the solver: its set-up,
iterations and final evaluation). Their difference is what a run costs outside the solver: process
start, argument parsing, drawing the instance, the record's evaluation (energy, test error) and output.
Medians are printed per binary, with the spread (min-max) of the process times.

Usage:
  python3 Benchmarks/whole_run.py [--reps 9] BIN [BIN ...]
  e.g. python3 Benchmarks/whole_run.py /tmp/flatminima-old .build/release/flatminima
"""
import argparse
import json
import statistics
import subprocess
import time

CASES = [
    ("amp N=2001 alpha=0.6", ["--solver", "amp", "-N", "2001", "--alpha", "0.6"]),
    ("amp N=2001 alpha=0.6, 200 iterations at tol=1e-15",
     ["--solver", "amp", "-N", "2001", "--alpha", "0.6", "--max-iters", "200", "-o", "tol=1e-15"]),
    ("bp N=1001 alpha=0.6", ["--solver", "bp", "-N", "1001", "--alpha", "0.6"]),
    ("fbp N=1001 alpha=0.6", ["--solver", "fbp", "-N", "1001", "--alpha", "0.6"]),
    ("fbp committee K=5 tree N=1005 alpha=0.3",
     ["--solver", "fbp", "--model", "committee", "-K", "5", "--arch", "tree", "-N", "1005", "--alpha", "0.3"]),
    ("rsgd N=1001 alpha=0.6", ["--solver", "rsgd", "-N", "1001", "--alpha", "0.6"]),
    ("sgd N=1001 alpha=0.4", ["--solver", "sgd", "-N", "1001", "--alpha", "0.4"]),
    ("sa N=201 alpha=0.3 (a sweep-sized run)", ["--solver", "sa", "-N", "201", "--alpha", "0.3"]),
]


def run(binary, arguments):
    start = time.perf_counter()
    output = subprocess.run([binary, "solve", *arguments, "--format", "json"], check=True,
                            capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    record = json.loads(output.strip().splitlines()[-1])
    return wall, record["seconds"], record["iterations"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("binaries", nargs="+")
    options = parser.parse_args()
    print("| case | binary | iterations | process (median, min-max) | solver | outside the solver |")
    print("|---|---|---|---|---|---|")
    for title, arguments in CASES:
        samples = {b: [] for b in options.binaries}
        for _ in range(options.reps):
            for binary in options.binaries:
                samples[binary].append(run(binary, arguments))
        for binary in options.binaries:
            walls = [s[0] for s in samples[binary]]
            solver = statistics.median(s[1] for s in samples[binary])
            outside = statistics.median(s[0] - s[1] for s in samples[binary])
            iterations = statistics.median(s[2] for s in samples[binary])
            print(f"| {title} | {binary} | {iterations:g} | {statistics.median(walls) * 1e3:.1f} ms "
                  f"({min(walls) * 1e3:.1f}-{max(walls) * 1e3:.1f}) | {solver * 1e3:.1f} ms | "
                  f"{outside * 1e3:.1f} ms |")


if __name__ == "__main__":
    main()
