# The two commands of README.md. Both set up what they need first (scripts/setup.sh).
.PHONY: serve test setup setup-test lint screenshots

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

# Regenerate docs/screenshots/ (headless Chromium over the bundled seed; axe-core checks).
screenshots: setup-test
	.venv/bin/python -m tests.api.screenshots
