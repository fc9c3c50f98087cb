# scalesim — the two commands: `make demo` and `make test`. Both build .venv first if needed.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
OUT ?= out/default
SEED ?= 1

.PHONY: demo test test-fast test-browser lint bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@interp=$$(./scripts/find-python.sh) || exit 1; \
	  if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$interp"; $$interp -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*; touch $@

demo: venv
	MPLBACKEND=agg $(VENV)/bin/scalesim run scenarios/default.yaml --seed $(SEED) --out $(OUT)
	MPLBACKEND=agg $(VENV)/bin/scalesim report $(OUT) --out $(OUT)/report.html

test: venv
	MPLBACKEND=agg $(PY) -m pytest -n 2 -q

test-fast: venv
	MPLBACKEND=agg $(PY) -m pytest -n 2 -q -m "not browser"

test-browser: venv
	MPLBACKEND=agg $(PY) -m pytest -q -m browser

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

bench: venv
	$(PY) benchmarks/bench_model.py

clean:
	rm -rf $(VENV) out .pytest_cache
