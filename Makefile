# Studio: `make run` to use it, `make test` to check it. Both are safe to repeat.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-services lint bench system-deps clean help conformance

help:
	@echo "make run            install, migrate and start Studio on the embedded defaults"
	@echo "make test           install and run ruff and the whole suite on the embedded defaults"
	@echo "make test-services  the suite against DATABASE_URL (PostgreSQL) and REDIS_URL"
	@echo "make bench          print the benchmark ratios"
	@echo "make conformance    the engine against Azure's spec and generated bodies, at length"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Studio needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# A stamp per requirements set: a repeated make skips the install unless a requirements file changed.
$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-run

# The engine's real models (torch CPU, llama.cpp, ...): about 2.2 GB. llama-cpp-python is source-only on PyPI.
# llama.cpp is built for the x86-64 features every recent machine has, not -march=native: a virtual machine may
# report an instruction set (AMX) it does not let programs use, and a native build then dies at the first token.
# A wheel pip cached from such a build is found by the check that follows, dropped and rebuilt.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
LLAMA_CPP := $(shell grep -E '^llama-cpp-python==' requirements-models.txt)
$(VENV)/.installed-models: requirements-models.txt requirements.txt | $(BIN)/python
	@$(BIN)/python -c "import llama_cpp" 2>/dev/null || echo "Installing the model stack: the first install compiles llama.cpp (about 5 minutes on 2 cores, 2.2 GB on disk); later installs reuse pip's cached wheel."
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet -r requirements-models.txt
	@$(BIN)/python -m engine.backends.llama_check || { \
		echo "Rebuilding llama.cpp (about 5 minutes)"; \
		$(BIN)/pip cache remove llama_cpp_python >/dev/null 2>&1; \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --force-reinstall --no-deps "$(LLAMA_CPP)" && \
		$(BIN)/python -m engine.backends.llama_check; }
	@touch $@

run: $(VENV)/.installed-run $(VENV)/.installed-models
	$(BIN)/python manage.py runstack

system-deps:
	@scripts/system-deps

test: $(VENV)/.installed-dev $(VENV)/.installed-models system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-services: $(VENV)/.installed-dev
	@test -n "$$DATABASE_URL" || { echo "set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test"; exit 1; }
	@test -n "$$REDIS_URL" || { echo "set REDIS_URL, e.g. redis://127.0.0.1:6379/0"; exit 1; }
	$(BIN)/python -m pytest -m "not browser and not models"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed-dev $(VENV)/.installed-models
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .ruff_cache

# The engine against Azure's inference spec (schemathesis) and Hypothesis bodies, with many more examples than
# `make test` runs (fixed seed either way). Takes a few minutes.
conformance: $(VENV)/.installed-dev
	ENGINE_CONFORMANCE_EXAMPLES=200 ENGINE_FUZZ_EXAMPLES=300 $(BIN)/python -m pytest \
		tests/engine/test_conformance.py tests/engine/test_fuzz_bodies.py
