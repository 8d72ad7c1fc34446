"""Course tooling: generate exercises from solutions, clean and check notebooks.

Run from the repository root::

    python -m kubesim.course build-exercises [--out DIR]   # solutions/*.ipynb -> exercises/
    python -m kubesim.course clean-notebooks [PATH ...]    # strip outputs before committing
    python -m kubesim.course check-notebooks               # non-zero exit if a notebook is dirty

``make exercises`` and ``make clean-notebooks`` call the first two.  How the pipeline fits
together is described in ``docs/contributing.md``.

Conventions
-----------
* In a solution's code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION``
  (markers included) become ``raise NotImplementedError("Your answer here")`` at the
  marker's indentation, and the cell is tagged ``raises-exception`` so that nbval (and
  JupyterLab's "Run All") accept the exception.
* In a markdown cell, text from ``<!-- BEGIN SOLUTION -->`` to ``<!-- END SOLUTION -->`` is
  removed.
* A code cell containing the comment ``# NBVAL_CHECK_OUTPUT`` keeps its printed text when
  cleaned: that text is the lesson's contract, compared by ``pytest --nbval-lax``.  Every
  other code cell is committed without outputs or execution count.
"""
from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path
from typing import Iterable, Sequence

import nbformat

#: Repository root (this file is kubesim/course.py).
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIRS = ("notebooks", "solutions", "exercises")
MAX_NOTEBOOK_BYTES = 200 * 1024

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
PLACEHOLDER = 'raise NotImplementedError("Your answer here")'
RAISES_TAG = "raises-exception"
MD_SOLUTION = re.compile(
    r"[ \t]*<!--\s*BEGIN SOLUTION\s*-->.*?<!--\s*END SOLUTION\s*-->[ \t]*\n?", re.DOTALL)
MD_MARKER = re.compile(r"<!--\s*(BEGIN|END) SOLUTION\s*-->")
CHECK_OUTPUT_MARKER = "NBVAL_CHECK_OUTPUT"
#: Output mime types kept in ``# NBVAL_CHECK_OUTPUT`` cells (stream outputs are kept too).
KEPT_MIME_TYPES = ("text/plain",)
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: Cell metadata written by tools on every run (timings, collapse state): never committed.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")


class PipelineError(ValueError):
    """A solution notebook whose markers do not pair up."""


# ----------------------------------------------------------------------------- helpers
def source_text(cell) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def has_check_output_marker(source: str) -> bool:
    """True if ``source`` has a ``# NBVAL_CHECK_OUTPUT`` comment line, as nbval detects it."""
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("#") and line.lstrip("#").strip() == CHECK_OUTPUT_MARKER:
            return True
    return False


def read_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """Serialise exactly like ``nbformat.write``: sorted keys, indent=1, trailing newline."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> bool:
    """Write ``nb`` to ``path`` unless the file already has these bytes; True if written."""
    text = notebook_text(nb)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return True


def _ensure_cell_ids(nb: nbformat.NotebookNode, stem: str) -> None:
    """Give every cell a stable id (nbformat 4.5) instead of letting nbformat invent random ones."""
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        nb.nbformat_minor = 5
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        cid = cell.get("id")
        if not cid or cid in seen:
            cid = f"{re.sub(r'[^A-Za-z0-9-]', '-', stem)[:40]}-{index}"
            cell["id"] = cid
        seen.add(cid)


def _strip_cell_metadata(cell) -> None:
    for key in VOLATILE_CELL_METADATA:
        cell.metadata.pop(key, None)


# ----------------------------------------------------------------------------- exercises
def strip_code_solution(source: str, where: str = "cell") -> tuple[str, bool]:
    """Replace each BEGIN/END SOLUTION block by the placeholder; return (source, replaced?)."""
    out: list[str] = []
    inside = False
    replaced = False
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if stripped == BEGIN_SOLUTION:
            if inside:
                raise PipelineError(f"{where}: '{BEGIN_SOLUTION}' inside another solution block")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            newline = "\n" if line.endswith("\n") else ""
            out.append(f"{indent}{PLACEHOLDER}{newline}")
            replaced = True
        elif stripped == END_SOLUTION:
            if not inside:
                raise PipelineError(f"{where}: '{END_SOLUTION}' without '{BEGIN_SOLUTION}'")
            inside = False
            if not line.endswith("\n") and out and out[-1].endswith("\n"):
                out[-1] = out[-1][:-1]  # the block ended the cell: keep the cell's last line open
        elif not inside:
            out.append(line)
    if inside:
        raise PipelineError(f"{where}: '{BEGIN_SOLUTION}' without '{END_SOLUTION}'")
    return "".join(out), replaced


def strip_markdown_solution(source: str, where: str = "cell") -> str:
    """Remove each ``<!-- BEGIN SOLUTION -->`` … ``<!-- END SOLUTION -->`` span."""
    result = MD_SOLUTION.sub("", source)
    if MD_MARKER.search(result):
        raise PipelineError(f"{where}: unpaired <!-- BEGIN/END SOLUTION --> marker")
    return result


def make_exercise(solution: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the exercise notebook for a solution notebook (the input is not modified)."""
    nb = copy.deepcopy(solution)
    nb.metadata.pop("widgets", None)
    _ensure_cell_ids(nb, Path(name).stem)
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        _strip_cell_metadata(cell)
        if cell.cell_type == "code":
            source, replaced = strip_code_solution(source_text(cell), where)
            cell.source = source
            cell.outputs = []
            cell.execution_count = None
            if replaced:
                tags = list(cell.metadata.get("tags", []))
                if RAISES_TAG not in tags:
                    tags.append(RAISES_TAG)
                cell.metadata["tags"] = tags
        elif cell.cell_type == "markdown":
            cell.source = strip_markdown_solution(source_text(cell), where)
    return nb


def build_exercises(solutions: Path = ROOT / "solutions", out: Path = ROOT / "exercises",
                    quiet: bool = False) -> list[Path]:
    """Write ``out/<name>`` for every ``solutions/*.ipynb``; delete exercises without a solution.

    Returns the exercise paths.  Files are only rewritten when their bytes change.
    """
    sources = sorted(solutions.glob("*.ipynb")) if solutions.is_dir() else []
    written: list[Path] = []
    for src in sources:
        target = out / src.name
        changed = write_notebook(make_exercise(read_notebook(src), src.name), target)
        written.append(target)
        if changed and not quiet:
            print(f"wrote {target}")
    if out.is_dir():
        wanted = {p.name for p in sources}
        for stale in sorted(out.glob("*.ipynb")):
            if stale.name not in wanted:
                stale.unlink()
                if not quiet:
                    print(f"removed {stale} (no solutions/{stale.name})")
    return written


# ----------------------------------------------------------------------------- cleaning
def _clean_check_output(outputs: list) -> list:
    kept = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            kept.append(output)
        elif kind in ("execute_result", "display_data"):
            data = {k: v for k, v in output.get("data", {}).items() if k in KEPT_MIME_TYPES}
            if data:
                output["data"] = data
                output["metadata"] = {}
                kept.append(output)
    return kept


def clean_notebook(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return a copy of ``nb`` ready to commit.

    Outputs and execution counts are removed from every code cell except those marked
    ``# NBVAL_CHECK_OUTPUT``, which keep stream and text/plain outputs only; notebook
    ``metadata.widgets`` is removed and the kernelspec is set to the standard ``python3``.
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    language_info = nb.metadata.get("language_info")
    if isinstance(language_info, dict):
        language_info.pop("version", None)  # differs per machine: noise in diffs
    _ensure_cell_ids(nb, Path(name).stem)
    for cell in nb.cells:
        _strip_cell_metadata(cell)
        if cell.cell_type != "code":
            continue
        if has_check_output_marker(source_text(cell)):
            cell.outputs = _clean_check_output(cell.get("outputs", []))
        else:
            cell.outputs = []
            cell.execution_count = None
    return nb


def iter_notebooks(paths: Iterable[Path]) -> list[Path]:
    """Expand files and directories into a sorted list of ``.ipynb`` files (no checkpoints)."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.suffix == ".ipynb" and path.exists():
            found.add(path)
    return sorted(found)


def default_notebook_paths(root: Path = ROOT) -> list[Path]:
    return iter_notebooks(root / d for d in NOTEBOOK_DIRS)


def clean_notebooks(paths: Sequence[Path], quiet: bool = False) -> list[Path]:
    """Clean the given notebooks in place; return those whose file changed."""
    changed = []
    for path in iter_notebooks(paths):
        if write_notebook(clean_notebook(read_notebook(path), path.name), path):
            changed.append(path)
            if not quiet:
                print(f"cleaned {path}")
    return changed


# ----------------------------------------------------------------------------- checking
def notebook_problems(path: Path) -> list[str]:
    """What is wrong with a committed notebook (empty list: nothing)."""
    problems = []
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        problems.append(f"{size // 1024} KB, more than {MAX_NOTEBOOK_BYTES // 1024} KB")
    try:
        nb = read_notebook(path)
    except Exception as exc:  # noqa: BLE001 - report, do not crash
        return problems + [f"not a readable notebook: {exc}"]
    if "widgets" in nb.metadata:
        problems.append("has metadata.widgets (saved widget state)")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or has_check_output_marker(source_text(cell)):
            continue
        if cell.get("outputs"):
            problems.append(f"cell {index} has outputs but no '# {CHECK_OUTPUT_MARKER}'")
        elif cell.get("execution_count") is not None:
            problems.append(f"cell {index} has an execution count but no '# {CHECK_OUTPUT_MARKER}'")
    return problems


def check_notebooks(paths: Sequence[Path]) -> dict[Path, list[str]]:
    """Map each dirty notebook to its problems."""
    report = {}
    for path in iter_notebooks(paths):
        problems = notebook_problems(path)
        if problems:
            report[path] = problems
    return report


# ----------------------------------------------------------------------------- CLI
def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kubesim.course", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p_build = sub.add_parser("build-exercises", help="regenerate exercises/ from solutions/")
    p_build.add_argument("--solutions", type=Path, default=ROOT / "solutions",
                         help="directory of solution notebooks (default: solutions/)")
    p_build.add_argument("--out", type=Path, default=ROOT / "exercises",
                         help="directory to write exercise notebooks to (default: exercises/)")

    p_clean = sub.add_parser("clean-notebooks", help="strip outputs and widget state before committing")
    p_clean.add_argument("paths", nargs="*", type=Path,
                         help="notebooks or directories (default: notebooks/ solutions/ exercises/)")

    p_check = sub.add_parser("check-notebooks", help="fail if a committed notebook is dirty")
    p_check.add_argument("paths", nargs="*", type=Path,
                         help="notebooks or directories (default: notebooks/ solutions/ exercises/)")

    args = parser.parse_args(argv)
    missing = [str(p) for p in getattr(args, "paths", []) if not p.exists()]
    if missing:
        parser.error("no such file or directory: " + ", ".join(missing))
    if args.command == "build-exercises":
        try:
            exercises = build_exercises(args.solutions, args.out)
        except PipelineError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"{len(exercises)} exercise notebook(s) in {_display(args.out)}")
        return 0
    if args.command == "clean-notebooks":
        paths = iter_notebooks(args.paths) if args.paths else default_notebook_paths()
        changed = clean_notebooks(paths, quiet=True)
        for path in changed:
            print(f"cleaned {_display(path)}")
        print(f"{len(changed)} of {len(paths)} notebook(s) changed")
        return 0
    if args.command == "check-notebooks":
        paths = iter_notebooks(args.paths) if args.paths else default_notebook_paths()
        report = check_notebooks(paths)
        for path, problems in report.items():
            for problem in problems:
                print(f"{_display(path)}: {problem}")
        if report:
            print(f"{len(report)} notebook(s) to fix: `make clean-notebooks` strips outputs and "
                  "widget state; a notebook over the size limit must be made smaller", file=sys.stderr)
            return 1
        print(f"{len(paths)} notebook(s) clean")
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
