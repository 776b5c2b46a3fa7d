# GANs for digital art: the two commands are `make lab` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
KERNEL_NAME := gancourse
LAB_ARGS ?=
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root,)
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
PYTEST_ARGS ?=
# Extras installed into the venv; the browser test's playwright comes with `browser`.
EXTRAS ?= lab,test,browser

.PHONY: help lab test venv kernel execute exercises lint format clean doctor bench

help:  ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml or constraints.txt change (the stamp records it).
$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --upgrade --quiet "pip>=23"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL_NAME) --display-name "GANs for digital art (gancourse)" > /dev/null
	@# nbgrader is only a test dependency: keep its server and lab extensions out of the course's JupyterLab
	-for ext in formgrader validate_assignment assignment_list course_list; do \
	    $(VENV)/bin/jupyter server extension disable --sys-prefix nbgrader.server_extensions.$$ext > /dev/null 2>&1; done
	-$(VENV)/bin/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader > /dev/null 2>&1
	touch $(STAMP)

venv: $(STAMP)  ## create or update .venv with the pinned versions

kernel: $(STAMP)  ## register the course's Jupyter kernel in .venv

lab: $(STAMP)  ## start JupyterLab on lesson 00 (headless: make lab LAB_ARGS="--no-browser --port 8899")
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	    --LabApp.default_url=/lab/tree/notebooks/00_setup_and_tour.ipynb $(ROOT_ARGS) $(LAB_ARGS)

doctor: $(STAMP)  ## print the environment report
	$(PY) -m gancourse doctor

test: $(STAMP)  ## unit tests, nbval (quick mode) over notebooks/ and solutions/, exercise sync, ruff
	$(PY) -m ruff check gancourse tests benchmarks tools
	$(PY) -m gancourse exercises check
	GANCOURSE_QUICK=1 MPLBACKEND=agg $(PY) -m pytest -n 2 --dist loadscope \
	    --nbval-lax --nbval-current-env --nbval-cell-timeout=300 --timeout=900 \
	    tests notebooks solutions $(PYTEST_ARGS)

execute: $(STAMP)  ## re-run every lesson in FULL mode and save its outputs in place
	$(PY) tools/execute_notebooks.py $(NOTEBOOKS)

exercises: $(STAMP)  ## rebuild exercises/ from solutions/
	$(PY) -m gancourse exercises build

lint: $(STAMP)  ## ruff
	$(PY) -m ruff check gancourse tests benchmarks tools

bench: $(STAMP)  ## run the benchmarks (minutes)
	for f in benchmarks/*.py; do $(PY) $$f || exit 1; done

clean:  ## remove caches (keeps .venv)
	rm -rf .pytest_cache .ruff_cache build *.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
