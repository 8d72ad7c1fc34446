"""solutions/ -> exercises/: the transformation, and that exercises/ is up to date."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kubesim import course

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = 'raise NotImplementedError("Your answer here")'


# ----------------------------------------------------------------------------- fixture
def solution_notebook() -> nbformat.NotebookNode:
    """A small solution notebook exercising every rule of the pipeline."""
    cells = [
        new_markdown_cell(
            "# Exercise\n\nWhy does the Pod stay Pending?\n\n"
            "<!-- BEGIN SOLUTION -->\n**Answer:** no node has enough CPU.\n<!-- END SOLUTION -->\n\n"
            "Next task."),
        new_code_cell(
            "replicas = 0\n### BEGIN SOLUTION\nreplicas = 3\n### END SOLUTION\nprint(replicas)",
            execution_count=3,
            outputs=[new_output("stream", name="stdout", text="3\n")],
            metadata={"tags": ["keep-me"], "execution": {"iopub.status.busy": "2024-01-01"}}),
        new_code_cell(
            "def pick(nodes):\n    free = [n for n in nodes]\n    ### BEGIN SOLUTION\n"
            "    free.sort()\n    return free[0]\n    ### END SOLUTION",
            execution_count=4),
        new_code_cell(
            "from kubesim.checks import check\ncheck(replicas == 3, ok='three')",
            execution_count=5,
            outputs=[new_output("execute_result", data={"text/plain": "True", "text/html": "<b>"},
                                execution_count=5)]),
        new_markdown_cell("No solution here."),
    ]
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
    })
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    return nb


@pytest.fixture
def exercise() -> nbformat.NotebookNode:
    return course.make_exercise(solution_notebook(), "fixture.ipynb")


# ----------------------------------------------------------------------------- code cells
def test_solution_block_becomes_the_placeholder(exercise):
    assert exercise.cells[1].source == f"replicas = 0\n{PLACEHOLDER}\nprint(replicas)"


def test_placeholder_keeps_the_markers_indentation(exercise):
    assert exercise.cells[2].source == (
        f"def pick(nodes):\n    free = [n for n in nodes]\n    {PLACEHOLDER}")


def test_cells_with_a_solution_are_tagged_raises_exception(exercise):
    assert exercise.cells[1].metadata["tags"] == ["keep-me", "raises-exception"]
    assert exercise.cells[2].metadata["tags"] == ["raises-exception"]
    assert "tags" not in exercise.cells[3].metadata


def test_outputs_counts_and_volatile_metadata_are_stripped(exercise):
    for cell in exercise.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        assert "execution" not in cell.metadata
    assert "widgets" not in exercise.metadata


def test_markdown_solution_is_removed(exercise):
    assert exercise.cells[0].source == "# Exercise\n\nWhy does the Pod stay Pending?\n\n\nNext task."
    assert exercise.cells[4].source == "No solution here."


def test_the_solution_is_not_modified():
    solution = solution_notebook()
    course.make_exercise(solution, "fixture.ipynb")
    assert solution == solution_notebook()


def test_exercise_of_an_exercise_is_the_same(exercise):
    assert course.make_exercise(exercise, "fixture.ipynb") == exercise


def test_several_blocks_in_one_cell():
    source = "a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\nc = 3\n  ### BEGIN SOLUTION\nd\n  ### END SOLUTION\n"
    result, replaced = course.strip_code_solution(source)
    assert replaced
    assert result == f"a = 1\n{PLACEHOLDER}\nc = 3\n  {PLACEHOLDER}\n"


@pytest.mark.parametrize("source", [
    "### BEGIN SOLUTION\nx = 1\n",
    "x = 1\n### END SOLUTION\n",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
])
def test_unpaired_code_markers_are_errors(source):
    with pytest.raises(course.PipelineError):
        course.strip_code_solution(source, "x.ipynb, cell 1")


def test_unpaired_markdown_marker_is_an_error():
    with pytest.raises(course.PipelineError):
        course.strip_markdown_solution("text\n<!-- BEGIN SOLUTION -->\nanswer\n")


def test_the_exercise_still_is_a_valid_notebook(exercise):
    nbformat.validate(exercise)


# ----------------------------------------------------------------------------- files
def write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def test_build_is_deterministic_and_byte_stable(tmp_path):
    write(solution_notebook(), tmp_path / "solutions" / "04-scheduling.ipynb")
    out1, out2 = tmp_path / "one", tmp_path / "two"
    course.build_exercises(tmp_path / "solutions", out1, quiet=True)
    course.build_exercises(tmp_path / "solutions", out2, quiet=True)
    first = (out1 / "04-scheduling.ipynb").read_bytes()
    assert first == (out2 / "04-scheduling.ipynb").read_bytes()
    assert first.endswith(b"}\n") and b'\n "cells": [\n  {\n' in first  # indent=1
    # A second build over the same directory changes nothing.
    mtime = (out1 / "04-scheduling.ipynb").stat().st_mtime_ns
    course.build_exercises(tmp_path / "solutions", out1, quiet=True)
    assert (out1 / "04-scheduling.ipynb").stat().st_mtime_ns == mtime


def test_build_removes_exercises_without_solution(tmp_path):
    write(solution_notebook(), tmp_path / "solutions" / "a.ipynb")
    write(solution_notebook(), tmp_path / "exercises" / "gone.ipynb")
    course.build_exercises(tmp_path / "solutions", tmp_path / "exercises", quiet=True)
    assert sorted(p.name for p in (tmp_path / "exercises").iterdir()) == ["a.ipynb"]


def test_exercise_runs_under_nbval_semantics(tmp_path):
    """The placeholder raises, and the cell carries the tag that tells nbval this is expected."""
    exercise = course.make_exercise(solution_notebook(), "fixture.ipynb")
    cell = exercise.cells[1]
    with pytest.raises(NotImplementedError):
        exec(cell.source, {})
    assert "raises-exception" in cell.metadata["tags"]


def test_command_line_build(tmp_path):
    write(solution_notebook(), tmp_path / "solutions" / "x.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "kubesim.course", "build-exercises",
         "--solutions", str(tmp_path / "solutions"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "x.ipynb").exists()


# ----------------------------------------------------------------------------- the repository
def test_exercises_are_up_to_date(tmp_path):
    """exercises/ must be exactly what `make exercises` builds from solutions/."""
    built = tmp_path / "exercises"
    course.build_exercises(ROOT / "solutions", built, quiet=True)
    committed_dir = ROOT / "exercises"
    expected = {p.name for p in built.glob("*.ipynb")}
    committed = {p.name for p in committed_dir.glob("*.ipynb")} if committed_dir.is_dir() else set()
    solutions = {p.name for p in (ROOT / "solutions").glob("*.ipynb")}
    assert expected == solutions
    assert committed == expected, (
        f"exercises/ does not match solutions/ (missing: {sorted(expected - committed)}, "
        f"extra: {sorted(committed - expected)}): run `make exercises`")
    stale = [name for name in sorted(expected)
             if (built / name).read_bytes() != (committed_dir / name).read_bytes()]
    assert not stale, f"exercises/ is stale for {stale}: run `make exercises`"


def test_every_solution_is_buildable():
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        course.make_exercise(course.read_notebook(path), path.name)  # raises on bad markers


# ----------------------------------------------------------------------------- clean / check
def test_clean_keeps_only_text_of_check_output_cells():
    nb = new_notebook(cells=[
        new_code_cell("# NBVAL_CHECK_OUTPUT\nprint('x')\nfig", execution_count=1, outputs=[
            new_output("stream", name="stdout", text="x\n"),
            new_output("execute_result", execution_count=1,
                       data={"text/plain": "Figure", "application/vnd.plotly.v1+json": {}}),
            new_output("display_data", data={"image/png": "iVBOR"}),
            new_output("error", ename="E", evalue="v", traceback=[]),
        ]),
        new_code_cell("print('y')", execution_count=2,
                      outputs=[new_output("stream", name="stdout", text="y\n")]),
    ], metadata={"kernelspec": {"name": "other", "display_name": "Other"},
                 "language_info": {"name": "python", "version": "3.11.7"},
                 "widgets": {"state": {}}})
    clean = course.clean_notebook(nb, "n.ipynb")
    marked, plain = clean.cells
    assert marked.execution_count == 1
    assert [o.output_type for o in marked.outputs] == ["stream", "execute_result"]
    assert marked.outputs[1].data == {"text/plain": "Figure"}
    assert plain.outputs == [] and plain.execution_count is None
    assert "widgets" not in clean.metadata
    assert clean.metadata.kernelspec == course.KERNELSPEC
    assert clean.metadata.language_info == {"name": "python"}
    assert course.clean_notebook(clean, "n.ipynb") == clean


@pytest.mark.parametrize("source, marked", [
    ("# NBVAL_CHECK_OUTPUT\nprint(1)", True),
    ("print(1)\n  #NBVAL_CHECK_OUTPUT", True),
    ("print('# NBVAL_CHECK_OUTPUT')", False),
    ("# NBVAL_CHECK_OUTPUT please", False),
])
def test_check_output_marker_is_detected_like_nbval(source, marked):
    assert course.has_check_output_marker(source) is marked


def test_check_notebooks_reports_dirty_notebooks(tmp_path):
    clean = write(course.clean_notebook(solution_notebook(), "c.ipynb"), tmp_path / "c.ipynb")
    dirty = write(solution_notebook(), tmp_path / "d.ipynb")
    big_nb = course.clean_notebook(solution_notebook(), "b.ipynb")
    big_nb.cells.append(new_markdown_cell("x" * (course.MAX_NOTEBOOK_BYTES + 1)))
    big = write(big_nb, tmp_path / "b.ipynb")
    report = course.check_notebooks([tmp_path])
    assert clean not in report
    assert any("widgets" in p for p in report[dirty])
    assert any("cell 1 has outputs" in p for p in report[dirty])
    assert any("KB" in p for p in report[big])
    result = subprocess.run([sys.executable, "-m", "kubesim.course", "check-notebooks", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "d.ipynb" in result.stdout and "c.ipynb" not in result.stdout
