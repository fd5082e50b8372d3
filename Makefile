# The two commands of the README: `make run` and `make test`. Both set everything up first;
# re-running them reinstalls nothing that is already there.
SHELL := /bin/bash
KNOWLEDGE ?= knowledge
export REPERE_DB ?= sqlite:///$(CURDIR)/var/repere.db

.PHONY: setup run test bench check load schema clean

setup:
	@scripts/setup.sh all

check: setup
	@.venv/bin/repere check $(KNOWLEDGE)

load: check
	@.venv/bin/repere load $(KNOWLEDGE)

schema: setup
	@.venv/bin/repere schema

run: load
	@scripts/demo.sh

test: setup
	@REPERE_TEST_PG_URL=$$(scripts/postgres.sh start) .venv/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: setup
	@.venv/bin/python bench/schedules.py && .venv/bin/python bench/knowledge_load.py

clean:
	@scripts/postgres.sh stop; rm -rf var .cache
