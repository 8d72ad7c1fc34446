"""Committed notebooks are clean, small, valid, and follow the lesson rhythm."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from kubesim.course import MAX_NOTEBOOK_BYTES, has_check_output_marker, source_text

ROOT = Path(__file__).resolve().parent.parent
LESSON_NAME = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$")


def notebooks(*dirs: str) -> list[Path]:
    found = []
    for d in dirs:
        found += [p for p in (ROOT / d).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    return sorted(found)


ALL = notebooks("notebooks", "solutions", "exercises")
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_there_is_something_to_check():
    assert (ROOT / "notebooks" / "00-start-here.ipynb") in LESSONS


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_valid_nbformat_4(path):
    nb = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
    assert nb.nbformat == 4, f"{rel(path)} is nbformat {nb.nbformat}, expected 4"
    nbformat.validate(nb)


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_small_enough(path):
    size = path.stat().st_size
    assert size <= MAX_NOTEBOOK_BYTES, (
        f"{rel(path)} is {size // 1024} KB (limit {MAX_NOTEBOOK_BYTES // 1024} KB): "
        "outputs or embedded images are too big")


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_no_widget_state(path):
    nb = nbformat.read(str(path), as_version=4)
    assert "widgets" not in nb.metadata, f"{rel(path)} has saved widget state: make clean-notebooks"


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_outputs_only_in_check_output_cells(path):
    nb = nbformat.read(str(path), as_version=4)
    dirty = [index for index, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and not has_check_output_marker(source_text(cell))
             and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, (f"{rel(path)}: cells {dirty} have outputs or an execution count without "
                       "'# NBVAL_CHECK_OUTPUT': make clean-notebooks")
    unrun = [index for index, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and cell.outputs and cell.execution_count is None]
    assert not unrun, f"{rel(path)}: cells {unrun} have outputs but no execution count (nbval rejects)"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_name_objectives_and_time(path):
    assert LESSON_NAME.match(path.name), f"lesson notebooks are named NN-topic.ipynb, not {path.name}"
    nb = nbformat.read(str(path), as_version=4)
    first = next((source_text(c) for c in nb.cells if c.cell_type == "markdown"), "")
    assert re.search(r"learning objectives", first, re.IGNORECASE), (
        f"{path.name}: the first markdown cell needs a 'Learning objectives' heading or line")
    assert re.search(r"\bminutes\b", first, re.IGNORECASE), (
        f"{path.name}: the first markdown cell needs a time estimate in minutes")


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_notebooks_have_a_solution(path):
    nb = nbformat.read(str(path), as_version=4)
    assert any("### BEGIN SOLUTION" in source_text(c) for c in nb.cells if c.cell_type == "code"), (
        f"{rel(path)} has no '### BEGIN SOLUTION' block: nothing for the learner to do")


def test_course_map_links_every_lesson():
    start = nbformat.read(str(ROOT / "notebooks" / "00-start-here.ipynb"), as_version=4)
    text = "\n".join(source_text(c) for c in start.cells if c.cell_type == "markdown")
    linked = set(re.findall(r"\]\((\d\d-[^)]+\.ipynb)\)", text))
    unlinked = [p.name for p in LESSONS if p.name != "00-start-here.ipynb" and p.name not in linked]
    assert not unlinked, f"add these lessons to the course map in 00-start-here: {unlinked}"
