# The two commands of the README: `make run` and `make test`. Both set everything up first;
# re-running them reinstalls nothing that is already there, and retrains only when the
# assistant's data or configuration changed.
SHELL := /bin/bash
KNOWLEDGE ?= knowledge
export REPERE_DB ?= sqlite:///$(CURDIR)/var/repere.db
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup run production test bench check load national schema nlu model validate chat clean
FS_LIST ?= knowledge/sources/liste-fs-20240801.csv

setup:
	@scripts/setup.sh all

check: setup
	@.venv/bin/repere check $(KNOWLEDGE)

load: check
	@.venv/bin/repere load $(KNOWLEDGE)

national: load        # every France Services (ANCT list) and every commune of France, under the curated knowledge
	@.venv/bin/repere import france-services $(FS_LIST) >var/import-france-services.txt \
	  && head -n 1 var/import-france-services.txt && echo "  (rapport complet : var/import-france-services.txt)"
	@.venv/bin/repere import communes >var/import-communes.txt && head -n 1 var/import-communes.txt

schema: setup
	@.venv/bin/repere schema

nlu: setup            # communes and organisme names for the NLU, generated from the knowledge
	@.venv/bin/repere nlu $(KNOWLEDGE)

validate: nlu         # Rasa's own data check; a warning is a failure
	@mkdir -p var; .venv-engine/bin/rasa data validate --fail-on-warnings >var/validate.log 2>&1 \
	  && echo "rasa data validate : aucune erreur ni avertissement" \
	  || { grep -v "Location" var/validate.log | tail -n 30; exit 1; }

model: validate
	@.venv/bin/repere train

run: national validate   # serve trains first when the data changed; demo mode: console password « demo »
	@REPERE_DEMO=$${REPERE_DEMO-1} .venv/bin/repere serve

production: validate  # PostgreSQL, Redis, nginx, 2 Rasa replicas, 2 action servers, purge (README: production mode)
	@scripts/setup.sh production
	@.venv/bin/repere production

chat: setup
	@.venv/bin/repere chat

test: load model
	@scripts/setup.sh browser && scripts/setup.sh production
	@REPERE_TEST_PG_URL=$$(scripts/postgres.sh start) .venv/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: national model
	@.venv/bin/python bench/schedules.py && .venv/bin/python bench/knowledge_load.py
	@.venv/bin/python bench/nlu_quality.py && .venv/bin/python bench/latency.py
	@scripts/setup.sh production && .venv/bin/python bench/fuzz.py && .venv/bin/python bench/production.py

clean:
	@scripts/postgres.sh stop; rm -rf var .cache models
