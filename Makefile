# kubesim course — everyday commands.
#
#   make lab               open the course in JupyterLab (creates .venv on first use)
#   make test              run every test: unit tests, notebooks (nbval), real-browser test
#   make exercises         regenerate exercises/ from solutions/
#   make clean-notebooks   strip outputs and widget state before committing notebooks
#   make bench             run every bench/*.py
#
# The environment lives in .venv.  It is (re)installed only when pyproject.toml is newer than
# the stamp file .venv/.installed; delete that file to force a reinstall.

PYTHON ?= $(or $(shell command -v python3.11 2>/dev/null),python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Notebook directories that exist (pytest fails on a path that does not).
NOTEBOOK_DIRS := $(wildcard notebooks solutions exercises)
BENCHES       := $(sort $(wildcard bench/*.py))
PYTEST_ARGS   ?=
# JupyterLab refuses to run as root (containers, some classroom VMs) unless told it may.
ALLOW_ROOT    := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test exercises clean-notebooks check-notebooks bench venv help

help:
	@sed -n '2,8p' Makefile | sed 's/^# \{0,1\}//'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/notebooks/00-start-here.ipynb

# nbval runs each notebook's cells in order in one kernel, so a notebook must stay on one
# xdist worker: --dist loadfile.  --nbval-lax compares outputs only of cells marked
# "# NBVAL_CHECK_OUTPUT"; every other cell just has to run without an error.
# Two runs: everything but the browser test on 2 workers, then the browser test on its own,
# verbose, so the log names every notebook it opened in JupyterLab.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --nbval-current-env \
		--durations=15 -m "not browser" $(PYTEST_ARGS) tests $(NOTEBOOK_DIRS)
	$(BIN)/python -m pytest -v -m browser $(PYTEST_ARGS) tests/test_browser.py

exercises: $(STAMP)
	$(BIN)/python -m kubesim.course build-exercises

clean-notebooks: $(STAMP)
	$(BIN)/python -m kubesim.course clean-notebooks

check-notebooks: $(STAMP)
	$(BIN)/python -m kubesim.course check-notebooks

bench: $(STAMP)
	@if [ -z "$(BENCHES)" ]; then echo "no bench/*.py yet"; fi
	@set -e; for script in $(BENCHES); do \
		echo "== $$script"; \
		$(BIN)/python $$script; \
	done
