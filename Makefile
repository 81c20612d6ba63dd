# Developer entry points; every target bootstraps the virtualenv it needs.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
OWLAPI := server/seckg/owl/ensure-owlapi.sh
CHROMIUM := scripts/ensure-chromium.sh
JENA   := tests/jena/ensure-jena.sh

.PHONY: bootstrap run test validate clean bench-queries bench-validation bench vendor-yasgui

bootstrap: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the dependency list changes.
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -e '.[test]'
	touch $@

run: bootstrap
	$(VENV)/bin/seckg serve --host $(HOST) --port $(PORT)

test: bootstrap
	if [ -f $(OWLAPI) ]; then sh $(OWLAPI); fi
	sh $(CHROMIUM)
	if [ -f $(JENA) ]; then sh $(JENA); fi
	$(VENV)/bin/pytest

validate: bootstrap
	$(VENV)/bin/seckg validate

clean:
	rm -rf $(VENV) build dist .pytest_cache server/*.egg-info *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Times every named query on a synthetic graph (SCALE=1: about 1.4 million triples).
SCALE ?= 1
bench-queries: bootstrap
	$(VENV)/bin/python bench/named_queries.py --scale $(SCALE)

# Rebuilds the query editor's YASGUI files from npm (VERSION= pins another release); see README.
vendor-yasgui:
	sh scripts/vendor-yasgui.sh $(VERSION)

# Times full and incremental validation on 1, 2 and 3 copies of the data (VALIDATION_SIZES="1 2" for fewer).
VALIDATION_SIZES ?= 1 2 3
bench-validation: bootstrap
	$(VENV)/bin/python bench/validation.py --sizes $(VALIDATION_SIZES)

# seckg against Oxigraph's server and rdflib-endpoint at 10k, 100k and 1M triples, answers checked;
# results in bench/results/, table in README.md. SIZES="10k 100k 1M 10M" adds 10M; BENCH_SECONDS= per cell.
SIZES ?= 10k 100k 1M
BENCH_SECONDS ?= 10
bench: bootstrap
	$(VENV)/bin/pip install -q -e '.[test,bench]'
	$(VENV)/bin/python bench/run.py --sizes $(SIZES) --seconds $(BENCH_SECONDS) --readme
