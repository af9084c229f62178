# Two commands do all the set-up on a fresh Debian machine (see README):
#   make demo   install what is missing, then run the journeys against the reference extranet
#   make test   install what is missing, then run the test suite
.PHONY: setup demo check test coverage lint journeys clean
PY := .venv/bin/python

setup:
	@bash scripts/setup.sh

demo: setup
	@$(PY) -m pytest journeys -n 2 -q --results-json test-results/demo-results.json

# The fast tier: lint, types and tests/unit (no process, no browser, no network).
check: setup lint
	@$(PY) -m pytest tests/unit -q

# Everything: tests/unit, tests/integration, and every journey on every engine against the reference
# under /aparts/, as the real portal lives. The journeys run once, traced, inside the leak audit
# (tests/integration/test_leak_audit.py), which fails naming any journey that did not pass; the
# other tests keep the reference at the root. Four workers on two cores: much of a test is waiting
# (WebKit's inspector round trips, mail, timeouts, processes starting), so two workers kept the CPU
# 74 % busy (13 min 35 s), four 90 % (11 min); --dist loadfile keeps a module's shared services (one
# extranet, one mail stack) in one worker, --no-loadscope-reorder keeps the collection's order (the
# long modules first, see conftest.py). The slowest tests are listed at the end.
test: setup lint
	@$(PY) -m pytest tests -q -n 4 --dist loadfile --no-loadscope-reorder --durations=15

# Branch coverage of everything `make test` runs (subprocesses included; settings in pyproject.toml).
coverage: setup
	@rm -rf .coverage-data
	@$(PY) -m coverage run -m pytest tests -q -n 4 --dist loadfile --no-loadscope-reorder; \
	  $(PY) -m coverage combine -q; $(PY) -m coverage report --format=total > .coverage-data/total.txt; \
	  $(PY) -m coverage report | tail -1; echo "branch coverage: $$(cat .coverage-data/total.txt) %"

# Linter and type checker, configured in pyproject.toml ([tool.ruff], [tool.mypy]).
lint: setup
	@$(PY) -m ruff check .
	@$(PY) -m mypy

journeys: setup
	@$(PY) -m pytest journeys

clean:
	rm -rf test-results .run .coverage-data
