"""Execute the notebooks and export them (make notebooks; make notebooks-check in CI).

    python notebooks/build.py            # execute every notebooks/NN_*.py, write Notebooks-export/
    python notebooks/build.py --check    # execute them against data/ without writing anything
    python notebooks/build.py 01_phase_diagram   # only the named ones

Each source is a jupytext "percent" script. It is executed with the repository root as the working
directory (the notebooks read data/ only) and exported to Notebooks-export/NAME.ipynb (with outputs)
and Notebooks-export/NAME.md with its figures in Notebooks-export/NAME_files/. A notebook that raises
makes the command fail, naming the notebook and the cell.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks"
EXPORT = ROOT / "Notebooks-export"


def execute(path: Path) -> nbformat.NotebookNode:
    notebook = jupytext.read(path)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    return notebook


def export(notebook: nbformat.NotebookNode, name: str, directory: Path) -> None:
    files = directory / f"{name}_files"
    if files.exists():
        shutil.rmtree(files)
    body, resources = MarkdownExporter().from_notebook_node(notebook, resources={"output_files_dir": f"{name}_files"})
    for relative, data in resources.get("outputs", {}).items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (directory / f"{name}.md").write_text(body)
    # Reproducible .ipynb: cell ids numbered instead of random, execution timestamps dropped, so that a
    # re-export of unchanged data leaves every exported file unchanged.
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{name}-{index}"
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, directory / f"{name}.ipynb")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names (default: all notebooks/NN_*.py)")
    parser.add_argument("--check", action="store_true", help="execute only; write nothing into the repository")
    args = parser.parse_args()
    if args.check:
        os.environ["FLATMINIMA_NOTEBOOK_CHECK"] = "1"   # inherited by the kernels: fmdata.save writes nothing
    paths = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if args.names:
        paths = [SOURCES / f"{name.removesuffix('.py')}.py" for name in args.names]
        for path in paths:
            if not path.exists():
                print(f"build.py: no notebook {path.relative_to(ROOT)}", file=sys.stderr)
                return 2
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        for path in paths:
            name = path.stem
            try:
                notebook = execute(path)
            except CellExecutionError as error:
                print(f"build.py: {name} failed:\n{error}", file=sys.stderr)
                failed += 1
                continue
            # Export into a scratch directory first, so a failing export leaves the old one in place.
            export(notebook, name, Path(scratch))
            if not args.check:
                EXPORT.mkdir(exist_ok=True)
                for suffix in [".md", ".ipynb"]:
                    shutil.copyfile(Path(scratch) / f"{name}{suffix}", EXPORT / f"{name}{suffix}")
                if (EXPORT / f"{name}_files").exists():
                    shutil.rmtree(EXPORT / f"{name}_files")
                if (Path(scratch) / f"{name}_files").exists():
                    shutil.copytree(Path(scratch) / f"{name}_files", EXPORT / f"{name}_files")
            print(f"build.py: {name} {'executed' if args.check else 'exported to Notebooks-export/'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
