# make demo: trace six datasets from the shipped documents (examples/corpus) and print the report, then import examples/lineage.
# make test: the test suite. Both create .venv (Python 3.11+) and install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# the federating SPARQL engine (Comunica, from npm) that tests/test_federation_engine.py drives
FEDERATION := tests/federation/node_modules/.installed-stamp
PYTHON ?= python3

.PHONY: demo lint test bench bench-scale bench-gateway bench-tracing serve vocab vendor-js screenshot clean train-extractor

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0   # first: the CPU build, before anything pulls a CUDA one
	$(PY) -m pip install --quiet -e '.[test,diversity]'
	@touch $(STAMP)

demo: $(STAMP)
	@bash scripts/demo.sh

$(FEDERATION): tests/federation/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd tests/federation && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed-stamp; \
	else echo "npm not found: the federation test will be skipped"; fi

# ruff (style, imports, likely bugs) over all Python files; mypy (check_untyped_defs) over src/lineagekg
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint $(STAMP) $(FEDERATION)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/bench_queries.py --sizes 10000 100000

bench-scale: $(STAMP)
	$(PY) benchmarks/bench_import.py --sizes 10000 100000
	$(PY) benchmarks/bench_lineage.py --sizes 10000 100000

bench-gateway: $(STAMP)
	$(PY) benchmarks/bench_gateway.py

bench-tracing: $(STAMP)
	$(PY) benchmarks/bench_tracing.py

serve: $(STAMP)
	$(VENV)/bin/lineagekg serve

vendor-js:
	bash scripts/vendor_js.sh

screenshot: $(STAMP)
	$(PY) scripts/screenshot_explorer.py

vocab: $(STAMP)
	$(PY) -m lineagekg.vocab_gen

clean:
	rm -rf $(VENV) .lineagekg .pytest_cache build dist

# the offline extractor's decision model (src/lineagekg/extract/model.json), from the shared corpus and labels
SHARED ?= ../shared
train-extractor: $(STAMP)
	$(VENV)/bin/lineagekg train --corpus $(SHARED)/lineage_corpus --labels $(SHARED)/labels/dev_edges.csv \
	  --labels tests/data/labels/new_edges.csv --holdout $(SHARED)/labels/holdout_documents.txt
