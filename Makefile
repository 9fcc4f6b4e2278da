# The two commands of README.md. Both set up what they need first (scripts/setup.sh).
.PHONY: serve test setup setup-test lint

serve: setup
	.venv/bin/policykg serve

test: setup-test
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

lint:
	.venv/bin/ruff check .
