# Two commands for a fresh machine (see README): `make demo` and `make test`.
# Everything is installed from the lock file (uv.lock) into .venv; uv itself goes into .tools.

UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?=

.PHONY: demo test install lint bench clean

demo: install
	.venv/bin/lyssna demo

test: install
	.venv/bin/python -m pytest $(PYTEST_ARGS)

install: .venv/.installed

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --python python3
	touch $@

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

lint: install
	.venv/bin/ruff check lyssna tests bench
	.venv/bin/mypy lyssna

bench: install
	.venv/bin/python bench/bench_ingest.py

clean:
	rm -rf .venv .tools
