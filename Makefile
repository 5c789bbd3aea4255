# The two commands: `make demo` and `make test`. Each sets up everything it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test venv system-deps lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# System packages the tests and the demo use (tmux for end-to-end terminal tests,
# prometheus/promtool and prometheus-alertmanager for the alerting harness and its
# tests). Installed only when missing.
system-deps:
	@missing=""; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	command -v prometheus >/dev/null || missing="$$missing prometheus"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v prometheus-alertmanager >/dev/null || missing="$$missing prometheus-alertmanager"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The demo installs what it can; without Prometheus (no root, no network) it still
# runs, with alerts off and the reason on its status bar.
demo: $(STAMP)
	-@$(MAKE) --no-print-directory system-deps || echo "demo: system packages not installed: alerts will be off"
	$(VENV)/bin/fleettui demo

# In parallel (pyproject's addopts: -n 4), then serially the few tests whose time
# budgets assume the CPU to themselves (marked `alone`).
test: lint system-deps
	$(VENV)/bin/pytest -q -m "not alone"
	$(VENV)/bin/pytest -q -n0 -m alone

# import contracts, ruff, and the type checker ([tool.mypy] in pyproject.toml says
# which packages must be clean)
lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check fleettui tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache
